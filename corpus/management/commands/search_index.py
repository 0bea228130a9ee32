from django.core.management.base import BaseCommand

from corpus.services import articles_search_index


class Command(BaseCommand):
    help = (
        "Compute the full-text search vectors of articles that have none yet (imports hand "
        "this to a background run; use it after migrating, or if such a run was lost)."
    )

    def handle(self, *args, **options):
        done = articles_search_index()
        self.stdout.write(f"indexed {done} articles")
