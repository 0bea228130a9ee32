"""Verdicts and their sources: submit, draft, withdraw, versions, source_add/update/remove."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.errors import VersionConflict
from annotate.models import Assignment, Source, Verdict
from annotate.projects import services as project_services
from annotate.projects.scales import PRESETS
from annotate.review import services
from tests.factories import ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

SourceInput = services.SourceInput
REPORT = SourceInput(
    url="https://example.org/report",
    title=" Annual report ",
    excerpt="Talks stalled on day two.",
    stance="refutes",
    accessed_on=datetime.date(2024, 5, 1),
)
TRANSCRIPT = SourceInput(url="http://example.org/transcript", title="Transcript")


def _submit(span, reviewer, *, label="False", sources=(REPORT,), expected_version=0, **fields):
    return services.verdict_submit(
        span=span,
        reviewer=reviewer,
        expected_version=expected_version,
        label=label,
        sources=None if sources is None else list(sources),
        **fields,
    )


def _fever_project(**fields):
    return ProjectFactory(
        scale_preset="fever", scale=PRESETS["fever"].as_scale(), scale_is_ordinal=False, **fields
    )


def _source_rows(verdict) -> list[tuple]:
    return list(
        Source.objects.filter(verdict=verdict)
        .order_by("position")
        .values_list("position", "url", "title", "stance")
    )


# verdict_submit


def test_verdict_submit_records_verdict_sources_and_assignment(span, reviewer):
    verdict = _submit(
        span,
        reviewer,
        label="Mostly False",
        rationale="  Stalled. ",
        confidence=4,
        sources=[REPORT, TRANSCRIPT],
    )

    stored = Verdict.objects.get()
    assert stored == verdict
    assert (stored.span, stored.reviewer, stored.label) == (span, reviewer, "Mostly False")
    assert (stored.status, stored.version, stored.rationale) == ("submitted", 1, "Stalled.")
    assert stored.confidence == 4
    assert stored.submitted_at is not None
    assert _source_rows(stored) == [
        (0, "https://example.org/report", "Annual report", "refutes"),
        (1, "http://example.org/transcript", "Transcript", "context"),
    ]
    assert Source.objects.get(position=0).accessed_on == datetime.date(2024, 5, 1)
    assert Assignment.objects.filter(span=span, reviewer=reviewer).count() == 1


def test_verdict_submit_editor_may_record_a_verdict(span, editor):
    verdict = _submit(span, editor)

    assert Verdict.objects.get(reviewer=editor) == verdict


@pytest.mark.parametrize("label", ["Mostly Fals", "false", "SUPPORTS"])
def test_verdict_submit_label_outside_scale_refused(span, reviewer, label):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, label=label)

    assert "label" in error.value.message_dict
    assert not Verdict.objects.exists()
    assert not Assignment.objects.exists()


def test_verdict_submit_label_is_stripped(span, reviewer):
    verdict = _submit(span, reviewer, label="  Half True ")

    assert Verdict.objects.get(pk=verdict.pk).label == "Half True"


@pytest.mark.parametrize("label", ["", "   "])
def test_verdict_submit_without_label_refused(span, reviewer, label):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, label=label)

    assert "label" in error.value.message_dict
    assert not Verdict.objects.exists()


@pytest.mark.parametrize("sources", [None, ()], ids=["not-given", "empty"])
def test_verdict_submit_without_sources_refused_for_label_needing_them(span, reviewer, sources):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, label="Pants on Fire", sources=sources)

    assert "sources" in error.value.message_dict
    assert not Verdict.objects.exists()
    assert not Assignment.objects.exists()


def test_verdict_submit_fever_not_enough_info_needs_no_sources(reviewer):
    project = _fever_project(reviewers=[reviewer], sources_required=True)
    span = SpanFactory(project=project)

    verdict = _submit(span, reviewer, label="NOT ENOUGH INFO", sources=None)

    stored = Verdict.objects.get()
    assert stored == verdict
    assert (stored.label, stored.status) == ("NOT ENOUGH INFO", "submitted")
    assert not Source.objects.exists()


def test_verdict_submit_fever_supports_needs_sources(reviewer):
    project = _fever_project(reviewers=[reviewer], sources_required=True)
    span = SpanFactory(project=project)

    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, label="SUPPORTS", sources=None)

    assert "sources" in error.value.message_dict
    assert not Verdict.objects.exists()


def test_verdict_submit_without_sources_when_project_does_not_require_them(reviewer):
    project = ProjectFactory(reviewers=[reviewer], sources_required=False)
    span = SpanFactory(project=project)

    verdict = _submit(span, reviewer, label="False", sources=None)

    assert Verdict.objects.get().status == verdict.status == "submitted"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/report.pdf", "example.org/report", ""],
    ids=["javascript", "ftp", "no-scheme", "blank"],
)
def test_verdict_submit_non_http_source_url_refused(span, reviewer, url):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, sources=[SourceInput(url=url)])

    assert "sources.0.url" in error.value.message_dict
    assert not Verdict.objects.exists()
    assert not Source.objects.exists()


def test_verdict_submit_bad_second_source_named_by_index(span, reviewer):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, sources=[REPORT, SourceInput(url="javascript:alert(1)")])

    assert set(error.value.message_dict) == {"sources.1.url"}
    assert not Source.objects.exists()


def test_verdict_submit_bad_stance_refused(span, reviewer):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, sources=[SourceInput(url=REPORT.url, stance="agrees")])

    assert "sources.0.stance" in error.value.message_dict


@pytest.mark.parametrize("confidence", [0, 6])
def test_verdict_submit_confidence_out_of_range_refused(span, reviewer, confidence):
    with pytest.raises(ValidationError) as error:
        _submit(span, reviewer, confidence=confidence)

    assert "confidence" in error.value.message_dict
    assert not Verdict.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_verdict_submit_non_writer_refused(span, viewer, who):
    actor = viewer if who == "viewer" else UserFactory(is_staff=True, is_superuser=True)

    with pytest.raises(PermissionDenied):
        _submit(span, actor)

    assert not Verdict.objects.exists()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_verdict_save_draft_non_writer_refused(span, viewer, who):
    actor = viewer if who == "viewer" else UserFactory()

    with pytest.raises(PermissionDenied):
        services.verdict_save_draft(span=span, reviewer=actor, expected_version=0)

    assert not Verdict.objects.exists()


def test_verdict_submit_keeps_sources_when_none_given(span, reviewer):
    draft = services.verdict_save_draft(
        span=span, reviewer=reviewer, expected_version=0, sources=[REPORT]
    )

    verdict = _submit(span, reviewer, sources=None, expected_version=draft.version)

    assert verdict.version == 2
    assert [row[1] for row in _source_rows(verdict)] == [REPORT.url]


def test_verdict_submit_replaces_sources(span, reviewer):
    first = _submit(span, reviewer, sources=[REPORT])
    services.verdict_withdraw(verdict=first, actor=reviewer, expected_version=1)

    verdict = _submit(span, reviewer, sources=[TRANSCRIPT], expected_version=2)

    assert [row[1] for row in _source_rows(verdict)] == [TRANSCRIPT.url]
    assert Source.objects.count() == 1


def test_verdict_submit_resubmit_without_withdrawing(span, reviewer):
    _submit(span, reviewer, label="False")

    verdict = _submit(span, reviewer, label="Mostly False", sources=None, expected_version=1)

    stored = Verdict.objects.get()
    assert (stored.label, stored.status, stored.version) == ("Mostly False", "submitted", 2)
    assert verdict.version == 2
    assert Source.objects.filter(verdict=stored).count() == 1


# versions


def test_verdict_submit_stale_version_conflict(span, reviewer):
    _submit(span, reviewer, label="False")
    verdict = Verdict.objects.get()
    services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    with pytest.raises(VersionConflict) as error:
        _submit(span, reviewer, label="True", expected_version=1)

    assert error.value.current_version == 2
    assert "version" in error.value.message_dict
    assert "version 2" in error.value.message_dict["version"][0]
    stored = Verdict.objects.get()
    assert (stored.label, stored.status, stored.version) == ("False", "draft", 2)


def test_verdict_submit_second_first_write_conflicts(span, reviewer):
    _submit(span, reviewer, label="False")

    with pytest.raises(VersionConflict) as error:
        _submit(span, reviewer, label="True", expected_version=0)

    assert error.value.current_version == 1
    assert Verdict.objects.get().label == "False"


def test_verdict_version_conflict_is_a_validation_error(span, reviewer):
    with pytest.raises(ValidationError):
        _submit(span, reviewer, expected_version=3)


@pytest.mark.parametrize("expected_version", [1, 5])
def test_verdict_first_write_with_nonzero_expected_version_refused(
    span, reviewer, expected_version
):
    with pytest.raises(VersionConflict) as error:
        _submit(span, reviewer, expected_version=expected_version)

    assert error.value.current_version == 0
    assert "version" in error.value.message_dict
    assert not Verdict.objects.exists()
    assert not Assignment.objects.exists()


def test_verdict_other_reviewers_have_their_own_versions(span, reviewer, other_reviewer):
    _submit(span, reviewer)

    verdict = _submit(span, other_reviewer, expected_version=0)

    assert verdict.version == 1
    assert Verdict.objects.filter(span=span).count() == 2


# drafts


def test_verdict_save_draft_keeps_unlabelled_work(span, reviewer):
    draft = services.verdict_save_draft(
        span=span, reviewer=reviewer, expected_version=0, rationale="Still reading."
    )

    stored = Verdict.objects.get()
    assert stored == draft
    assert (stored.label, stored.status, stored.version) == ("", "draft", 1)
    assert stored.submitted_at is None
    assert Assignment.objects.filter(span=span, reviewer=reviewer).exists()


def test_verdict_save_draft_then_submit_increments_version(span, reviewer):
    services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=0)
    services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=1, label="True")

    verdict = _submit(span, reviewer, label="True", expected_version=2)

    stored = Verdict.objects.get()
    assert stored.version == verdict.version == 3
    assert stored.status == "submitted"


def test_verdict_save_draft_label_outside_scale_refused(span, reviewer):
    with pytest.raises(ValidationError) as error:
        services.verdict_save_draft(
            span=span, reviewer=reviewer, expected_version=0, label="Unproven"
        )

    assert "label" in error.value.message_dict
    assert not Verdict.objects.exists()


def test_verdict_save_draft_on_submitted_verdict_refused(span, reviewer):
    _submit(span, reviewer)

    with pytest.raises(ValidationError) as error:
        services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=1, label="True")

    assert "status" in error.value.message_dict
    stored = Verdict.objects.get()
    assert (stored.status, stored.label, stored.version) == ("submitted", "False", 1)


def test_verdict_save_draft_without_sources_is_fine(span, reviewer):
    services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=0, label="False")

    assert Verdict.objects.get().label == "False"
    assert not Source.objects.exists()


# withdraw


def test_verdict_withdraw_then_resubmit_increments_version_each_time(span, reviewer):
    verdict = _submit(span, reviewer)
    versions = [verdict.version]

    for round_number in range(2):
        verdict = services.verdict_withdraw(
            verdict=verdict, actor=reviewer, expected_version=verdict.version
        )
        stored = Verdict.objects.get()
        assert (stored.status, stored.submitted_at) == ("draft", None)
        versions.append(stored.version)
        verdict = _submit(
            span,
            reviewer,
            label=["True", "Half True"][round_number],
            sources=None,
            expected_version=verdict.version,
        )
        assert Verdict.objects.get().status == "submitted"
        versions.append(Verdict.objects.get().version)

    assert versions == [1, 2, 3, 4, 5]
    assert Verdict.objects.get().label == "Half True"
    assert Source.objects.count() == 1


def test_verdict_withdraw_draft_refused(span, reviewer):
    draft = services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=0)

    with pytest.raises(ValidationError) as error:
        services.verdict_withdraw(verdict=draft, actor=reviewer, expected_version=1)

    assert "status" in error.value.message_dict
    assert Verdict.objects.get().version == 1


def test_verdict_withdraw_stale_version_conflict(span, reviewer):
    verdict = _submit(span, reviewer)
    services.source_add(verdict=verdict, actor=reviewer, source=TRANSCRIPT)

    with pytest.raises(VersionConflict) as error:
        services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    assert error.value.current_version == 2
    assert Verdict.objects.get().status == "submitted"


@pytest.mark.parametrize("who", ["other_reviewer", "editor"])
def test_verdict_withdraw_another_reviewers_verdict_refused(span, reviewer, request, who):
    verdict = _submit(span, reviewer)

    with pytest.raises(PermissionDenied):
        services.verdict_withdraw(
            verdict=verdict, actor=request.getfixturevalue(who), expected_version=1
        )

    stored = Verdict.objects.get()
    assert (stored.status, stored.version) == ("submitted", 1)


def test_verdict_withdraw_after_losing_membership_refused(project, span, reviewer, editor):
    verdict = _submit(span, reviewer)
    project_services.membership_set_role(
        project=project, actor=editor, user=reviewer, role="viewer"
    )

    with pytest.raises(PermissionDenied):
        services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    assert Verdict.objects.get().status == "submitted"


# sources


def test_source_add_appends_and_bumps_version(span, reviewer):
    verdict = _submit(span, reviewer, sources=[REPORT])

    source = services.source_add(verdict=verdict, actor=reviewer, source=TRANSCRIPT)

    assert (source.position, source.url) == (1, TRANSCRIPT.url)
    assert [row[:2] for row in _source_rows(verdict)] == [(0, REPORT.url), (1, TRANSCRIPT.url)]
    assert Verdict.objects.get().version == 2


def test_source_add_javascript_url_refused(span, reviewer):
    verdict = _submit(span, reviewer)

    with pytest.raises(ValidationError) as error:
        services.source_add(
            verdict=verdict, actor=reviewer, source=SourceInput(url="javascript:alert(1)")
        )

    assert "url" in error.value.message_dict
    assert Source.objects.count() == 1
    assert Verdict.objects.get().version == 1


def test_source_update_changes_fields_and_bumps_version(span, reviewer):
    verdict = _submit(span, reviewer, sources=[REPORT])
    source = Source.objects.get()

    updated = services.source_update(
        source=source,
        actor=reviewer,
        changes=SourceInput(url="https://example.org/v2", title="Corrected", stance="supports"),
    )

    stored = Source.objects.get()
    assert stored == updated
    assert (stored.url, stored.title, stored.stance) == (
        "https://example.org/v2",
        "Corrected",
        "supports",
    )
    assert (stored.excerpt, stored.accessed_on, stored.position) == ("", None, 0)
    assert Verdict.objects.get(pk=verdict.pk).version == 2


def test_source_update_ftp_url_refused(span, reviewer):
    _submit(span, reviewer, sources=[REPORT])
    source = Source.objects.get()

    with pytest.raises(ValidationError) as error:
        services.source_update(
            source=source, actor=reviewer, changes=SourceInput(url="ftp://example.org/x")
        )

    assert "url" in error.value.message_dict
    assert Source.objects.get().url == REPORT.url
    assert Verdict.objects.get().version == 1


def test_source_remove_deletes_and_bumps_version(span, reviewer):
    verdict = _submit(span, reviewer, sources=[REPORT, TRANSCRIPT])
    first = Source.objects.get(position=0)

    services.source_remove(source=first, actor=reviewer)

    assert [row[1] for row in _source_rows(verdict)] == [TRANSCRIPT.url]
    assert Verdict.objects.get().version == 2


def test_source_remove_last_source_of_submitted_verdict_needing_it_refused(span, reviewer):
    _submit(span, reviewer, label="False", sources=[REPORT])
    source = Source.objects.get()

    with pytest.raises(ValidationError) as error:
        services.source_remove(source=source, actor=reviewer)

    assert "sources" in error.value.message_dict
    assert Source.objects.filter(pk=source.pk).exists()
    assert Verdict.objects.get().version == 1


def test_source_remove_last_source_of_draft_allowed(span, reviewer):
    services.verdict_save_draft(
        span=span, reviewer=reviewer, expected_version=0, label="False", sources=[REPORT]
    )

    services.source_remove(source=Source.objects.get(), actor=reviewer)

    assert not Source.objects.exists()
    assert Verdict.objects.get().version == 2


def test_source_remove_last_source_of_label_needing_none_allowed(reviewer):
    project = _fever_project(reviewers=[reviewer])
    span = SpanFactory(project=project)
    _submit(span, reviewer, label="NOT ENOUGH INFO", sources=[REPORT])

    services.source_remove(source=Source.objects.get(), actor=reviewer)

    assert not Source.objects.exists()
    assert Verdict.objects.get().status == "submitted"


def test_source_change_makes_held_version_stale(span, reviewer):
    verdict = _submit(span, reviewer)
    services.source_add(verdict=verdict, actor=reviewer, source=TRANSCRIPT)

    with pytest.raises(VersionConflict) as error:
        services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    assert error.value.current_version == 2


@pytest.mark.parametrize("operation", ["add", "update", "remove"])
@pytest.mark.parametrize("who", ["other_reviewer", "editor", "viewer"])
def test_source_change_on_another_reviewers_verdict_refused(
    span, reviewer, request, operation, who
):
    verdict = _submit(span, reviewer, sources=[REPORT, TRANSCRIPT])
    source = Source.objects.get(position=0)
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        if operation == "add":
            services.source_add(verdict=verdict, actor=actor, source=TRANSCRIPT)
        elif operation == "update":
            services.source_update(source=source, actor=actor, changes=TRANSCRIPT)
        else:
            services.source_remove(source=source, actor=actor)

    assert [row[1] for row in _source_rows(verdict)] == [REPORT.url, TRANSCRIPT.url]
    assert Verdict.objects.get().version == 1


# audit history


def test_verdict_submit_history_records_reviewer(span, reviewer):
    verdict = _submit(span, reviewer, label="False")

    latest = verdict.history.latest()
    assert (latest.label, latest.status, latest.version) == ("False", "submitted", 1)
    assert latest.history_user == reviewer
    assert {record.history_user for record in Source.history.all()} == {reviewer}


def test_verdict_withdraw_and_source_changes_recorded_with_actor(span, reviewer):
    verdict = _submit(span, reviewer, sources=[REPORT])
    services.source_add(verdict=verdict, actor=reviewer, source=TRANSCRIPT)
    services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=2)

    records = list(verdict.history.order_by("history_date", "history_id"))

    assert [record.version for record in records][-3:] == [1, 2, 3]
    assert records[-1].status == "draft"
    assert all(record.history_user == reviewer for record in records[-3:])


def test_verdict_submit_every_history_row_names_the_reviewer(span, reviewer):
    verdict = _submit(span, reviewer, label="False")

    records = list(verdict.history.all())

    assert records
    assert [record.history_user for record in records] == [reviewer] * len(records)


def test_verdict_on_adjudicated_span_is_refused(span, reviewer):
    editor = span.project.memberships.get(role="editor").user
    services.adjudicate(span=span, editor=editor, label="True")
    with pytest.raises(ValidationError) as refusal:
        _submit(span, reviewer, label="False")
    assert "span" in refusal.value.message_dict
