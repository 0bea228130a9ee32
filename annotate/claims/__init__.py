"""Claims across articles: one canonical claim, its appearances (spans) in many articles, the
lexical matching that suggests a claim for a span, and every suggestion decision (issue 15)."""
