"""One length limit per text a user writes (annotate.limits), enforced by the services: the
service, the web form and the admin refuse an overlong text alike, on its field."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from annotate.limits import (
    SOURCES_PER_VERDICT,
    TEXT_LIMITS,
    largest_write_bytes,
    text_limit,
    text_limits_check,
)
from annotate.models import Adjudication, Comment, Project, Source, Span, Verdict
from annotate.projects import services as project_services
from annotate.review import services
from tests.factories import (
    SourceFactory,
    VerdictFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(body="Leaders met. Officials said talks went well. Others disagree."),
    pytest.mark.span(text="talks went well"),
]

RATIONALE = text_limit("verdict", "rationale")
SOURCE = services.SourceInput(url="https://example.org/readout", title="Readout")


def _too_long(model: str, field: str) -> str:
    return "x" * (text_limit(model, field) + 1)


def _field_error(raised, field: str) -> str:
    assert set(raised.value.message_dict) == {field}, raised.value.message_dict
    (message,) = raised.value.message_dict[field]
    return message


# --- the check the restore services call ----------------------------------------------------------


def test_text_limits_check_reports_each_field_over_its_limit():
    with pytest.raises(ValidationError) as raised:
        text_limits_check("source", excerpt=_too_long("source", "excerpt"), title="fine", url=None)
    assert "20,000 characters" in _field_error(raised, "excerpt")
    text_limits_check("verdict", rationale="x" * RATIONALE)  # at the limit: accepted


def test_every_limit_is_generous_and_the_api_body_limit_stays_above_them(settings):
    assert TEXT_LIMITS["verdict.rationale"] >= 20_000
    assert TEXT_LIMITS["source.excerpt"] >= 20_000
    assert largest_write_bytes() <= settings.API_MAX_REQUEST_BYTES


# --- services -------------------------------------------------------------------------------------


@pytest.mark.parametrize("write", [services.verdict_submit, services.verdict_save_draft])
def test_verdict_rationale_over_the_limit_is_refused(span, reviewer, write):
    with pytest.raises(ValidationError) as raised:
        write(
            span=span,
            reviewer=reviewer,
            expected_version=0,
            label="False",
            rationale=_too_long("verdict", "rationale"),
            sources=[SOURCE],
        )
    _field_error(raised, "rationale")
    assert not Verdict.objects.exists()


def test_verdict_rationale_at_the_limit_is_kept(span, reviewer):
    verdict = services.verdict_submit(
        span=span,
        reviewer=reviewer,
        expected_version=0,
        label="False",
        rationale="x" * RATIONALE,
        sources=[SOURCE],
    )
    assert len(verdict.rationale) == RATIONALE


def test_verdict_source_excerpt_over_the_limit_is_reported_at_its_index(span, reviewer):
    long = services.SourceInput(url="https://example.org/b", excerpt=_too_long("source", "excerpt"))
    with pytest.raises(ValidationError) as raised:
        services.verdict_submit(
            span=span, reviewer=reviewer, expected_version=0, label="False", sources=[SOURCE, long]
        )
    _field_error(raised, "sources.1.excerpt")


def test_verdict_with_too_many_sources_is_refused(span, reviewer):
    sources = [SOURCE] * (SOURCES_PER_VERDICT + 1)
    with pytest.raises(ValidationError) as raised:
        services.verdict_submit(
            span=span, reviewer=reviewer, expected_version=0, label="False", sources=sources
        )
    _field_error(raised, "sources")


def test_source_add_and_update_refuse_an_overlong_excerpt(span, reviewer):
    verdict = VerdictFactory(span=span, reviewer=reviewer, label="False")
    source = SourceFactory(verdict=verdict, position=0)
    long = services.SourceInput(url="https://example.org/b", excerpt=_too_long("source", "excerpt"))
    with pytest.raises(ValidationError) as raised:
        services.source_add(verdict=verdict, actor=reviewer, source=long)
    _field_error(raised, "excerpt")
    with pytest.raises(ValidationError) as raised:
        services.source_update(source=source, actor=reviewer, changes=long)
    _field_error(raised, "excerpt")
    assert list(Source.objects.values_list("excerpt", flat=True)) == [source.excerpt]


def test_comment_over_the_limit_is_refused(span, reviewer):
    with pytest.raises(ValidationError) as raised:
        services.comment_post(span=span, author=reviewer, body=_too_long("comment", "body"))
    _field_error(raised, "body")
    assert not Comment.objects.exists()


def test_span_note_over_the_limit_is_refused(project, editor):
    with pytest.raises(ValidationError) as raised:
        services.span_create(
            project=project,
            article=project.articles.get(),
            actor=editor,
            quote="Leaders met",
            note=_too_long("span", "note"),
        )
    _field_error(raised, "note")
    assert not Span.objects.exists()


def test_adjudication_rationale_over_the_limit_is_refused(span, editor):
    with pytest.raises(ValidationError) as raised:
        services.adjudicate(
            span=span,
            editor=editor,
            label="False",
            rationale=_too_long("adjudication", "rationale"),
        )
    _field_error(raised, "rationale")
    assert not Adjudication.objects.exists()


def test_project_description_over_the_limit_is_refused(staff_user):
    with pytest.raises(ValidationError) as raised:
        project_services.project_create(
            actor=staff_user,
            name="Desk",
            slug="desk",
            description=_too_long("project", "description"),
        )
    _field_error(raised, "description")
    assert not Project.objects.exists()


# --- web forms ------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _verdict_post(rationale: str) -> dict:
    return {
        "label": "False",
        "rationale": rationale,
        "confidence": "",
        "version": "0",
        "intent": "submit",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "50",
        "sources-0-url": "https://example.org/r",
        "sources-0-title": "",
        "sources-0-excerpt": "",
        "sources-0-stance": "refutes",
        "sources-0-accessed_on": "",
    }


def test_web_form_refuses_a_2_mb_rationale_on_its_field(span, reviewer):
    url = reverse("annotate:verdict", args=[span.pk])
    response = _client(reviewer).post(url, _verdict_post("x" * 2_000_000))
    assert response.status_code == 400
    assert f"Keep this under {RATIONALE:,} characters" in response.text
    assert f'maxlength="{RATIONALE}"' in response.text  # the browser's hint, from the same table
    assert not Verdict.objects.exists()


def test_web_comment_form_refuses_an_overlong_comment(span, reviewer):
    url = reverse("annotate:comment", args=[span.pk])
    response = _client(reviewer).post(url, {"body": _too_long("comment", "body")})
    assert response.status_code == 400
    assert "Keep this under 10,000 characters" in response.text
    assert not Comment.objects.exists()


# --- admin ----------------------------------------------------------------------------------------


def test_admin_refuses_an_overlong_span_note_on_its_field(admin_client, span):
    url = reverse("admin:annotate_span_change", args=[span.pk])
    inlines = {f"{p}-{f}": "0" for p in ("verdicts", "comments") for f in ("TOTAL", "INITIAL")}
    data = {"claimant": "", "note": _too_long("span", "note")}
    response = admin_client.post(url, {**data, **{k + "_FORMS": v for k, v in inlines.items()}})
    assert response.status_code == 200  # the form again, with the error
    assert "Keep this under 5,000 characters" in response.text
    span.refresh_from_db()
    assert span.note == ""


def test_admin_refuses_an_overlong_project_description(admin_client, project):
    url = reverse("admin:annotate_project_change", args=[project.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["articles"] = [a.pk for a in project.articles.all()]
    data["description"] = _too_long("project", "description")
    data.update({"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Keep this under 10,000 characters" in response.text
    project.refresh_from_db()
    assert project.description == ""
