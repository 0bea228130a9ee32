from importlib import import_module

from django.apps import AppConfig
from django.conf import settings


class AnnotateConfig(AppConfig):
    name = "annotate"
    verbose_name = "Annotation"

    def ready(self) -> None:
        import_module("annotate.projects.intake")  # the article-import job kind
        import_module("annotate.claims.jobs")  # the claim-embeddings job kind
        import_module("annotate.review.revision_job")  # the article-revision job kind
        import_module("annotate.quality.jobs")  # the agreement-recompute job kind
        # Quotes keep a search vector computed off the write path, as articles do.
        from annotate.review.tables import QUOTE_VECTORS
        from corpus.search import register_stored_vectors

        register_stored_vectors(QUOTE_VECTORS)
        # Job kinds of deployments and tests (JOBS_KIND_MODULES) register themselves on import.
        for module in settings.JOBS_KIND_MODULES:
            import_module(module)
