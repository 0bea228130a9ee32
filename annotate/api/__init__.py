"""REST API v1 for annotation: thin views over the subdomains' services and selectors."""
