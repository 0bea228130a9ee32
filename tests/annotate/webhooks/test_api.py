"""The webhooks API: editors manage endpoints and read deliveries; reviewers, viewers and
outsiders are refused at every door (403 for members who may not, 404 for what they may not
know exists); lists keep their query counts flat."""

import pytest
from django.utils import timezone

from annotate.models import WebhookDelivery, WebhookEndpoint
from annotate.webhooks.events import event_record
from annotate.webhooks.models import EventType
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(project):
    return WebhookEndpointFactory(project=project)


def _deliveries(endpoint, n):
    for number in range(n):
        event = event_record(
            project_id=endpoint.project_id,
            type=EventType.SPAN_CREATED,
            subject=f"span:{number}",
            data={},
            endpoint_ids=[endpoint.pk],
        )
        delivery = event.deliveries.get()
        delivery.attempt_log.create(number=1, started_at=delivery.created_at, status_code=500)


def test_editor_creates_an_endpoint_with_a_generated_secret(api_as, editor, project):
    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/webhooks/",
        {"url": "https://hooks.example.org/in", "events": ["verdict.submitted", "span.created"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    stored = WebhookEndpoint.objects.get()
    assert body["secret"] == stored.secret and len(stored.secret) == 64
    assert body["events"] == ["span.created", "verdict.submitted"]  # the catalogue's order
    assert body["active"] is True and stored.created_by == editor


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"url": "ftp://hooks.example.org/", "events": ["span.created"]}, "url"),
        ({"url": "https://user:pw@hooks.example.org/", "events": ["span.created"]}, "url"),
        ({"url": "http://169.254.169.254/", "events": ["span.created"]}, "url"),
        ({"url": "http://10.0.0.5/", "events": ["span.created"]}, "url"),
        ({"url": "https://hooks.example.org/" + "a" * 500, "events": ["span.created"]}, "url"),
        ({"url": "https://hooks.example.org/", "events": ["span.exploded"]}, "events.0"),
        ({"url": "https://hooks.example.org/", "events": []}, "events"),
        ({"url": "https://hooks.example.org/", "events": ["ping"]}, "events.0"),
        (
            {
                "url": "https://hooks.example.org/",
                "events": ["span.created"],
                "description": "d" * 201,
            },
            "description",
        ),
    ],
)
def test_create_refuses_bad_input(api_as, editor, project, assert_error, given, field):
    response = api_as(editor).post(f"/api/v1/projects/{project.pk}/webhooks/", given, format="json")
    assert_error(response, 400, "validation_error", field)
    assert not WebhookEndpoint.objects.exists()


def test_editor_updates_and_reenables_an_endpoint(api_as, editor, endpoint, project):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False,
        consecutive_failures=20,
        failing_since=timezone.now(),
        disabled_reason="Disabled automatically",
    )
    response = api_as(editor).patch(
        f"/api/v1/projects/{project.pk}/webhooks/{endpoint.pk}/",
        {"active": True, "events": ["job.finished"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.events == ["job.finished"]
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert endpoint.disabled_reason == ""


def test_editor_deletes_an_endpoint(api_as, editor, endpoint, project):
    response = api_as(editor).delete(f"/api/v1/projects/{project.pk}/webhooks/{endpoint.pk}/")
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_endpoint_of_another_project_is_not_found_under_this_one(api_as, editor, project):
    mine = WebhookEndpointFactory(project__editors=[editor])
    response = api_as(editor).get(f"/api/v1/projects/{project.pk}/webhooks/{mine.pk}/")
    assert response.status_code == 404


def test_test_event_and_redeliver(api_as, editor, endpoint, settings, webhook_receiver):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=webhook_receiver.page("/h", "ok"))
    client = api_as(editor)

    response = client.post(f"/api/v1/webhooks/{endpoint.pk}/test/")

    assert response.status_code == 202, response.content
    ping = response.json()
    assert ping["event"]["type"] == "ping"
    # JOBS_RUN_INLINE, but the on-commit hook does not run inside the test's transaction.
    delivery = WebhookDelivery.objects.get()
    response = client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202, response.content
    again = response.json()
    assert again["redelivery"] is True and again["event"]["id"] == ping["event"]["id"]
    assert WebhookDelivery.objects.count() == 2


def test_rotate_secret(api_as, editor, endpoint):
    old = endpoint.secret
    response = api_as(editor).post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret != old and response.json()["secret"] == endpoint.secret


def test_deliveries_listed_with_attempts(api_as, editor, endpoint):
    _deliveries(endpoint, 2)
    response = api_as(editor).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert results[0]["attempt_log"][0]["status_code"] == 500
    assert results[0]["event"]["type"] == "span.created"


@pytest.mark.parametrize("n", [1, 30])
def test_delivery_list_queries_stay_flat(api_as, editor, endpoint, n, count_queries):
    _deliveries(endpoint, n)
    response, queries = count_queries(api_as(editor), f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert len(response.json()["results"]) == n
    assert queries <= 7  # token, endpoint with role, count, page, attempts


@pytest.mark.parametrize("n", [1, 15])
def test_endpoint_list_queries_stay_flat(api_as, editor, project, n, count_queries):
    WebhookEndpointFactory.create_batch(n, project=project)
    response, queries = count_queries(api_as(editor), f"/api/v1/projects/{project.pk}/webhooks/")
    assert len(response.json()) == n
    assert queries <= 4  # token, project with role, endpoints


@pytest.mark.parametrize(
    ("who", "expected"),
    [("reviewer", 403), ("viewer", 403), ("outsider", 404), ("anonymous", 401)],
)
def test_project_doors_refuse_non_editors(
    request, api_as, anonymous, project, endpoint, who, expected
):
    client = anonymous if who == "anonymous" else api_as(request.getfixturevalue(who))
    base = f"/api/v1/projects/{project.pk}/webhooks/"
    attempts = [
        client.get(base),
        client.post(
            base, {"url": "https://x.example.org/", "events": ["span.created"]}, format="json"
        ),
        client.get(f"{base}{endpoint.pk}/"),
        client.patch(f"{base}{endpoint.pk}/", {"active": False}, format="json"),
        client.delete(f"{base}{endpoint.pk}/"),
    ]
    statuses = {response.status_code for response in attempts}
    # An endpoint is the editors' alone: members who may not manage it cannot tell it exists.
    assert statuses <= {expected, 404}, statuses
    assert attempts[0].status_code == expected
    endpoint.refresh_from_db()
    assert endpoint.active and WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer", "viewer", "outsider"])
def test_endpoint_doors_are_not_found_for_non_editors(request, api_as, endpoint, who):
    _deliveries(endpoint, 1)
    delivery = WebhookDelivery.objects.get()
    client = api_as(request.getfixturevalue(who))
    responses = [
        client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/"),
        client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/"),
        client.post(f"/api/v1/webhooks/{endpoint.pk}/test/"),
        client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/"),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert WebhookDelivery.objects.count() == 1


def test_delivery_of_another_endpoint_is_not_found(api_as, editor, endpoint, project):
    other = WebhookEndpointFactory(project=project)
    _deliveries(other, 1)
    delivery = WebhookDelivery.objects.get()
    response = api_as(editor).post(
        f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/"
    )
    assert response.status_code == 404
