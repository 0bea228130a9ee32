"""The span status rule: its SQL form (with_status) and its pure form (span_status_of) agree, and
the services keep the stored copy (Span.review_status) equal to them."""

import dataclasses
import datetime
import io
import json
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.models import Adjudication, Membership, Span, Verdict
from annotate.projects import services as project_services
from annotate.review import selectors, services
from annotate.review.status import SpanFacts, SpanStatus, span_status_of, span_status_seen
from annotate.templatetags.review import status_label
from tests.datasets.exports import export
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

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


# The stored status (Span.review_status) under random sequences of service calls -----------

SPANS = 2
operations = st.one_of(
    st.tuples(
        st.just("submit"),
        st.integers(0, SPANS - 1),
        st.integers(0, REVIEWERS - 1),
        st.sampled_from(LABELS),
    ),
    st.tuples(
        st.just("draft"),
        st.integers(0, SPANS - 1),
        st.integers(0, REVIEWERS - 1),
        st.sampled_from(("", *LABELS)),
    ),
    st.tuples(st.just("withdraw"), st.integers(0, SPANS - 1), st.integers(0, REVIEWERS - 1)),
    st.tuples(st.just("adjudicate"), st.integers(0, SPANS - 1), st.sampled_from(LABELS)),
    st.tuples(st.just("undo adjudication"), st.integers(0, SPANS - 1)),
    st.tuples(st.just("reopen"), st.integers(0, SPANS - 1)),
    st.tuples(st.just("k"), st.integers(min_value=1, max_value=4)),
)


def _apply(operation, *, project, spans, reviewers, editor) -> None:
    """One service call; a refusal (a rule of the service) changes nothing, as at any door."""
    name, *args = operation
    if name == "k":
        project.reviews_per_claim = args[0]
        project_services.project_save(project=project, actor=editor, changed=["reviews_per_claim"])
        return
    span = Span.objects.select_related("project").get(pk=spans[args[0]].pk)
    verdict = None
    if name in {"submit", "draft", "withdraw"}:
        verdict = Verdict.objects.filter(span=span, reviewer=reviewers[args[1]]).first()
    version = verdict.version if verdict else 0
    try:
        if name == "submit":
            services.verdict_submit(
                span=span, reviewer=reviewers[args[1]], expected_version=version, label=args[2]
            )
        elif name == "draft":
            services.verdict_save_draft(
                span=span, reviewer=reviewers[args[1]], expected_version=version, label=args[2]
            )
        elif name == "withdraw" and verdict is not None:
            services.verdict_withdraw(
                verdict=verdict, actor=reviewers[args[1]], expected_version=version
            )
        elif name == "adjudicate":
            services.adjudicate(span=span, editor=editor, label=args[1])
        elif name == "undo adjudication":
            adjudication = Adjudication.objects.filter(span=span).first()
            if adjudication is not None:
                services.adjudication_delete(adjudication=adjudication, actor=editor)
        elif name == "reopen":
            services.spans_reopen(project=project, actor=editor, spans=[span])
    except ValidationError:
        pass


def _facts(span: Span, k: int) -> SpanFacts:
    verdicts = list(span.verdicts.all())
    return SpanFacts(
        submitted_labels=[v.label for v in verdicts if v.status == Verdict.Status.SUBMITTED],
        verdict_count=len(verdicts),
        reviews_per_claim=k,
        adjudicated=Adjudication.objects.filter(span=span).exists(),
    )


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=12), k=st.integers(1, 3))
def test_services_keep_the_stored_status_equal_to_the_rule(steps, k):
    with transaction.atomic():  # each example starts from an empty database
        reviewers = UserFactory.create_batch(REVIEWERS)
        editor = UserFactory()
        article = ArticleFactory(body="Alpha said one. Beta said two.")
        project = ProjectFactory(
            reviews_per_claim=k,
            sources_required=False,
            editors=[editor],
            reviewers=reviewers,
            articles=[article],
        )
        spans = [
            SpanFactory(project=project, article=article, text=text)
            for text in ("Alpha said one.", "Beta said two.")
        ]
        for step in steps:
            _apply(step, project=project, spans=spans, reviewers=reviewers, editor=editor)
            project.refresh_from_db()
            stored = dict(Span.objects.filter(project=project).values_list("pk", "review_status"))
            computed = selectors.with_status(Span.objects.filter(project=project))
            assert stored == dict(computed.values_list("pk", "status")), step
            for span in Span.objects.filter(project=project).prefetch_related("verdicts"):
                assert stored[span.pk] == span_status_of(_facts(span, project.reviews_per_claim))
        transaction.set_rollback(True)


