"""The review queue's open-span flag (Span.queue_open): closed when a span has its k slots, is
adjudicated or orphaned; reopened by whatever gives slots back (through the admin and the
revision service); a stale flag never hands out a span beyond k."""

import json

import pytest
from django.urls import reverse

from annotate.models import Assignment, Span
from annotate.review import services
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db

SOURCES = [services.SourceInput(url="https://example.org/readout", stance="supports")]


def _open(*spans) -> list[bool]:
    return [Span.objects.get(pk=span.pk).queue_open for span in spans]


def _judge(span, reviewer) -> None:
    services.verdict_submit(
        span=span, reviewer=reviewer, expected_version=0, label="True", sources=SOURCES
    )


def test_span_closes_when_its_last_slot_is_taken(project, reviewers):
    first, second = SpanFactory.create_batch(2, project=project)

    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) == first
    assert _open(first, second) == [True, True]
    assert services.next_span_for_review(project=project, reviewer=reviewers[1]) == first
    assert _open(first, second) == [False, True]
    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) == second


def test_span_filled_by_direct_verdicts_is_closed_by_the_queue(project, reviewers):
    first, second = SpanFactory.create_batch(2, project=project)
    _judge(first, reviewers[0])
    _judge(first, reviewers[1])
    assert _open(first) == [True]  # direct verdicts leave the flag to the queue

    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) == second
    assert _open(first, second) == [False, True]
    assert Assignment.objects.filter(span=first).count() == 2


def test_adjudication_closes_the_span(project, editor, reviewers):
    first, second = SpanFactory.create_batch(2, project=project)
    services.adjudicate(span=first, editor=editor, label="False")

    assert _open(first, second) == [False, True]
    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) == second


def test_queue_refresh_follows_the_facts(project, editor, reviewers):
    full, adjudicated, orphaned, half = SpanFactory.create_batch(4, project=project)
    for reviewer in reviewers[:2]:
        Assignment.objects.create(span=full, reviewer=reviewer)
    Assignment.objects.create(span=half, reviewer=reviewers[0])
    services.adjudicate(span=adjudicated, editor=editor, label="False")
    Span.objects.filter(pk=orphaned.pk).update(orphaned=True)
    Span.objects.update(queue_open=True)

    assert services.queue_refresh(project=project) == 1
    assert _open(full, adjudicated, orphaned, half) == [False, False, False, True]

    project.reviews_per_claim = 3
    project.save()
    assert services.queue_refresh(project=project, span_ids=[full.pk]) == 1
    assert _open(full, half) == [True, True]


def test_revision_closes_orphaned_spans_and_reopens_found_ones(editor, reviewers):
    article = ArticleFactory(body="Talks went well.\n\nThe ministry declined to comment.")
    project = ProjectFactory(editors=[editor], reviewers=reviewers, articles=[article])
    span = services.span_create(
        project=project, article=article, actor=editor, quote="Talks went well."
    )

    services.article_body_revise(article=article, body="The ministry declined.", actor=editor)
    assert _open(span) == [False]
    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) is None

    services.article_body_revise(
        article=article, body="Talks went well. The ministry declined.", actor=editor
    )
    assert _open(span) == [True]
    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) == span


def test_admin_deleting_an_assignment_reopens_the_span(admin_client, project, reviewers):
    span = SpanFactory(project=project)
    for reviewer in reviewers[:2]:
        services.next_span_for_review(project=project, reviewer=reviewer)
    assert _open(span) == [False]
    assignment = Assignment.objects.filter(span=span).first()

    url = reverse("admin:annotate_assignment_delete", args=[assignment.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302

    assert _open(span) == [True]
    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) == span


def test_admin_bulk_deleting_adjudications_reopens_their_spans(admin_client, project, editor):
    spans = SpanFactory.create_batch(2, project=project)
    for span in spans:
        services.adjudicate(span=span, editor=editor, label="False")
    assert _open(*spans) == [False, False]

    response = admin_client.post(
        reverse("admin:annotate_adjudication_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [span.adjudication.pk for span in spans],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert _open(*spans) == [True, True]


def test_admin_raising_reviews_per_claim_reopens_full_spans(admin_client, project, reviewers):
    span = SpanFactory(project=project)
    for reviewer in reviewers[:2]:
        services.next_span_for_review(project=project, reviewer=reviewer)
    assert _open(span) == [False]

    form = {
        "name": project.name,
        "slug": project.slug,
        "description": project.description,
        "scale_preset": project.scale_preset,
        "scale": json.dumps(project.scale),
        "scale_is_ordinal": "on",
        "reviews_per_claim": "3",
        "blind_review": "on",
        "sources_required": "on",
        "fever_mapping": json.dumps(project.fever_mapping),
        "match_suggest_threshold": str(project.match_suggest_threshold),
        "match_autolink_threshold": str(project.match_autolink_threshold),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    url = reverse("admin:annotate_project_change", args=[project.pk])
    response = admin_client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _open(span) == [True]
    project.refresh_from_db()
    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) == span
