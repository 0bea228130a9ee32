"""Discussion and decisions: comment_post, adjudicate, next_span_for_review (SQLite semantics)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annotate.models import Adjudication, Assignment, Comment, Span, Verdict
from annotate.projects import services as project_services
from annotate.review import services
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

SOURCES = [services.SourceInput(url="https://example.org/readout", stance="supports")]


def _submit(span, reviewer, label="True") -> Verdict:
    version = (
        Verdict.objects.filter(span=span, reviewer=reviewer)
        .values_list("version", flat=True)
        .first()
    )
    return services.verdict_submit(
        span=span, reviewer=reviewer, expected_version=version or 0, label=label, sources=SOURCES
    )


def _draft(span, reviewer, label="") -> Verdict:
    return services.verdict_save_draft(
        span=span, reviewer=reviewer, expected_version=0, label=label
    )


# comment_post


@pytest.mark.parametrize("who", ["reviewer", "editor"])
def test_comment_post_member_may(span, request, who):
    author = request.getfixturevalue(who)

    comment = services.comment_post(span=span, author=author, body="  Which summit?  ")

    stored = Comment.objects.get()
    assert stored == comment
    assert (stored.span, stored.author, stored.body, stored.parent) == (
        span,
        author,
        "Which summit?",
        None,
    )


def test_comment_post_reply_on_same_span(span, reviewer, editor):
    question = services.comment_post(span=span, author=reviewer, body="Which summit?")

    reply = services.comment_post(span=span, author=editor, body="The Geneva one.", parent=question)

    assert Comment.objects.get(pk=reply.pk).parent == question
    assert list(question.replies.all()) == [reply]


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_comment_post_non_writer_refused(span, viewer, who):
    author = viewer if who == "viewer" else UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        services.comment_post(span=span, author=author, body="Looks wrong to me.")

    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_comment_post_blank_refused(span, reviewer, body):
    with pytest.raises(ValidationError) as error:
        services.comment_post(span=span, author=reviewer, body=body)

    assert "body" in error.value.message_dict
    assert not Comment.objects.exists()


def test_comment_post_too_long_refused(span, reviewer):
    with pytest.raises(ValidationError) as error:
        services.comment_post(span=span, author=reviewer, body="x" * 10_001)

    assert "body" in error.value.message_dict
    assert not Comment.objects.exists()


def test_comment_post_reply_to_another_span_refused(project, span, reviewer):
    other_span = SpanFactory(project=project)
    elsewhere = services.comment_post(span=other_span, author=reviewer, body="On the other claim.")

    with pytest.raises(ValidationError) as error:
        services.comment_post(span=span, author=reviewer, body="Reply", parent=elsewhere)

    assert "parent" in error.value.message_dict
    assert list(Comment.objects.all()) == [elsewhere]


# adjudicate


def test_adjudicate_editor_records_label(span, editor, reviewers):
    first = _submit(span, reviewers[0], "True")
    second = _submit(span, reviewers[1], "False")

    adjudication = services.adjudicate(
        span=span, editor=editor, label="Half True", rationale="  Both partly right. "
    )

    stored = Adjudication.objects.get()
    assert stored == adjudication
    assert (stored.span, stored.editor, stored.label) == (span, editor, "Half True")
    assert stored.rationale == "Both partly right."
    assert set(stored.considered_verdicts.all()) == {first, second}
    assert stored.history.latest().history_user == editor


def test_adjudicate_considers_submitted_verdicts_by_default(span, editor, reviewers):
    submitted = _submit(span, reviewers[0], "True")
    _draft(span, reviewers[1], "False")
    withdrawn = _submit(span, reviewers[2], "False")
    services.verdict_withdraw(verdict=withdrawn, actor=reviewers[2], expected_version=1)

    adjudication = services.adjudicate(span=span, editor=editor, label="True")

    assert list(adjudication.considered_verdicts.all()) == [submitted]


def test_adjudicate_without_verdicts_considers_none(span, editor):
    adjudication = services.adjudicate(span=span, editor=editor, label="False")

    assert Adjudication.objects.get() == adjudication
    assert not adjudication.considered_verdicts.exists()


def test_adjudicate_explicit_considered_subset(span, editor, reviewers):
    first = _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")

    adjudication = services.adjudicate(
        span=span, editor=editor, label="True", considered_verdicts=[first]
    )

    assert list(Adjudication.objects.get(pk=adjudication.pk).considered_verdicts.all()) == [first]


def test_adjudicate_revision_keeps_history(span, editor, reviewers):
    _submit(span, reviewers[0], "True")
    _submit(span, reviewers[1], "False")
    first = services.adjudicate(span=span, editor=editor, label="True")
    count_after_first = first.history.count()

    revised = services.adjudicate(span=span, editor=editor, label="Mostly False")

    assert revised.pk == first.pk
    assert Adjudication.objects.get().label == "Mostly False"
    assert revised.history.count() > count_after_first
    labels = list(revised.history.order_by("history_date").values_list("label", flat=True))
    assert "True" in labels
    assert labels[-1] == "Mostly False"


def test_adjudicate_revision_by_another_editor_records_them(project, span, editor):
    second_editor = UserFactory()
    project_services.membership_set_role(
        project=project, actor=editor, user=second_editor, role="editor"
    )
    services.adjudicate(span=span, editor=editor, label="True")

    services.adjudicate(span=span, editor=second_editor, label="False")

    stored = Adjudication.objects.get()
    assert (stored.editor, stored.label) == (second_editor, "False")
    assert stored.history.latest().history_user == second_editor


def test_adjudicate_draft_verdict_considered_refused(span, editor, reviewers):
    submitted = _submit(span, reviewers[0], "True")
    draft = _draft(span, reviewers[1], "False")

    with pytest.raises(ValidationError) as error:
        services.adjudicate(
            span=span, editor=editor, label="True", considered_verdicts=[submitted, draft]
        )

    assert "considered_verdicts" in error.value.message_dict
    assert not Adjudication.objects.exists()


def test_adjudicate_verdict_of_another_span_considered_refused(project, span, editor, reviewer):
    elsewhere = _submit(SpanFactory(project=project), reviewer, "True")

    with pytest.raises(ValidationError) as error:
        services.adjudicate(span=span, editor=editor, label="True", considered_verdicts=[elsewhere])

    assert "considered_verdicts" in error.value.message_dict
    assert not Adjudication.objects.exists()


def test_adjudicate_label_outside_scale_refused(span, editor):
    with pytest.raises(ValidationError) as error:
        services.adjudicate(span=span, editor=editor, label="REFUTES")

    assert "label" in error.value.message_dict
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "viewer", "stranger"])
def test_adjudicate_non_editor_refused(span, request, who):
    actor = UserFactory(is_staff=True) if who == "stranger" else request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.adjudicate(span=span, editor=actor, label="True")

    assert not Adjudication.objects.exists()


# next_span_for_review


def test_next_span_for_review_assigns_a_span(span, reviewer):
    handed = services.next_span_for_review(project=span.project, reviewer=reviewer)

    assert handed == span
    assert list(Assignment.objects.values_list("span", "reviewer")) == [(span.pk, reviewer.pk)]


def test_next_span_for_review_hands_unfinished_assignment_again(project, reviewer):
    SpanFactory.create_batch(3, project=project)
    first = services.next_span_for_review(project=project, reviewer=reviewer)

    again = services.next_span_for_review(project=project, reviewer=reviewer)

    assert again == first
    assert Assignment.objects.filter(reviewer=reviewer).count() == 1


def test_next_span_for_review_draft_is_still_unfinished(project, reviewer):
    SpanFactory.create_batch(2, project=project)
    first = services.next_span_for_review(project=project, reviewer=reviewer)
    _draft(first, reviewer, "False")

    assert services.next_span_for_review(project=project, reviewer=reviewer) == first
    assert Assignment.objects.filter(reviewer=reviewer).count() == 1


def test_next_span_for_review_oldest_unfinished_first(project, reviewer):
    spans = SpanFactory.create_batch(3, project=project)
    _draft(spans[2], reviewer)
    _draft(spans[0], reviewer)
    # Pin the order: two inserts may share a timestamp on a coarse clock.
    earlier = timezone.now() - datetime.timedelta(hours=1)
    Assignment.objects.filter(span=spans[2]).update(created_at=earlier)

    assert services.next_span_for_review(project=project, reviewer=reviewer) == spans[2]


def test_next_span_for_review_moves_on_after_submitting(project, reviewer):
    spans = SpanFactory.create_batch(2, project=project)
    first = services.next_span_for_review(project=project, reviewer=reviewer)
    _submit(first, reviewer)

    following = services.next_span_for_review(project=project, reviewer=reviewer)

    assert following != first
    assert following in spans
    assert Assignment.objects.filter(reviewer=reviewer).count() == 2


def test_next_span_for_review_never_a_span_the_reviewer_submitted_on(project, reviewer):
    span = SpanFactory(project=project)
    _submit(span, reviewer)

    assert services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert Assignment.objects.filter(reviewer=reviewer).count() == 1


def test_next_span_for_review_withdrawn_verdict_is_unfinished_again(project, reviewer):
    span = SpanFactory(project=project)
    verdict = _submit(span, reviewer)
    services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    assert services.next_span_for_review(project=project, reviewer=reviewer) == span


def test_next_span_for_review_at_most_k_assignments_per_span(project, reviewers):
    span = SpanFactory(project=project)
    assert project.reviews_per_claim == 2

    handed = [services.next_span_for_review(project=project, reviewer=r) for r in reviewers]

    assert handed == [span, span, None]
    assert Assignment.objects.filter(span=span).count() == 2
    assert not Assignment.objects.filter(reviewer=reviewers[2]).exists()


def test_direct_verdict_beyond_the_cap_gets_a_slot_but_the_queue_hands_out_no_more(
    project, span, reviewers
):
    services.next_span_for_review(project=project, reviewer=reviewers[0])
    services.next_span_for_review(project=project, reviewer=reviewers[1])

    _draft(span, reviewers[2], "False")

    assert Assignment.objects.filter(span=span).count() == project.reviews_per_claim + 1
    fourth = UserFactory()
    project_services.membership_set_role(
        project=project,
        actor=project.memberships.get(role="editor").user,
        user=fourth,
        role="reviewer",
    )
    assert services.next_span_for_review(project=project, reviewer=fourth) is None


def test_next_span_for_review_third_reviewer_gets_another_span(project, reviewers):
    spans = SpanFactory.create_batch(2, project=project)

    handed = [services.next_span_for_review(project=project, reviewer=r) for r in reviewers]

    assert handed[0] == handed[1]
    assert handed[2] in spans and handed[2] != handed[0]
    assert sorted(Assignment.objects.values_list("span", flat=True)) == sorted(
        [handed[0].pk, handed[0].pk, handed[2].pk]
    )


def test_next_span_for_review_hands_out_in_reading_order(project, reviewers):
    article = ArticleFactory(body="First claim here. Second claim here. Third claim here.")
    project.articles.add(article)
    spans = [
        SpanFactory(project=project, article=article, text=f"{word} claim")
        for word in ("Third", "First", "Second")
    ]
    _draft(spans[0], reviewers[0])

    handed = services.next_span_for_review(project=project, reviewer=reviewers[1])

    assert handed == spans[1]  # "First claim": earliest in the text, whatever was made first


def test_next_span_for_review_none_when_all_slots_taken(project, reviewers):
    spans = SpanFactory.create_batch(2, project=project)
    for span in spans:
        _draft(span, reviewers[0])
        _draft(span, reviewers[1])

    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) is None
    assert Assignment.objects.count() == 4


def test_next_span_for_review_none_without_spans(project, reviewer):
    assert services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert not Assignment.objects.exists()


def test_next_span_for_review_skips_adjudicated_and_orphaned(project, editor, reviewer):
    adjudicated = SpanFactory(project=project)
    services.adjudicate(span=adjudicated, editor=editor, label="True")
    SpanFactory(project=project, orphaned=True)
    open_span = SpanFactory(project=project)

    assert services.next_span_for_review(project=project, reviewer=reviewer) == open_span
    _submit(open_span, reviewer)

    assert services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert list(Assignment.objects.values_list("span", flat=True)) == [open_span.pk]


def test_next_span_for_review_unfinished_on_adjudicated_span_not_handed_again(
    project, editor, reviewer
):
    spans = SpanFactory.create_batch(2, project=project)
    first = services.next_span_for_review(project=project, reviewer=reviewer)
    services.adjudicate(span=first, editor=editor, label="False")

    following = services.next_span_for_review(project=project, reviewer=reviewer)

    assert following != first
    assert following in spans


def test_next_span_for_review_ignores_other_projects(project, reviewer):
    SpanFactory(project=ProjectFactory(reviewers=[reviewer]))

    assert services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert not Assignment.objects.exists()


def test_next_span_for_review_editor_may_review(span, editor):
    assert services.next_span_for_review(project=span.project, reviewer=editor) == span


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_next_span_for_review_non_writer_refused(span, viewer, who):
    actor = viewer if who == "viewer" else UserFactory()

    with pytest.raises(PermissionDenied):
        services.next_span_for_review(project=span.project, reviewer=actor)

    assert not Assignment.objects.exists()
    assert Span.objects.count() == 1
