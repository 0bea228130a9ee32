"""Blind review in lists: what a span list says through its filters (reviewer, label) and counts
never goes beyond the verdicts the same caller is shown on the span itself."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.models import Membership, Span, Verdict
from annotate.review import selectors
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

LABELS = ("True", "False")
REVIEWERS = 4
NOW = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)

# A reviewer's verdict on the span: none, a draft, or a submitted label.
verdicts = st.one_of(
    st.none(),
    st.tuples(st.just("draft"), st.just("")),
    st.tuples(st.just("submitted"), st.sampled_from(LABELS)),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    given_verdicts=st.lists(verdicts, min_size=REVIEWERS, max_size=REVIEWERS),
    blind=st.booleans(),
    viewer_role=st.sampled_from(list(Membership.Role)),
)
def test_span_list_reveals_no_more_than_the_span(given_verdicts, blind, viewer_role):
    with transaction.atomic():  # each example starts from an empty database
        reviewers = UserFactory.create_batch(REVIEWERS)
        viewer = reviewers[0]  # writes slot 0 when a reviewer or editor; else it stays empty
        others = reviewers[1:]
        article = ArticleFactory(body="x" * 20)
        project = ProjectFactory(
            blind_review=blind, editors=[], reviewers=others, viewers=[], articles=[article]
        )
        Membership.objects.create(project=project, user=viewer, role=viewer_role)
        span = Span.objects.create(
            project=project, article=article, start=0, end=3, quote="xxx", created_by=viewer
        )
        if viewer_role == Membership.Role.VIEWER:
            given_verdicts = [None, *given_verdicts[1:]]
        Verdict.objects.bulk_create(
            Verdict(
                span=span,
                reviewer=reviewers[slot],
                status=status,
                label=label,
                submitted_at=NOW if status == "submitted" else None,
            )
            for slot, (status, label) in (
                (slot, given) for slot, given in enumerate(given_verdicts) if given
            )
        )

        shown = selectors.span_for_user(user=viewer, pk=span.pk).visible_verdicts
        shown_submitted = [v for v in shown if v.status == Verdict.Status.SUBMITTED]
        listed = selectors.spans_for_user(user=viewer, project_id=project.pk)

        for other in others:
            by_reviewer = selectors.spans_for_user(user=viewer, reviewer_id=other.pk)
            assert by_reviewer.exists() == any(v.reviewer_id == other.pk for v in shown_submitted)
        for label in LABELS:
            by_label = selectors.spans_for_user(user=viewer, label=label)
            assert by_label.exists() == any(v.label == label for v in shown_submitted)
        (row,) = listed
        assert row.submitted_count == len(shown_submitted)
        own_submitted = any(v.reviewer_id == viewer.pk for v in shown_submitted)
        if blind and viewer_role == Membership.Role.REVIEWER and not own_submitted:
            assert row.verdict_count == len(shown)  # their own draft, if any
        transaction.set_rollback(True)
