"""The Webhooks pages: editors add, edit, test, redeliver and delete; others are refused (403
for members who may not, 404 for the rest); answers are escaped; CSRF guards every form; the
pages' query counts stay flat."""

import pytest
from django.test import Client

from annotate.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from annotate.webhooks.events import event_record
from annotate.webhooks.models import EventType
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(project):
    return WebhookEndpointFactory(project=project)


def _deliveries(endpoint, n, excerpt="ok"):
    for number in range(n):
        event = event_record(
            project_id=endpoint.project_id,
            type=EventType.SPAN_CREATED,
            subject=f"span:{number}",
            data={},
            endpoint_ids=[endpoint.pk],
        )
        delivery = event.deliveries.get()
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=1,
            started_at=delivery.created_at,
            status_code=500,
            response_excerpt=excerpt,
        )


def test_editor_adds_a_webhook(client, editor, project):
    client.force_login(editor)
    response = client.post(
        f"/review/projects/{project.pk}/webhooks/",
        {"url": "https://hooks.example.org/x", "events": ["span.created"], "active": "on"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == f"/review/webhooks/{endpoint.pk}/"
    assert endpoint.events == ["span.created"] and endpoint.active
    page = client.get(response.url).text
    assert endpoint.secret in page


def test_the_events_are_a_group_with_a_legend(client, editor, project):
    """Several checkboxes are a fieldset named by its legend, not one label around them all."""
    client.force_login(editor)
    page = client.get(f"/review/projects/{project.pk}/webhooks/").text
    group = page[page.index('<fieldset class="field check-group"') :]
    group = group[: group.index("</fieldset>")]
    assert "<legend>Events</legend>" in group and 'value="span.created"' in group
    assert '<label for="id_events">' not in page


def test_add_form_shows_refusals(client, editor, project):
    client.force_login(editor)
    response = client.post(
        f"/review/projects/{project.pk}/webhooks/",
        {"url": "http://169.254.169.254/", "events": ["span.created"]},
    )
    assert response.status_code == 200
    assert "link-local" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_editor_edits_tests_redelivers_and_deletes(client, editor, endpoint):
    client.force_login(editor)
    base = f"/review/webhooks/{endpoint.pk}/"
    client.post(base, {"url": "https://other.example.org/", "events": ["job.finished"]})
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://other.example.org/",
        ["job.finished"],
        False,  # unticked
    )
    client.post(base, {"url": endpoint.url, "events": ["job.finished"], "active": "on"})
    assert client.post(f"{base}test/").status_code == 302
    ping = WebhookDelivery.objects.get()
    assert ping.event.type == "ping"
    assert client.post(f"{base}deliveries/{ping.pk}/redeliver/").status_code == 302
    assert WebhookDelivery.objects.filter(event=ping.event).count() == 2
    old = endpoint.secret
    client.post(f"{base}secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert client.post(f"{base}delete/").url == f"/review/projects/{endpoint.project_id}/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_response_excerpt_is_escaped(client, editor, endpoint):
    _deliveries(endpoint, 1, excerpt="<script>alert(1)</script>")
    client.force_login(editor)
    page = client.get(f"/review/webhooks/{endpoint.pk}/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_disabled_endpoint_shows_a_banner(client, editor, endpoint, project):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False, disabled_reason="Disabled automatically after 20 failed attempts in a row"
    )
    client.force_login(editor)
    page = client.get(f"/review/projects/{project.pk}/webhooks/").text
    assert "Disabled automatically after 20 failed attempts" in page
    assert 'role="alert"' in page


def test_forms_need_csrf(editor, endpoint, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    base = f"/review/webhooks/{endpoint.pk}/"
    for url in (f"/review/projects/{project.pk}/webhooks/", base, f"{base}test/", f"{base}delete/"):
        assert client.post(url, {"url": "https://x.example.org/"}).status_code == 403
    assert WebhookEndpoint.objects.get() == endpoint
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_project_page_refuses_non_editors(client, request, project, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/review/projects/{project.pk}/webhooks/").status_code == expected
    response = client.post(
        f"/review/projects/{project.pk}/webhooks/",
        {"url": "https://x.example.org/", "events": ["span.created"]},
    )
    assert response.status_code == expected
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "viewer", "outsider"])
def test_endpoint_pages_not_found_for_non_editors(client, request, endpoint, who):
    _deliveries(endpoint, 1)
    delivery = WebhookDelivery.objects.get()
    client.force_login(request.getfixturevalue(who))
    base = f"/review/webhooks/{endpoint.pk}/"
    statuses = [
        client.get(base).status_code,
        client.post(
            base, {"url": "https://x.example.org/", "events": ["span.created"]}
        ).status_code,
        client.post(f"{base}test/").status_code,
        client.post(f"{base}secret/").status_code,
        client.post(f"{base}delete/").status_code,
        client.post(f"{base}deliveries/{delivery.pk}/redeliver/").status_code,
    ]
    assert statuses == [404] * 6
    assert WebhookEndpoint.objects.get().url == endpoint.url
    assert WebhookDelivery.objects.count() == 1


def test_project_page_links_webhooks_for_editors_only(client, project, editor, reviewer):
    client.force_login(editor)
    assert (
        f"/review/projects/{project.pk}/webhooks/"
        in client.get(f"/review/projects/{project.pk}/").text
    )
    client.force_login(reviewer)
    assert (
        f"/review/projects/{project.pk}/webhooks/"
        not in client.get(f"/review/projects/{project.pk}/").text
    )


@pytest.mark.parametrize("n", [1, 30])
def test_webhook_page_queries_stay_flat(client, editor, endpoint, n, django_assert_max_num_queries):
    _deliveries(endpoint, n)
    client.force_login(editor)
    with django_assert_max_num_queries(10):
        response = client.get(f"/review/webhooks/{endpoint.pk}/")
    assert response.text.count("Redeliver<span") == n


@pytest.mark.parametrize("n", [1, 15])
def test_webhooks_page_queries_stay_flat(client, editor, project, n, django_assert_max_num_queries):
    WebhookEndpointFactory.create_batch(n, project=project)
    client.force_login(editor)
    with django_assert_max_num_queries(8):
        response = client.get(f"/review/projects/{project.pk}/webhooks/")
    assert response.text.count("/review/webhooks/") == n


def test_admin_shows_endpoints_and_deliveries_without_the_secret(admin_client, endpoint):
    _deliveries(endpoint, 1)
    delivery = WebhookDelivery.objects.get()
    page = admin_client.get("/admin/annotate/webhookendpoint/").text
    assert endpoint.url in page
    page = admin_client.get(f"/admin/annotate/webhookendpoint/{endpoint.pk}/change/").text
    assert endpoint.url in page and endpoint.secret not in page
    page = admin_client.get(f"/admin/annotate/webhookdelivery/{delivery.pk}/change/").text
    assert "span.created" in page
    assert admin_client.get("/admin/annotate/webhookendpoint/add/").status_code == 403
