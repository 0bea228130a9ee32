"""Races that only a real server shows: PostgreSQL row locks and unique constraints."""

import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from annotate.errors import InvitationRefused, VersionConflict
from annotate.models import Assignment, Span
from annotate.projects import services as project_services
from annotate.review import services
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SOURCE = [services.SourceInput(url="https://example.org/readout", stance="supports")]


def _race(workers: int, work) -> list:
    """Run `work(i)` in `workers` threads released at once; results or raised errors, in order."""
    barrier = threading.Barrier(workers)
    outcomes: list = [None] * workers

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except Exception as error:  # the test inspects what each thread met
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_submits_of_the_same_version_one_wins_one_conflicts():
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    span = SpanFactory(project=project, created_by=reviewer)
    first = services.verdict_submit(
        span=span, reviewer=reviewer, expected_version=0, label="True", sources=SOURCE
    )
    labels = ["False", "Half True"]
    outcomes = _race(
        2,
        lambda i: services.verdict_submit(
            span=span,
            reviewer=reviewer,
            expected_version=first.version,
            label=labels[i],
            sources=SOURCE,
        ),
    )
    conflicts = [o for o in outcomes if isinstance(o, VersionConflict)]
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1 and len(conflicts) == 1
    assert conflicts[0].current_version == first.version + 1
    stored_version = first.version + 1
    first.refresh_from_db()
    assert (first.version, first.label) == (stored_version, winners[0].label)


def test_two_first_submits_create_one_verdict():
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    span = SpanFactory(project=project, created_by=reviewer)
    outcomes = _race(
        2,
        lambda i: services.verdict_submit(
            span=span, reviewer=reviewer, expected_version=0, label="True", sources=SOURCE
        ),
    )
    assert sum(isinstance(o, VersionConflict) for o in outcomes) == 1
    assert span.verdicts.count() == 1


def test_twenty_reviewers_share_ten_slots_exactly():
    reviewers = UserFactory.create_batch(20)
    editor = UserFactory()
    article = ArticleFactory(
        body=" ".join(f"Claim number {n} was made." for n in range(5)),
    )
    project = ProjectFactory(
        editors=[editor], reviewers=reviewers, articles=[article], reviews_per_claim=2
    )
    for n in range(5):
        SpanFactory(project=project, article=article, text=f"Claim number {n}", created_by=editor)

    outcomes = _race(
        20, lambda i: services.next_span_for_review(project=project, reviewer=reviewers[i])
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    handed_out = [o.pk for o in outcomes if o is not None]
    assert len(handed_out) == 10
    assert set(Counter(handed_out).values()) == {2}
    assignments = Assignment.objects.filter(span__project=project)
    assert assignments.count() == 10
    assert len(set(assignments.values_list("span_id", "reviewer_id"))) == 10


def test_one_invitation_accepted_by_two_people_at_once_admits_one():
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])
    _, link = project_services.invitation_create(
        project=project, actor=editor, accept_url=lambda token: token
    )
    people = [UserFactory(), UserFactory()]
    outcomes = _race(2, lambda i: project_services.invitation_accept(token=link, user=people[i]))
    assert sum(isinstance(o, InvitationRefused) for o in outcomes) == 1, outcomes
    assert project.memberships.filter(user__in=people).count() == 1


def test_moving_bounds_waits_for_a_verdict_being_submitted_and_is_refused():
    """span_update's rule (no submitted verdict) holds against a submit still in flight: the
    submit holds the span's row, so the move waits for its commit, then sees the verdict."""
    creator, other = UserFactory(), UserFactory()
    project = ProjectFactory(reviewers=[creator, other])
    span = SpanFactory(project=project, created_by=creator)
    submitted = threading.Event()

    def work(index: int):
        if index == 0:
            with transaction.atomic():
                services.verdict_submit(
                    span=span, reviewer=other, expected_version=0, label="True", sources=SOURCE
                )
                submitted.set()
                time.sleep(0.5)  # still uncommitted while the move starts
            return "submitted"
        assert submitted.wait(timeout=10)
        return services.span_update(span=span, actor=creator, end=span.end - 1)

    outcomes = _race(2, work)

    assert outcomes[0] == "submitted"
    assert isinstance(outcomes[1], PermissionDenied), outcomes[1]
    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end) == (span.start, span.end)


def test_deleting_own_claim_waits_for_a_verdict_being_submitted_and_is_refused():
    creator, other = UserFactory(), UserFactory()
    project = ProjectFactory(reviewers=[creator, other])
    span = SpanFactory(project=project, created_by=creator)
    submitted = threading.Event()

    def work(index: int):
        if index == 0:
            with transaction.atomic():
                services.verdict_submit(
                    span=span, reviewer=other, expected_version=0, label="True", sources=SOURCE
                )
                submitted.set()
                time.sleep(0.5)  # still uncommitted while the deletion starts
            return "submitted"
        assert submitted.wait(timeout=10)
        return services.span_delete(span=span, actor=creator)

    outcomes = _race(2, work)

    assert outcomes[0] == "submitted"
    assert isinstance(outcomes[1], PermissionDenied), outcomes[1]
    assert Span.objects.filter(pk=span.pk).exists()
