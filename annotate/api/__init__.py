"""REST API v1 for annotation: thin views over annotate.services and annotate.selectors."""
