"""Highlighting claims: span_create, span_update (boundaries) and span_delete."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.models import Adjudication, Comment, Source, Span, Verdict
from annotate.quality import agreement_invalidate
from annotate.review import services
from annotate.review.anchoring import quote_context
from corpus.text import splits_grapheme
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

BODY = (
    "The envoy said talks went well. Critics said talks went nowhere.\n\n"
    "The ministry declined to comment."
)
pytestmark = [pytest.mark.django_db, pytest.mark.article(body=BODY)]
SOURCES = [services.SourceInput(url="https://example.org/transcript")]


def _create(project, article, actor, **selectors) -> Span:
    return services.span_create(project=project, article=article, actor=actor, **selectors)


# span_create: by offsets


def test_span_create_by_offsets_stores_quote_and_context(project, article, reviewer):
    start = BODY.index("talks went well")

    span = _create(project, article, reviewer, start=start, end=start + 15)

    stored = Span.objects.get()
    assert stored == span
    assert (stored.start, stored.end, stored.quote) == (start, start + 15, "talks went well")
    assert stored.prefix == "The envoy said "
    assert stored.suffix == BODY[start + 15 : start + 15 + 32]
    assert (stored.project, stored.article, stored.created_by) == (project, article, reviewer)
    assert (stored.orphaned, stored.anchor_errors) == (False, 0)


def test_span_create_by_offsets_with_matching_quote(project, article, reviewer):
    start = BODY.index("The ministry")

    span = _create(project, article, reviewer, start=start, end=len(BODY), quote=BODY[start:])

    assert Span.objects.get().quote == span.quote == "The ministry declined to comment."


def test_span_create_strips_claimant_and_note(project, article, editor):
    span = _create(project, article, editor, quote="talks went well", claimant="  The envoy ")

    assert Span.objects.get(pk=span.pk).claimant == "The envoy"


def test_span_create_records_history_with_actor(project, article, reviewer):
    span = _create(project, article, reviewer, quote="talks went well")

    (record,) = span.history.all()
    assert (record.history_type, record.history_user) == ("+", reviewer)


# span_create: by quote


def test_span_create_by_quote_first_occurrence(project, article, reviewer):
    span = _create(project, article, reviewer, quote="talks went")

    assert (span.start, span.end) == (15, 25)
    assert Span.objects.filter(start=15, end=25, quote="talks went").exists()


def test_span_create_by_quote_second_occurrence(project, article, reviewer):
    second = BODY.index("talks went", BODY.index("talks went") + 1)

    span = _create(project, article, reviewer, quote="talks went", occurrence=2)

    assert (span.start, span.end) == (second, second + len("talks went"))
    assert Span.objects.get().start == second
    assert span.prefix.endswith("Critics said ")


def test_span_create_quote_not_in_body_refused(project, article, reviewer):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, quote="talks collapsed")

    assert "quote" in error.value.message_dict
    assert not Span.objects.exists()


def test_span_create_occurrence_beyond_count_refused(project, article, reviewer):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, quote="talks went", occurrence=3)

    assert "quote" in error.value.message_dict
    assert not Span.objects.exists()


def test_span_create_occurrence_zero_refused(project, article, reviewer):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, quote="talks went", occurrence=0)

    assert "occurrence" in error.value.message_dict
    assert not Span.objects.exists()


def test_span_create_without_offsets_or_quote_refused(project, article, reviewer):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, start=4)

    assert "quote" in error.value.message_dict
    assert not Span.objects.exists()


# span_create: refusals


@pytest.mark.parametrize(
    ("start", "end", "keys"),
    [
        (-1, 5, {"start"}),
        (0, len(BODY) + 1, {"end"}),
        (len(BODY) + 1, len(BODY) + 5, {"start", "end"}),
        (10, 10, {"end"}),
        (10, 4, {"end"}),
    ],
    ids=["negative-start", "end-past-body", "both-past-body", "empty", "end-before-start"],
)
def test_span_create_offsets_outside_body_refused(project, article, reviewer, start, end, keys):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, start=start, end=end)

    assert set(error.value.message_dict) == keys
    assert not Span.objects.exists()


def test_span_create_span_to_body_end_accepted(project, article, reviewer):
    span = _create(project, article, reviewer, start=len(BODY) - 8, end=len(BODY))

    assert Span.objects.get(pk=span.pk).quote == "comment."


def test_span_create_quote_not_matching_offsets_refused(project, article, reviewer):
    start = BODY.index("talks went well")

    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, start=start, end=start + 15, quote="talks went nowhere")

    assert "quote" in error.value.message_dict
    assert not Span.objects.exists()


@pytest.mark.parametrize(
    "selectors",
    [{"quote": "\n\n"}, {"start": 9, "end": 10}],
    ids=["paragraph-break-by-quote", "space-by-offsets"],
)
def test_span_create_whitespace_only_quote_refused(project, article, reviewer, selectors):
    with pytest.raises(ValidationError) as error:
        _create(project, article, reviewer, **selectors)

    assert "quote" in error.value.message_dict
    assert not Span.objects.exists()


def test_span_create_duplicate_refused(project, article, reviewer, other_reviewer):
    first = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(ValidationError) as error:
        _create(project, article, other_reviewer, start=first.start, end=first.end)

    assert "start" in error.value.message_dict
    assert list(Span.objects.all()) == [first]


def test_span_create_on_passage_of_orphaned_span_allowed(project, article, reviewer):
    orphaned = SpanFactory(project=project, article=article, text="talks went well", orphaned=True)

    span = _create(project, article, reviewer, quote="talks went well")

    assert (span.start, span.end) == (orphaned.start, orphaned.end)
    assert Span.objects.filter(start=span.start, end=span.end).count() == 2


def test_span_create_overlapping_passage_allowed(project, article, reviewer):
    _create(project, article, reviewer, quote="talks went well")

    _create(project, article, reviewer, quote="talks went")

    assert Span.objects.count() == 2


def test_span_create_same_passage_in_another_project_allowed(project, article, reviewer):
    other = ProjectFactory(reviewers=[reviewer], articles=[article])
    _create(project, article, reviewer, quote="talks went well")

    span = _create(other, article, reviewer, quote="talks went well")

    assert Span.objects.filter(start=span.start, end=span.end).count() == 2


def test_span_create_article_not_in_project_refused(project, reviewer):
    outside = ArticleFactory(body="Another text: talks went well.")

    with pytest.raises(ValidationError) as error:
        _create(project, outside, reviewer, quote="talks went well")

    assert "article" in error.value.message_dict
    assert not Span.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "stranger", "staff-stranger"])
def test_span_create_non_writer_refused(project, article, viewer, who):
    actor = {
        "viewer": viewer,
        "stranger": UserFactory(),
        "staff-stranger": UserFactory(is_staff=True, is_superuser=True),
    }[who]

    with pytest.raises(PermissionDenied):
        _create(project, article, actor, quote="talks went well")

    assert not Span.objects.exists()


# span_create: offsets are code points


def test_span_create_offsets_count_emoji_as_one_code_point(reviewer):
    article = ArticleFactory(body="Hi 👋 Envoy said talks went well.")
    project = ProjectFactory(reviewers=[reviewer], articles=[article])

    span = _create(project, article, reviewer, quote="talks went well")

    assert (span.start, span.end) == (16, 31)
    assert Span.objects.filter(start=16, end=31, quote="talks went well").exists()


@pytest.mark.parametrize("quote", ["東京都", "🇺🇦", "café", "talks went well", "Kyiv 🇺🇦 café"])
def test_span_create_offsets_are_python_indices_with_cjk_flag_and_accent(reviewer, quote):
    # Precomposed é: bodies are canonical NFC, so the decomposed e + U+0301 never reaches a span.
    body = "東京都 says: Kyiv 🇺🇦 café owners report talks went well."
    article = ArticleFactory(body=body)
    project = ProjectFactory(reviewers=[reviewer], articles=[article])

    span = _create(project, article, reviewer, quote=quote)

    stored = Span.objects.get()
    assert (stored.start, stored.end) == (body.index(quote), body.index(quote) + len(quote))
    assert stored.quote == body[stored.start : stored.end] == quote == span.quote


def test_span_create_by_offsets_after_flag_uses_code_points(reviewer):
    body = "🇺🇦 Kyiv: talks went well."
    article = ArticleFactory(body=body)
    project = ProjectFactory(reviewers=[reviewer], articles=[article])

    # The flag is two code points (regional indicators), so "Kyiv" starts at 3, not 2 or 5.
    span = _create(project, article, reviewer, start=3, end=7, quote="Kyiv")

    assert Span.objects.get(pk=span.pk).prefix == "🇺🇦 "


# span_delete


def test_span_delete_creator_may_without_submitted_verdict(project, article, reviewer, editor):
    span = _create(project, article, reviewer, quote="talks went well")
    services.verdict_save_draft(span=span, reviewer=editor, expected_version=0, label="True")

    span_id = span.pk

    services.span_delete(span=span, actor=reviewer)

    assert not Span.objects.exists()
    assert not Verdict.objects.exists()
    deletion = Span.history.filter(id=span_id).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", reviewer)


def test_span_delete_creator_refused_after_submitted_verdict(
    project, article, reviewer, other_reviewer
):
    span = _create(project, article, reviewer, quote="talks went well")
    services.verdict_submit(
        span=span, reviewer=other_reviewer, expected_version=0, label="True", sources=SOURCES
    )

    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, actor=reviewer)

    assert Span.objects.filter(pk=span.pk).exists()
    assert Verdict.objects.filter(span=span).count() == 1


def test_span_delete_creator_refused_after_own_submitted_verdict(project, article, reviewer):
    span = _create(project, article, reviewer, quote="talks went well")
    services.verdict_submit(
        span=span, reviewer=reviewer, expected_version=0, label="True", sources=SOURCES
    )

    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, actor=reviewer)

    assert Span.objects.filter(pk=span.pk).exists()


def test_span_delete_editor_always_may(project, article, reviewer, other_reviewer, editor):
    span = _create(project, article, reviewer, quote="talks went well")
    verdict = services.verdict_submit(
        span=span, reviewer=other_reviewer, expected_version=0, label="True", sources=SOURCES
    )
    services.comment_post(span=span, author=reviewer, body="Which talks?")
    services.adjudicate(span=span, editor=editor, label="True")
    span_id = span.pk

    services.span_delete(span=span, actor=editor)

    assert not Span.objects.exists()
    assert not Verdict.objects.filter(pk=verdict.pk).exists()
    assert not Source.objects.exists()
    assert not Comment.objects.exists()
    assert not Adjudication.objects.exists()
    deletion = Span.history.filter(id=span_id).latest()
    assert (deletion.history_type, deletion.history_user) == ("-", editor)


def test_span_delete_another_reviewer_refused(project, article, reviewer, other_reviewer):
    span = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, actor=other_reviewer)

    assert Span.objects.filter(pk=span.pk).exists()


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_span_delete_non_writer_refused(project, article, reviewer, viewer, who):
    span = _create(project, article, reviewer, quote="talks went well")
    actor = viewer if who == "viewer" else UserFactory()

    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, actor=actor)

    assert Span.objects.filter(pk=span.pk).exists()


def test_span_delete_leaves_other_spans_alone(project, reviewer):
    span = SpanFactory(project=project, created_by=reviewer)
    kept = SpanFactory(project=project, created_by=reviewer)
    SourceFactory(verdict=VerdictFactory(span=kept))

    services.span_delete(span=span, actor=reviewer)

    assert list(Span.objects.all()) == [kept]
    assert Verdict.objects.filter(span=kept).count() == 1


# span_update: boundaries


def test_span_update_creator_moves_bounds_without_submitted_verdict(
    project, article, reviewer, editor
):
    span = _create(project, article, reviewer, quote="talks went well")
    services.verdict_save_draft(span=span, reviewer=editor, expected_version=0, label="True")
    start = BODY.index("said talks went well")

    services.span_update(span=span, actor=reviewer, start=start, end=start + 25)

    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end) == (start, start + 25)
    assert stored.quote == BODY[start : start + 25] == "said talks went well. Cri"
    assert stored.prefix == BODY[max(0, start - 32) : start]
    assert stored.suffix == BODY[start + 25 : start + 25 + 32]
    change = stored.history.first()
    assert (change.history_type, change.history_user, change.quote) == (
        "~",
        reviewer,
        stored.quote,
    )


def test_span_update_bounds_refresh_the_agreement_figures(
    project, article, reviewer, django_capture_on_commit_callbacks
):
    span = _create(project, article, reviewer, quote="talks went well")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.span_update(span=span, actor=reviewer, start=0)

    assert any(getattr(c, "func", None) is agreement_invalidate for c in callbacks)


def test_span_update_moves_only_the_end_in_code_points(project, reviewer, emoji_article):
    body = emoji_article.body
    quote = body[:5]
    span = _create(project, emoji_article, reviewer, start=0, end=5)
    assert span.quote == quote

    services.span_update(span=span, actor=reviewer, end=len(body))

    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end, stored.quote) == (0, len(body), body)


@pytest.mark.parametrize("who", ["author", "editor"])
def test_span_update_bounds_refused_after_a_submitted_verdict(
    project, article, reviewer, other_reviewer, editor, who
):
    span = _create(project, article, reviewer, quote="talks went well")
    services.verdict_submit(
        span=span, reviewer=other_reviewer, expected_version=0, label="True", sources=SOURCES
    )
    actor = reviewer if who == "author" else editor

    with pytest.raises(PermissionDenied, match=r"submitted verdict|creator"):
        services.span_update(span=span, actor=actor, end=span.end + 1)

    assert Span.objects.get(pk=span.pk).quote == "talks went well"


@pytest.mark.parametrize("who", ["other_reviewer", "editor", "viewer"])
def test_span_update_bounds_refused_for_someone_elses_claim(
    project, article, reviewer, request, who
):
    span = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(PermissionDenied):
        services.span_update(span=span, actor=request.getfixturevalue(who), start=0)

    assert Span.objects.get(pk=span.pk).start == BODY.index("talks went well")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 5, "end"), (0, len(BODY) + 1, "end"), (-1, 3, "start"), (31, 32, "quote")],
)
def test_span_update_bounds_checked_like_span_create(project, article, reviewer, start, end, field):
    span = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(ValidationError) as error:
        services.span_update(span=span, actor=reviewer, start=start, end=end)

    assert field in error.value.message_dict
    assert Span.objects.get(pk=span.pk).quote == "talks went well"


def test_span_update_bounds_refuses_a_duplicate(project, article, reviewer):
    _create(project, article, reviewer, quote="The envoy said")
    span = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(ValidationError, match="already highlighted"):
        services.span_update(span=span, actor=reviewer, start=0, end=len("The envoy said"))


def test_span_update_claimant_still_needs_a_moderator(project, article, reviewer):
    span = _create(project, article, reviewer, quote="talks went well")

    with pytest.raises(PermissionDenied):
        services.span_update(span=span, actor=reviewer, claimant="Someone")


# Emoji (1 code point, 2 UTF-16 units), a flag (2 code points), a combining accent, a blank line.
MIXED_BODY = "Breaking 👋🇺🇦: the minister said cafe\u0301 prices fell.\n\nOfficials disagree. 😀"


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.integers(min_value=-2, max_value=len(MIXED_BODY) + 2),
    end=st.integers(min_value=-2, max_value=len(MIXED_BODY) + 2),
)
def test_span_update_bounds_store_the_body_at_code_points_or_nothing(reviewer, start, end):
    with transaction.atomic():
        article = ArticleFactory(body=MIXED_BODY)
        project = ProjectFactory(reviewers=[reviewer], articles=[article])
        span = _create(project, article, reviewer, quote="minister")
        try:
            services.span_update(span=span, actor=reviewer, start=start, end=end)
        except ValidationError:
            stored = Span.objects.get(pk=span.pk)
            assert (stored.start, stored.end, stored.quote) == (span.start, span.end, "minister")
            assert not (
                0 <= start < end <= len(MIXED_BODY)
                and MIXED_BODY[start:end].strip()
                and not splits_grapheme(MIXED_BODY, start)
                and not splits_grapheme(MIXED_BODY, end)
            )
        else:
            stored = Span.objects.get(pk=span.pk)
            assert (stored.start, stored.end) == (start, end)
            assert not (splits_grapheme(MIXED_BODY, start) or splits_grapheme(MIXED_BODY, end))
            assert stored.quote == MIXED_BODY[start:end]
            assert (stored.prefix, stored.suffix) == quote_context(MIXED_BODY, start, end)
        transaction.set_rollback(True)  # each example starts from an empty database
