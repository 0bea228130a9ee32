# Spans, verdicts, sources and the review workflow arrive with the annotation core.