span_facts = st.builds(
    SpanFacts,
    submitted_labels=st.lists(st.sampled_from(LABELS), max_size=REVIEWERS),
    verdict_count=st.integers(0, 2 * REVIEWERS),
    reviews_per_claim=st.integers(min_value=1, max_value=4),  # k >= 1: a constraint
    adjudicated=st.booleans(),
).filter(lambda facts: facts.verdict_count >= len(facts.submitted_labels))


@given(facts=span_facts, blind=st.booleans())
def test_hiding_the_stored_status_gives_what_the_rule_gives_a_blind_viewer(facts, blind):
    """What the claims table does for a blind reviewer (span_status_seen over the stored status)
    equals the rule applied with the viewer's blindness."""
    plain = span_status_of(facts)
    seen = span_status_of(dataclasses.replace(facts, blind_for_viewer=blind))
    assert span_status_seen(plain, blind_for_viewer=blind) == seen


def test_a_restore_stores_the_status_of_its_spans(known, tmp_path):
    """Dataset imports write rows in bulk (COPY on PostgreSQL), through the restore service:
    it stores each span's status too."""
    path = tmp_path / "known.jsonl"
    path.write_bytes(export(known.project, "native", include_drafts=True).encode())
    known.project.delete()
    call_command(
        "import_dataset", str(path), "--project", "again", "--format", "native",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    spans = Span.objects.filter(project__slug="again")
    stored = dict(spans.values_list("pk", "review_status"))
    assert stored == dict(selectors.with_status(spans).values_list("pk", "status"))
    assert {SpanStatus.ADJUDICATED, SpanStatus.IN_REVIEW} <= set(stored.values())


def test_the_migration_stores_the_status_of_existing_spans(reviewers, editor):
    """0010's data migration gives spans that predate the column the rule's status."""
    store_statuses = import_module("annotate.migrations.0010_span_review_status").store_statuses
    project = ProjectFactory(reviews_per_claim=2, editors=[editor], reviewers=reviewers)
    agreed, contested, adjudicated, untouched = SpanFactory.create_batch(4, project=project)
    for span, labels in ((agreed, "TT"), (contested, "TF"), (adjudicated, "T")):
        for reviewer, label in zip(reviewers, labels, strict=False):
            VerdictFactory(span=span, reviewer=reviewer, label={"T": "True", "F": "False"}[label])
    Adjudication.objects.create(span=adjudicated, editor=editor, label="True")
    Span.objects.filter(project=project).update(review_status=SpanStatus.OPEN)  # as before 0010

    store_statuses(django_apps, None)

    stored = dict(Span.objects.filter(project=project).values_list("pk", "review_status"))
    assert stored == {
        agreed.pk: "agreed",
        contested.pk: "contested",
        adjudicated.pk: "adjudicated",
        untouched.pk: "open",
    }


@pytest.mark.django_db
def test_an_import_onto_stored_spans_refreshes_their_status(tmp_path):
    """A second reviewer's file judges spans an earlier import stored: their status follows."""
    editor = UserFactory()
    reviewers = [UserFactory(username="ana"), UserFactory(username="ben")]
    project = ProjectFactory(
        slug="two-files", reviews_per_claim=2, editors=[editor], reviewers=reviewers
    )
    text = "The minister said prices fell. Officials said wages rose."
    claims = [(0, 29), (31, 56)]

    def import_as(reviewer: str, labels: list[str]) -> None:
        spans = [[start, end, label] for (start, end), label in zip(claims, labels, strict=True)]
        line = {"text": text, "label": spans}
        path = tmp_path / f"{reviewer}.jsonl"
        path.write_text(json.dumps(line) + "\n", encoding="utf-8")
        call_command(
            "import_dataset", str(path), "--project", project.slug, "--format", "doccano",
            "--offset-unit", "codepoints", "--reviewer", reviewer,
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip

    import_as("ana", ["True", "True"])
    spans = Span.objects.filter(project=project).order_by("start")
    assert list(spans.values_list("review_status", flat=True)) == ["in_review", "in_review"]
    import_as("ben", ["True", "False"])
    assert list(spans.values_list("review_status", flat=True)) == ["agreed", "contested"]
    stored = dict(spans.values_list("pk", "review_status"))
    assert stored == dict(selectors.with_status(spans).values_list("pk", "status"))
