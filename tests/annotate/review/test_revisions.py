"""Revising an article's body: article_body_revise re-anchors, moves or orphans its spans."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.errors import RevisionConflict
from annotate.models import Span
from annotate.projects import services as project_services
from annotate.review import services
from corpus.models import Article
from corpus.text import content_hash
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

BODY = (
    "The envoy said talks went well. Critics disagreed sharply with that account.\n\n"
    "The ministry declined to comment on Friday."
)
pytestmark = [pytest.mark.django_db, pytest.mark.article(body=BODY)]


def _span(project, article, actor, quote) -> Span:
    return services.span_create(project=project, article=article, actor=actor, quote=quote)


def _revise(article, body, actor, **fields) -> services.RevisionReport:
    return services.article_body_revise(article=article, body=body, actor=actor, **fields)


def test_article_body_revise_insertion_before_span_moves_it(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "Critics disagreed sharply")
    new_body = "Correction appended on 9 May. " + BODY

    report = _revise(article, new_body, editor)

    assert report == services.RevisionReport(moved=1)
    span.refresh_from_db()
    start = new_body.index("Critics disagreed sharply")
    assert (span.start, span.end) == (start, start + len("Critics disagreed sharply"))
    assert span.quote == "Critics disagreed sharply"
    assert (span.orphaned, span.anchor_errors) == (False, 0)
    assert span.prefix == new_body[start - 32 : start]
    stored = Article.objects.get(pk=article.pk)
    assert stored.body == new_body
    assert stored.content_hash == content_hash(new_body)


def test_article_body_revise_edit_after_span_keeps_it(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "talks went well")
    before = (span.start, span.end)

    report = _revise(article, BODY.replace("on Friday", "on Saturday"), editor)

    assert report == services.RevisionReport(kept=1)
    span.refresh_from_db()
    assert (span.start, span.end, span.quote) == (*before, "talks went well")
    assert span.suffix.startswith(". Critics")


def test_article_body_revise_edit_inside_span_is_fuzzy(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "Critics disagreed sharply with that account")
    new_body = BODY.replace("disagreed sharply", "disagreed very sharply")

    report = _revise(article, new_body, editor)

    assert report == services.RevisionReport(fuzzy=1)
    span.refresh_from_db()
    assert span.anchor_errors > 0
    assert span.orphaned is False
    assert span.quote == new_body[span.start : span.end]
    assert "very sharply" in span.quote
    assert span.quote.startswith("Critics") and span.quote.endswith("account")


def test_article_body_revise_deleted_passage_orphans_span(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "The ministry declined to comment on Friday.")
    old = (span.start, span.end, span.quote)
    new_body = "The envoy said talks went well. Critics disagreed sharply with that account."

    report = _revise(article, new_body, editor)

    assert report == services.RevisionReport(orphaned=1)
    span.refresh_from_db()
    assert span.orphaned is True
    assert (span.start, span.end, span.quote) == old
    assert Article.objects.get(pk=article.pk).body == new_body


def test_article_body_revise_counts_every_outcome(project, article, editor, reviewer):
    _span(project, article, reviewer, "The envoy said")
    _span(project, article, reviewer, "Critics disagreed sharply with that account")
    _span(project, article, reviewer, "declined to comment on Friday")
    new_body = (
        "The envoy said talks went well. Critics disagreed very sharply with that account.\n\n"
        "A spokesperson was unavailable."
    )

    report = _revise(article, new_body, editor)

    assert report == services.RevisionReport(kept=1, fuzzy=1, orphaned=1)
    assert Span.objects.filter(orphaned=True).count() == 1


def test_article_body_revise_unchanged_text_is_a_no_op(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "talks went well")
    span_history = span.history.count()
    article_history = article.history.count()
    # Canonicalisation folds CRLF, trailing spaces and extra blank lines back to the same body.
    same_text = BODY.replace("\n\n", "  \r\n\r\n\r\n") + "\n"

    report = _revise(article, same_text, editor)

    assert report == services.RevisionReport(kept=1)
    assert Article.objects.get(pk=article.pk).body == BODY
    assert span.history.count() == span_history
    assert article.history.count() == article_history


def test_article_body_revise_stores_canonical_body(project, article, editor):
    report = _revise(article, "Cafe\u0301 talks went well.\r\n\r\n\r\nThe end.  ", editor)

    assert report == services.RevisionReport()
    assert Article.objects.get(pk=article.pk).body == "Café talks went well.\n\nThe end."


def test_article_body_revise_updates_raw_text_when_given(project, article, editor):
    _revise(article, BODY + " Updated.", editor, raw_text="<p>raw</p>")

    assert Article.objects.get(pk=article.pk).raw_text == "<p>raw</p>"


def test_article_body_revise_duplicate_of_another_article_refused(
    project, article, editor, reviewer
):
    other = ArticleFactory()
    span = _span(project, article, reviewer, "talks went well")

    with pytest.raises(ValidationError) as error:
        _revise(article, other.body, editor)

    assert "body" in error.value.message_dict
    assert Article.objects.get(pk=article.pk).body == BODY
    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end, stored.orphaned) == (span.start, span.end, False)


@pytest.mark.parametrize("body", ["", " \n\n \r\n"])
def test_article_body_revise_empty_body_refused(project, article, editor, body):
    with pytest.raises(ValidationError) as error:
        _revise(article, body, editor)

    assert "body" in error.value.message_dict
    assert Article.objects.get(pk=article.pk).body == BODY


@pytest.mark.parametrize("who", ["reviewer", "viewer", "editor-elsewhere", "staff-stranger"])
def test_article_body_revise_non_editor_refused(project, article, reviewer, who):
    if who == "reviewer":
        actor = reviewer
    elif who == "viewer":
        actor = UserFactory()
        project_services.membership_set_role(
            project=project,
            actor=UserFactory(is_superuser=True),
            user=actor,
            role="viewer",
        )
    elif who == "editor-elsewhere":
        actor = UserFactory()
        ProjectFactory(editors=[actor])
    else:
        actor = UserFactory(is_staff=True)
    span = _span(project, article, reviewer, "talks went well")

    with pytest.raises(PermissionDenied):
        _revise(article, "Correction. " + BODY, actor)

    assert Article.objects.get(pk=article.pk).body == BODY
    assert Span.objects.get(pk=span.pk).start == span.start


def test_article_body_revise_superuser_may(project, article, reviewer):
    span = _span(project, article, reviewer, "talks went well")

    report = _revise(article, "Correction. " + BODY, UserFactory(is_superuser=True))

    assert report.moved == 1
    assert Span.objects.get(pk=span.pk).start == span.start + len("Correction. ")


def test_article_body_revise_history_records_actor(project, article, editor, reviewer):
    span = _span(project, article, reviewer, "Critics disagreed sharply")

    _revise(article, "Correction. " + BODY, editor)

    latest = span.history.latest()
    assert latest.history_user == editor
    assert latest.start == span.start + len("Correction. ")
    assert span.history.earliest().start == span.start
    article_record = article.history.latest()
    assert (article_record.history_user, article_record.body) == (editor, "Correction. " + BODY)


def test_article_body_revise_reanchors_spans_of_every_project_the_actor_edits(
    project, article, editor
):
    other_reviewer = UserFactory()
    other = ProjectFactory(editors=[editor], reviewers=[other_reviewer], articles=[article])
    span = _span(other, article, other_reviewer, "talks went well")

    report = _revise(article, "Correction. " + BODY, editor)

    assert report.moved == 1
    assert Span.objects.get(pk=span.pk).start == span.start + len("Correction. ")


def test_article_body_revise_moving_spans_of_a_project_not_edited_is_refused(
    project, article, editor
):
    other_reviewer = UserFactory()
    other = ProjectFactory(reviewers=[other_reviewer], articles=[article])
    span = _span(other, article, other_reviewer, "talks went well")

    with pytest.raises(RevisionConflict) as error:
        _revise(article, "Correction. " + BODY, editor)

    assert error.value.http_status == 409
    assert "another project" in error.value.http_detail
    assert other.name not in error.value.http_detail
    assert Article.objects.get(pk=article.pk).body == BODY
    assert Span.objects.get(pk=span.pk).start == span.start


def test_article_body_revise_sparing_other_projects_spans_is_allowed(project, article, editor):
    other_reviewer = UserFactory()
    other = ProjectFactory(reviewers=[other_reviewer], articles=[article])
    span = _span(other, article, other_reviewer, "talks went well")

    # An edit after the other project's span keeps it where it is.
    report = _revise(article, BODY + " Updated.", editor)

    assert report.kept == 1
    assert Span.objects.get(pk=span.pk).start == span.start


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_article_body_revise_staff_may_move_any_projects_spans(article, flags):
    actor = UserFactory(**flags)
    ProjectFactory(editors=[actor], articles=[article])
    other_reviewer = UserFactory()
    other = ProjectFactory(reviewers=[other_reviewer], articles=[article])
    span = _span(other, article, other_reviewer, "talks went well")

    report = _revise(article, "Correction. " + BODY, actor)

    assert report.moved == 1
    assert Span.objects.get(pk=span.pk).start == span.start + len("Correction. ")


def test_article_body_revise_offsets_stay_code_points(editor, reviewer):
    article = ArticleFactory(body="東京都: talks went well.")
    project = ProjectFactory(editors=[editor], reviewers=[reviewer], articles=[article])
    span = _span(project, article, reviewer, "talks went well")
    new_body = "🇺🇦 👋 東京都: talks went well."

    _revise(article, new_body, editor)

    span.refresh_from_db()
    assert (span.start, span.end) == (new_body.index("talks"), new_body.index("talks") + 15)
    assert new_body[span.start : span.end] == span.quote == "talks went well"


def test_article_body_revise_spans_converging_on_one_passage_orphans_the_fuzzy_one(
    editor, reviewer
):
    article = ArticleFactory(body="Leaders met. Talks went well today")
    project = ProjectFactory(editors=[editor], reviewers=[reviewer], articles=[article])
    exact = _span(project, article, reviewer, "went well")
    fuzzy = _span(project, article, reviewer, "went well today")

    report = _revise(article, "Leaders met. Talks went well", editor)

    assert report == services.RevisionReport(kept=1, orphaned=1)
    exact.refresh_from_db()
    assert (exact.start, exact.end, exact.orphaned) == (19, 28, False)
    stored = Span.objects.get(pk=fuzzy.pk)
    assert stored.orphaned is True
    assert (stored.start, stored.end, stored.quote) == (fuzzy.start, fuzzy.end, "went well today")
    assert Article.objects.get(pk=article.pk).body == "Leaders met. Talks went well"


def test_article_body_revise_spans_swapping_places_do_not_collide(project, article, editor):
    first = _span(project, article, editor, "talks went well")
    second = _span(project, article, editor, "The ministry declined to comment on Friday.")
    new_body = (
        "The ministry declined to comment on Friday.\n\n"
        "The envoy said talks went well. Critics disagreed sharply with that account."
    )

    report = _revise(article, new_body, editor)

    assert report == services.RevisionReport(moved=2)
    for span in (first, second):
        stored = Span.objects.get(pk=span.pk)
        assert new_body[stored.start : stored.end] == span.quote
        assert stored.orphaned is False
