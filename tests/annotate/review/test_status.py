"""The span status rule: its SQL form (with_status) and its pure form (span_status_of) agree."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.models import Adjudication, Membership, Span, Verdict
from annotate.review import selectors
from annotate.review.status import SpanFacts, SpanStatus, span_status_of
from annotate.templatetags.review import status_label
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

LABELS = ("True", "Half True", "False")
REVIEWERS = 5
NOW = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)

# A verdict: None (this reviewer wrote none), ("draft", label or "") or ("submitted", label).
verdicts = st.one_of(
    st.none(),
    st.tuples(st.just("draft"), st.sampled_from(("", *LABELS))),
    st.tuples(st.just("submitted"), st.sampled_from(LABELS)),
)
spans = st.fixed_dictionaries(
    {
        # One slot per reviewer; reviewer 0 is the viewer when the viewer is a reviewer.
        "verdicts": st.lists(verdicts, min_size=REVIEWERS, max_size=REVIEWERS),
        "adjudicated": st.booleans(),
        "orphaned": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    span_cases=st.lists(spans, min_size=1, max_size=5),
    k=st.integers(min_value=1, max_value=4),
    blind=st.booleans(),
    viewer_role=st.sampled_from((None, "reviewer", "editor", "viewer", "non-member")),
)
def test_sql_status_equals_the_pure_rule(span_cases, k, blind, viewer_role):
    with transaction.atomic():  # each example starts from an empty database
        reviewers = UserFactory.create_batch(REVIEWERS)
        editor, outsider = UserFactory(), UserFactory()
        article = ArticleFactory(body="x" * 100)
        project = ProjectFactory(
            reviews_per_claim=k,
            blind_review=blind,
            editors=[editor],
            reviewers=reviewers[1:],
            articles=[article],
        )
        viewer = {
            None: None,
            "reviewer": reviewers[0],
            "editor": editor,
            "viewer": outsider,
            "non-member": outsider,
        }[viewer_role]
        roles = {"reviewer": Membership.Role.REVIEWER, "viewer": Membership.Role.VIEWER}
        if viewer_role in roles:
            Membership.objects.create(project=project, user=viewer, role=roles[viewer_role])

        expected = {}
        for index, case in enumerate(span_cases):
            span = Span.objects.create(
                project=project,
                article=article,
                start=index,
                end=index + 3,
                quote="xxx",
                orphaned=case["orphaned"],
                created_by=editor,
            )
            Verdict.objects.bulk_create(
                Verdict(
                    span=span,
                    reviewer=reviewers[slot],
                    status=status,
                    label=label,
                    submitted_at=NOW if status == "submitted" else None,
                )
                for slot, (status, label) in (
                    (slot, given) for slot, given in enumerate(case["verdicts"]) if given
                )
            )
            if case["adjudicated"]:
                Adjudication.objects.create(span=span, editor=editor, label=LABELS[0])

            written = [given for given in case["verdicts"] if given]
            own = case["verdicts"][0]
            viewer_submitted = viewer_role == "reviewer" and own and own[0] == "submitted"
            facts = SpanFacts(
                submitted_labels=[label for status, label in written if status == "submitted"],
                verdict_count=len(written),
                reviews_per_claim=k,
                adjudicated=case["adjudicated"],
                blind_for_viewer=blind and viewer_role == "reviewer" and not viewer_submitted,
            )
            expected[span.pk] = span_status_of(facts)

        annotated = selectors.with_status(Span.objects.filter(project=project), viewer=viewer)
        assert dict(annotated.values_list("pk", "status")) == expected
        transaction.set_rollback(True)


def test_pure_rule_first_match_wins():
    facts = {"verdict_count": 3, "reviews_per_claim": 2}
    assert span_status_of(SpanFacts(["True", "False"], adjudicated=True, **facts)) == "adjudicated"
    hidden = SpanFacts(["True", "False"], adjudicated=False, blind_for_viewer=True, **facts)
    assert span_status_of(hidden) == SpanStatus.IN_REVIEW
    assert span_status_of(SpanFacts(["True", "False"], adjudicated=False, **facts)) == "contested"
    assert span_status_of(SpanFacts(["True", "True"], adjudicated=False, **facts)) == "agreed"
    assert span_status_of(SpanFacts(["True"], adjudicated=False, **facts)) == "in_review"
    empty = SpanFacts([], verdict_count=0, reviews_per_claim=1, adjudicated=False)
    assert span_status_of(empty) == SpanStatus.OPEN


def test_status_label_reads_the_choice_labels():
    assert status_label("in_review") == SpanStatus.IN_REVIEW.label == "in review"
    assert status_label("something else") == "something else"
