"""spans_assign and spans_reopen, the claims table's bulk actions, as services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.models import Adjudication, Assignment, Span
from annotate.review import services
from tests.factories import SpanFactory, VerdictFactory

pytestmark = pytest.mark.django_db


def test_assign_adds_slots_beyond_k_and_closes_the_queue(project, editor, reviewers, span):
    for who in reviewers:
        added = services.spans_assign(project=project, actor=editor, spans=[span], reviewer=who)
        assert added == 1
    assert Assignment.objects.filter(span=span).count() == 3  # k is 2: an editor may exceed it
    span.refresh_from_db()
    assert not span.queue_open
    # Twice is once.
    again = services.spans_assign(
        project=project, actor=editor, spans=[span], reviewer=reviewers[0]
    )
    assert again == 0


def test_assign_skips_other_projects_and_orphaned_claims(project, editor, reviewer, make_project):
    foreign = SpanFactory(project=make_project())
    orphaned = SpanFactory(project=project, orphaned=True)
    added = services.spans_assign(
        project=project, actor=editor, spans=[foreign, orphaned], reviewer=reviewer
    )
    assert added == 0 and not Assignment.objects.exists()


def test_assign_needs_an_editor_and_a_reviewing_member(project, editor, reviewer, viewer, span):
    with pytest.raises(PermissionDenied):
        services.spans_assign(project=project, actor=reviewer, spans=[span], reviewer=reviewer)
    with pytest.raises(ValidationError) as refused:
        services.spans_assign(project=project, actor=editor, spans=[span], reviewer=viewer)
    assert "reviewer" in refused.value.message_dict


def test_reopen_undoes_the_adjudication_with_history(project, editor, reviewers, span):
    VerdictFactory(span=span, reviewer=reviewers[0], label="True")
    services.adjudicate(
        span=span, editor=editor, label="True", rationale="", considered_verdicts=[]
    )
    assert services.spans_reopen(project=project, actor=editor, spans=[span]) == 1
    assert not Adjudication.objects.filter(span=span).exists()
    assert Span.objects.get(pk=span.pk).queue_open
    deleted = Adjudication.history.filter(span_id=span.pk, history_type="-").get()
    assert deleted.history_user == editor


def test_reopen_needs_an_editor(project, reviewer, span):
    with pytest.raises(PermissionDenied):
        services.spans_reopen(project=project, actor=reviewer, spans=[span])
