from django.core.management.base import BaseCommand

from corpus.services import search_index


class Command(BaseCommand):
    help = (
        "Compute the full-text search vectors of rows that have none yet, on PostgreSQL "
        "(writes hand this to a background run; use it after migrating, or if a run was lost)."
    )

    def handle(self, *args, **options):
        done = search_index()
        if not done:
            self.stdout.write("nothing to index: this database's search indexes keep themselves")
            return
        self.stdout.write("indexed " + ", ".join(f"{n} {label}" for label, n in done.items()))
