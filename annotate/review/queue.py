"""What keeps a span out of the review queue besides `Span.queue_open`: its claim (issue 15).

A span linked to a claim that has a final verdict is not handed out for new reviews (a repeated
claim costs no new k reviews), unless an editor asked for fresh reviews on the claim. The claim
can change without touching the span's row, so this is read at query time, not folded into
`queue_open`. Review sits below claims and imports nothing of it: the condition names the
reverse relations (`appearance`, `claim`) by their lookups only.
"""

from django.db.models import Exists, OuterRef

from annotate.review.models import Span


def held_by_settled_claim() -> Exists:
    """For a span queryset: the span appears as a claim that is settled and wants no fresh
    reviews. Use as `.exclude(held_by_settled_claim())`."""
    return Exists(
        Span.objects.filter(
            pk=OuterRef("pk"),
            appearance__claim__verdict_set_at__isnull=False,
            appearance__claim__fresh_reviews=False,
        )
    )
