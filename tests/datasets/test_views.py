"""The editors' export page (/review/projects/<id>/export/) and the admin action on Article."""

import re

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from annotate.models import Membership
from tests.datasets.exports import export, json_lines
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_url(project) -> str:
    return reverse("datasets:export", args=[project.pk])


# --- the export page ------------------------------------------------------------------------------


def test_export_page_shows_the_form_to_editors(client, known):
    client.force_login(known.editor)

    response = client.get(page_url(known.project))

    assert response.status_code == 200
    html = response.text
    assert '<form method="get"' in html
    for name in (
        "format",
        "labels",
        "status",
        "articles",
        "include_orphaned",
        "real_names",
        "salt",
    ):
        assert f'name="{name}"' in html, name
    # strict CSP: no inline code (the one script is base.html's JavaScript catalog, a file)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/jsi18n/en/" defer>']
    assert "style=" not in html
    # formats by their names, the slug as the value
    assert '<option value="w3c">W3C Web Annotation (JSON-LD)</option>' in html
    assert '<option value="native" selected>Native (JSONL, round-trips)</option>' in html
    # every visible control has a label
    for control_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id


def test_export_page_downloads_through_the_same_stream(client, known):
    client.force_login(known.editor)

    response = client.get(page_url(known.project), {"format": "native", "salt": "x"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="known-native.jsonl"'
    text = b"".join(response.streaming_content).decode()
    assert text == export(known.project, "native", salt="x")


def test_export_page_datasheet(client, known):
    client.force_login(known.editor)

    response = client.get(page_url(known.project), {"format": "fever", "artifact": "datasheet"})

    assert response.status_code == 200
    assert response.content.decode().startswith("# Datasheet: Known known (fever)")


def test_export_page_shows_errors(client, known):
    client.force_login(known.editor)

    response = client.get(page_url(known.project), {"format": "claimreview", "labels": "all"})

    assert response.status_code == 400
    assert "This format takes labels=adjudicated." in response.text


def test_export_page_forbidden_to_reviewers_absent_for_others(client, known):
    client.force_login(known.rita)
    assert client.get(page_url(known.project)).status_code == 403
    client.force_login(UserFactory())
    assert client.get(page_url(known.project)).status_code == 404


def test_project_page_links_to_export_for_editors_only(client, known):
    project_url = reverse("annotate:project", args=[known.project.pk])
    client.force_login(known.editor)
    assert page_url(known.project) in client.get(project_url).text
    client.force_login(known.rita)
    assert page_url(known.project) not in client.get(project_url).text


# --- the admin action -----------------------------------------------------------------------------


def post_action(client, articles, **extra):
    return client.post(
        reverse("admin:corpus_article_changelist"),
        {
            "action": "export_selected_articles",
            "_selected_action": [article.pk for article in articles],
            **extra,
        },
    )


def test_admin_action_asks_for_the_project(client, staff_user, known):
    client.force_login(staff_user)

    response = post_action(client, [known.emoji])

    assert response.status_code == 200
    assert f'<option value="{known.project.pk}">' in response.text
    assert "Envoy says talks went well" in response.text


def test_admin_action_exports_native_jsonl_of_the_selected_articles(client, staff_user, known):
    client.force_login(staff_user)

    response = post_action(
        client, [known.emoji], export_project=known.project.pk, export_apply="Export"
    )

    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    lines = json_lines(text)
    assert lines[0]["project"]["id"] == "known"
    assert [line["article"]["title"] for line in lines[1:]] == ["Envoy says talks went well"]
    assert known.rita.username not in text
    assert all(name.startswith("r-") for name in lines[0]["project"]["people"])


def test_admin_action_real_names_only_for_the_projects_editors(client, staff_user, known):
    client.force_login(staff_user)
    refused = post_action(
        client,
        [known.emoji],
        export_project=known.project.pk,
        export_apply="Export",
        export_real_names="1",
    )
    assert refused.status_code == 302
    messages = [str(m) for m in client.get(refused.url).context["messages"]]
    assert "Only a project editor may export real usernames." in messages

    Membership.objects.create(project=known.project, user=staff_user, role="editor")
    allowed = post_action(
        client,
        [known.emoji],
        export_project=known.project.pk,
        export_apply="Export",
        export_real_names="1",
    )
    text = b"".join(allowed.streaming_content).decode()
    assert known.rita.username in text
