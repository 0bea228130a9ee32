"""URLs the pages send people back to."""

from django.urls import reverse

from annotate.models import Span


def reader_url(span: Span, *, queue: bool = False) -> str:
    """The reader with this span's panel open (in queue mode when the person was in it)."""
    url = reverse("annotate:reader", args=[span.project_id, span.article_id])
    return f"{url}?span={span.pk}{'&queue=1' if queue else ''}#panel"
