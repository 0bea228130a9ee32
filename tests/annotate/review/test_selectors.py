"""Reads: derived span status, blind review, reviewer queues and progress, query counts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotate.models import Project, Span, Verdict
from annotate.projects import selectors as project_selectors
from annotate.review import selectors, services
from annotate.review.selectors import SpanStatus
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db

SOURCES = [services.SourceInput(url="https://example.org/readout", stance="supports")]


def _current_version(span, reviewer) -> int:
    version = (
        Verdict.objects.filter(span=span, reviewer=reviewer)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def _submit(span, reviewer, label="True") -> Verdict:
    return services.verdict_submit(
        span=span,
        reviewer=reviewer,
        expected_version=_current_version(span, reviewer),
        label=label,
        sources=SOURCES,
    )


def _draft(span, reviewer, label="") -> Verdict:
    return services.verdict_save_draft(
        span=span, reviewer=reviewer, expected_version=_current_version(span, reviewer), label=label
    )


def _statuses(project, user, **filters) -> dict[int, str]:
    spans = selectors.project_spans(project=project, user=user, **filters)
    return {span.pk: span.status for span in spans}


def _spans_in_every_status(project, editor, reviewers) -> dict[str, Span]:
    """One span per derived status, reached through the services."""
    spans = {status: SpanFactory(project=project) for status in SpanStatus.ALL}
    spans["in_review_draft"] = SpanFactory(project=project)
    _draft(spans["in_review_draft"], reviewers[0], "False")
    _submit(spans[SpanStatus.IN_REVIEW], reviewers[0], "True")
    _submit(spans[SpanStatus.CONTESTED], reviewers[0], "True")
    _submit(spans[SpanStatus.CONTESTED], reviewers[1], "False")
    _submit(spans[SpanStatus.AGREED], reviewers[0], "Half True")
    _submit(spans[SpanStatus.AGREED], reviewers[1], "Half True")
    _submit(spans[SpanStatus.ADJUDICATED], reviewers[0], "True")
    _submit(spans[SpanStatus.ADJUDICATED], reviewers[1], "False")
    services.adjudicate(span=spans[SpanStatus.ADJUDICATED], editor=editor, label="False")
    return spans


# derived status


def test_with_status_open_without_verdicts(span):
    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.OPEN
    assert (annotated.verdict_count, annotated.submitted_count) == (0, 0)


def test_with_status_in_review_with_a_draft(span, reviewer):
    _draft(span, reviewer, "False")

    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.IN_REVIEW
    assert (annotated.verdict_count, annotated.submitted_count) == (1, 0)


def test_with_status_in_review_with_one_submitted(span, reviewer):
    _submit(span, reviewer, "True")

    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.IN_REVIEW
    assert (annotated.verdict_count, annotated.submitted_count) == (1, 1)


def test_with_status_contested_with_two_different_labels(span, reviewers):
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")

    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.CONTESTED
    assert annotated.submitted_label_count == 2


def test_with_status_agreed_with_k_same_labels(span, reviewers):
    _submit(span, reviewers[0], "Mostly True")
    _submit(span, reviewers[1], "Mostly True")

    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.AGREED
    assert (annotated.submitted_count, annotated.submitted_label_count) == (2, 1)


def test_with_status_agreed_needs_k_submitted(reviewers):
    project = ProjectFactory(reviewers=reviewers, reviews_per_claim=3)
    span = SpanFactory(project=project)
    _submit(span, reviewers[0], "False")
    _submit(span, reviewers[1], "False")
    _draft(span, reviewers[2], "False")

    assert selectors.with_status(Span.objects.filter(pk=span.pk)).get().status == "in_review"

    _submit(span, reviewers[2], "False")

    assert selectors.with_status(Span.objects.filter(pk=span.pk)).get().status == "agreed"


def test_with_status_adjudicated_wins(span, editor, reviewers):
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")
    services.adjudicate(span=span, editor=editor, label="Half True")

    assert selectors.with_status(Span.objects.filter(pk=span.pk)).get().status == "adjudicated"


def test_with_status_withdrawn_verdict_no_longer_counts(span, reviewers):
    _submit(span, reviewers[0], "True")
    verdict = _submit(span, reviewers[1], "False")
    services.verdict_withdraw(verdict=verdict, actor=reviewers[1], expected_version=1)

    annotated = selectors.with_status(Span.objects.filter(pk=span.pk)).get()

    assert annotated.status == SpanStatus.IN_REVIEW
    assert (annotated.verdict_count, annotated.submitted_count) == (2, 1)


def test_project_spans_derives_every_status(project, editor, reviewers):
    spans = _spans_in_every_status(project, editor, reviewers)

    statuses = _statuses(project, editor)

    assert statuses == {
        spans["in_review_draft"].pk: SpanStatus.IN_REVIEW,
        **{span.pk: status for status, span in spans.items() if status in SpanStatus.ALL},
    }


@pytest.mark.parametrize("status", SpanStatus.ALL)
def test_project_spans_status_filter(project, editor, reviewers, status):
    spans = _spans_in_every_status(project, editor, reviewers)
    expected = {spans[status].pk}
    if status == SpanStatus.IN_REVIEW:
        expected.add(spans["in_review_draft"].pk)

    filtered = selectors.project_spans(project=project, user=editor, status=status)

    assert {span.pk for span in filtered} == expected
    assert {span.status for span in filtered} == {status}


# project_spans: visibility and filters


def test_project_spans_orphaned_only_for_editors(project, editor, reviewer, viewer):
    kept = SpanFactory(project=project)
    orphaned = SpanFactory(project=project, orphaned=True)

    assert set(_statuses(project, editor)) == {kept.pk, orphaned.pk}
    assert set(_statuses(project, editor, orphaned=True)) == {orphaned.pk}
    assert set(_statuses(project, editor, orphaned=False)) == {kept.pk}
    assert set(_statuses(project, reviewer)) == {kept.pk}
    assert set(_statuses(project, viewer)) == {kept.pk}
    # The orphaned filter is an editor's tool: for others it cannot reveal orphaned spans.
    assert orphaned.pk not in _statuses(project, reviewer, orphaned=True)


def test_project_spans_non_member_sees_nothing(span):
    assert not selectors.project_spans(project=span.project, user=UserFactory(is_staff=True))
    assert not selectors.project_spans(project=span.project, user=AnonymousUser())


def test_project_spans_only_this_project(project, editor, span):
    SpanFactory(project=ProjectFactory(editors=[editor]))

    assert list(selectors.project_spans(project=project, user=editor)) == [span]


def test_project_spans_ordered_by_article_then_offsets(project, editor):
    article = ArticleFactory(body="One claim. Two claims. Three claims.")
    later = SpanFactory(project=project, article=article, text="Three claims.")
    earlier = SpanFactory(project=project, article=article, text="Two claims.")
    first = SpanFactory(project=project, article=article, text="One claim.")

    spans = list(selectors.project_spans(project=project, user=editor))

    assert spans == [first, earlier, later]


def test_project_spans_article_filter(project, editor):
    wanted = SpanFactory(project=project)
    SpanFactory(project=project)

    spans = selectors.project_spans(project=project, user=editor, article_id=wanted.article_id)

    assert list(spans) == [wanted]


def test_project_spans_label_filter_matches_submitted_and_adjudicated(project, editor, reviewers):
    submitted = SpanFactory(project=project)
    _submit(submitted, reviewers[0], "Pants on Fire")
    _submit(submitted, reviewers[1], "Pants on Fire")
    drafted = SpanFactory(project=project)
    _draft(drafted, reviewers[0], "Pants on Fire")
    adjudicated = SpanFactory(project=project)
    services.adjudicate(span=adjudicated, editor=editor, label="Pants on Fire")
    SpanFactory(project=project)

    spans = list(selectors.project_spans(project=project, user=editor, label="Pants on Fire"))

    assert sorted(span.pk for span in spans) == sorted([submitted.pk, adjudicated.pk])


def test_project_spans_reviewer_filter_matches_submitted(project, editor, reviewers):
    submitted = SpanFactory(project=project)
    _submit(submitted, reviewers[0], "True")
    drafted = SpanFactory(project=project)
    _draft(drafted, reviewers[0], "True")
    _submit(drafted, reviewers[1], "True")

    spans = selectors.project_spans(project=project, user=editor, reviewer_id=reviewers[0].pk)

    assert [span.pk for span in spans] == [submitted.pk]


def test_project_spans_label_filter_keeps_true_status(project, editor, reviewers):
    span = SpanFactory(project=project)
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")

    (filtered,) = selectors.project_spans(project=project, user=editor, label="True")

    assert filtered.status == SpanStatus.CONTESTED
    assert filtered.submitted_count == 2


def test_project_spans_reviewer_filter_keeps_true_status(project, editor, reviewers):
    span = SpanFactory(project=project)
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")

    contested = selectors.project_spans(
        project=project, user=editor, reviewer_id=reviewers[0].pk, status=SpanStatus.CONTESTED
    )

    assert [found.pk for found in contested] == [span.pk]


# span_for_user: blind review


def _visible(user, span) -> set[tuple[int, str]]:
    found = selectors.span_for_user(user=user, pk=span.pk)
    return {(verdict.reviewer_id, verdict.status) for verdict in found.visible_verdicts}


def test_span_for_user_reviewer_sees_only_own_before_submitting(span, reviewers):
    _submit(span, reviewers[1], "True")
    _draft(span, reviewers[0], "False")

    assert _visible(reviewers[0], span) == {(reviewers[0].pk, "draft")}


def test_span_for_user_reviewer_without_verdict_sees_none(span, reviewers):
    _submit(span, reviewers[1], "True")

    assert _visible(reviewers[0], span) == set()


def test_span_for_user_reviewer_sees_others_submitted_after_submitting(span, reviewers):
    _submit(span, reviewers[1], "True")
    _draft(span, reviewers[2], "False")
    _submit(span, reviewers[0], "False")

    assert _visible(reviewers[0], span) == {
        (reviewers[0].pk, "submitted"),
        (reviewers[1].pk, "submitted"),
    }


def test_span_for_user_reviewer_blind_again_after_withdrawing(span, reviewers):
    _submit(span, reviewers[1], "True")
    verdict = _submit(span, reviewers[0], "False")
    services.verdict_withdraw(verdict=verdict, actor=reviewers[0], expected_version=1)

    assert _visible(reviewers[0], span) == {(reviewers[0].pk, "draft")}


def test_span_for_user_submitting_elsewhere_does_not_unblind(project, span, reviewers):
    _submit(span, reviewers[1], "True")
    _submit(SpanFactory(project=project), reviewers[0], "True")

    assert _visible(reviewers[0], span) == set()


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_span_for_user_editor_and_viewer_see_all_submitted(span, reviewers, request, who):
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")
    _draft(span, reviewers[2], "True")

    assert _visible(request.getfixturevalue(who), span) == {
        (reviewers[0].pk, "submitted"),
        (reviewers[1].pk, "submitted"),
    }


def test_span_for_user_without_blind_review_shows_all_submitted(reviewers):
    project = ProjectFactory(reviewers=reviewers, blind_review=False)
    span = SpanFactory(project=project)
    _submit(span, reviewers[1], "True")
    _draft(span, reviewers[2], "False")

    assert _visible(reviewers[0], span) == {(reviewers[1].pk, "submitted")}


def test_span_for_user_non_member_gets_does_not_exist(span, reviewer):
    _submit(span, reviewer, "True")

    with pytest.raises(Span.DoesNotExist):
        selectors.span_for_user(user=UserFactory(is_staff=True, is_superuser=True), pk=span.pk)
    with pytest.raises(Span.DoesNotExist):
        selectors.span_for_user(user=AnonymousUser(), pk=span.pk)


def test_span_for_user_orphaned_hidden_from_reviewers_visible_to_editors(
    project, editor, reviewer, viewer
):
    orphaned = SpanFactory(project=project, orphaned=True)

    for user in (reviewer, viewer):
        with pytest.raises(Span.DoesNotExist):
            selectors.span_for_user(user=user, pk=orphaned.pk)
    assert selectors.span_for_user(user=editor, pk=orphaned.pk) == orphaned


def test_span_for_user_adjudication_does_not_unblind_reviewer(span, editor, reviewers):
    services.next_span_for_review(project=span.project, reviewer=reviewers[2])
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")
    services.adjudicate(span=span, editor=editor, label="True")

    found = selectors.span_for_user(user=reviewers[2], pk=span.pk)

    visible = {verdict.pk for verdict in found.visible_verdicts}
    assert visible == set()
    assert {verdict.pk for verdict in found.adjudication.considered_verdicts.all()} <= visible


def test_span_for_user_carries_status_sources_comments_and_adjudication(span, editor, reviewers):
    _submit(span, reviewers[0], "True")
    verdict = _submit(span, reviewers[1], "False")
    services.source_add(
        verdict=verdict, actor=reviewers[1], source=services.SourceInput(url="https://b.example")
    )
    services.comment_post(span=span, author=reviewers[0], body="Disagree.")
    services.adjudicate(span=span, editor=editor, label="Half True")

    found = selectors.span_for_user(user=editor, pk=span.pk)

    assert found.status == SpanStatus.ADJUDICATED
    by_reviewer = {v.reviewer_id: v for v in found.visible_verdicts}
    assert [s.url for s in by_reviewer[reviewers[1].pk].sources.all()] == [
        "https://example.org/readout",
        "https://b.example",
    ]
    assert [comment.body for comment in found.comments.all()] == ["Disagree."]
    assert found.adjudication.label == "Half True"
    assert found.adjudication.considered_verdicts.count() == 2


# projects_for_user


def test_projects_for_user_lists_memberships_with_role(editor, reviewer):
    editing = ProjectFactory(name="A desk", editors=[editor], reviewers=[reviewer])
    reviewing = ProjectFactory(name="B desk", reviewers=[editor])
    ProjectFactory(name="C desk", reviewers=[reviewer])

    projects = list(project_selectors.projects_for_user(user=editor))

    assert [(p.pk, p.role) for p in projects] == [
        (editing.pk, "editor"),
        (reviewing.pk, "reviewer"),
    ]


def test_projects_for_user_anonymous_gets_none(project):
    assert not project_selectors.projects_for_user(user=AnonymousUser())


def test_project_for_user_hides_other_projects(project, editor):
    assert project_selectors.project_for_user(user=editor, pk=project.pk) == project
    with pytest.raises(Project.DoesNotExist):
        project_selectors.project_for_user(user=UserFactory(), pk=project.pk)


# reviewer_queue, reviewer_progress, contested_spans


def _reviewer_work(project, reviewers) -> list[Span]:
    """Reviewer 0: one span submitted, one handed out untouched, one drafted; others elsewhere."""
    spans = SpanFactory.create_batch(4, project=project)
    submitted = services.next_span_for_review(project=project, reviewer=reviewers[0])
    _submit(submitted, reviewers[0], "True")
    untouched = services.next_span_for_review(project=project, reviewer=reviewers[0])
    drafted = next(span for span in spans if span not in (submitted, untouched))
    _draft(drafted, reviewers[0], "False")
    _submit(spans[3], reviewers[1], "True")
    return [submitted, untouched, drafted]


def test_reviewer_queue_lists_unfinished_assignments_oldest_first(project, reviewers):
    submitted, untouched, drafted = _reviewer_work(project, reviewers)

    queue = list(selectors.reviewer_queue(project=project, reviewer=reviewers[0]))

    assert queue == [untouched, drafted]
    assert submitted not in queue


def test_reviewer_queue_skips_orphaned_and_other_projects(project, reviewers):
    _, untouched, drafted = _reviewer_work(project, reviewers)
    Span.objects.filter(pk=drafted.pk).update(orphaned=True)
    elsewhere = SpanFactory(project=ProjectFactory(reviewers=[reviewers[0]]))
    _draft(elsewhere, reviewers[0])

    assert list(selectors.reviewer_queue(project=project, reviewer=reviewers[0])) == [untouched]


def test_reviewer_queue_empty_for_other_reviewer(project, reviewers):
    _reviewer_work(project, reviewers)

    assert list(selectors.reviewer_queue(project=project, reviewer=reviewers[2])) == []


def test_reviewer_queue_skips_adjudicated_spans(project, editor, reviewers):
    _, untouched, drafted = _reviewer_work(project, reviewers)
    services.adjudicate(span=drafted, editor=editor, label="False")

    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) == untouched
    assert list(selectors.reviewer_queue(project=project, reviewer=reviewers[0])) == [untouched]


def test_reviewer_progress_figures(project, reviewers):
    _reviewer_work(project, reviewers)

    progress = selectors.reviewer_progress(project=project, reviewer=reviewers[0])

    assert progress == {"assigned": 3, "submitted": 1, "drafts": 1, "remaining": 2}
    assert selectors.reviewer_progress(project=project, reviewer=reviewers[1]) == {
        "assigned": 1,
        "submitted": 1,
        "drafts": 0,
        "remaining": 0,
    }


def test_reviewer_progress_new_reviewer_is_all_zero(project, reviewers):
    assert selectors.reviewer_progress(project=project, reviewer=reviewers[2]) == {
        "assigned": 0,
        "submitted": 0,
        "drafts": 0,
        "remaining": 0,
    }


def test_contested_spans_for_editors(project, editor, reviewers):
    spans = _spans_in_every_status(project, editor, reviewers)

    contested = list(selectors.contested_spans(project=project, user=editor))

    assert contested == [spans[SpanStatus.CONTESTED]]
    assert contested[0].status == SpanStatus.CONTESTED


@pytest.mark.parametrize("who", ["reviewer", "viewer", "stranger"])
def test_contested_spans_empty_for_non_editors(project, editor, reviewers, request, who):
    _spans_in_every_status(project, editor, reviewers)
    user = UserFactory() if who == "stranger" else request.getfixturevalue(who)

    assert list(selectors.contested_spans(project=project, user=user)) == []


# query counts


def _query_count(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def _read_project_spans(project, user) -> None:
    for span in selectors.project_spans(project=project, user=user):
        _ = (span.status, span.article_id, span.created_by.username, str(span))


def _project_with_spans(editor, n: int) -> Project:
    project = ProjectFactory(editors=[editor])
    for span in SpanFactory.create_batch(n, project=project):
        SourceFactory(verdict=VerdictFactory(span=span))
        VerdictFactory(span=span, draft=True)
    return project


def test_project_spans_queries_stay_flat(editor):
    small = _project_with_spans(editor, 3)
    large = _project_with_spans(editor, 30)

    small_count = _query_count(lambda: _read_project_spans(small, editor))
    large_count = _query_count(lambda: _read_project_spans(large, editor))

    assert small_count == large_count
    assert large_count <= 2  # the role, then one query for spans, users and counts


@pytest.mark.parametrize("n", [3, 30])
def test_project_spans_queries_bounded(editor, n, django_assert_max_num_queries):
    project = _project_with_spans(editor, n)

    with django_assert_max_num_queries(2):
        spans = list(selectors.project_spans(project=project, user=editor))
        _ = [(span.status, span.article_id, span.created_by.username) for span in spans]

    assert len(spans) == n


def _read_span(user, span) -> None:
    found = selectors.span_for_user(user=user, pk=span.pk)
    for verdict in found.visible_verdicts:
        _ = (verdict.label, verdict.reviewer.username, [s.url for s in verdict.sources.all()])
    _ = [(comment.body, comment.author.username) for comment in found.comments.all()]
    _ = (found.status, found.article.title, found.project.name, found.created_by.username)
    _ = (found.adjudication.editor.username, list(found.adjudication.considered_verdicts.all()))


def _span_with_verdicts(project, editor, n: int, reviewer) -> Span:
    span = SpanFactory(project=project)
    for _ in range(n):
        verdict = VerdictFactory(span=span)
        SourceFactory.create_batch(2, verdict=verdict)
    _submit(span, reviewer, "True")  # before adjudication, which closes the span's verdicts
    services.comment_post(span=span, author=editor, body="Sources checked.")
    services.adjudicate(span=span, editor=editor, label="True")
    return span


@pytest.mark.parametrize("who", ["editor", "reviewer"])
def test_span_for_user_queries_stay_flat(project, editor, reviewer, request, who):
    one = _span_with_verdicts(project, editor, 1, reviewer)
    ten = _span_with_verdicts(project, editor, 10, reviewer)
    user = request.getfixturevalue(who)

    one_count = _query_count(lambda: _read_span(user, one))
    ten_count = _query_count(lambda: _read_span(user, ten))

    assert one_count == ten_count
    # Span and project, role, the annotated span, then verdicts, sources, comments, and the
    # considered verdicts with their sources (same blind-review queryset).
    assert ten_count <= 8
    assert len(selectors.span_for_user(user=user, pk=ten.pk).visible_verdicts) == 11
