from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"
    verbose_name = "Datasets"

    def ready(self) -> None:
        # The Article admin belongs to corpus (and is re-registered by annotate with its spans
        # inline); the export action is added to whichever admin is registered, without editing
        # either app. Admin autodiscovery has run by now: django.contrib.admin is listed first.
        from datasets.admin_actions import register_article_export_action

        register_article_export_action()
