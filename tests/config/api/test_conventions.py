"""What holds for the whole API: health, /me, the schema and its docs, request size limits,
throttling, session auth with CSRF, and one error shape for every 4xx."""

import re

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from accounts.services import token_create, token_revoke
from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Membership,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
)
from config.api.throttling import AnonRateThrottle, FailedAuthentications, TokenRateThrottle
from corpus.models import Article
from tests.annotate.jobs.broker import celery_broker
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


# --- health and me --------------------------------------------------------------------------------


def test_health_without_auth_is_ok(anonymous):
    response = anonymous.get("/api/v1/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "none", "workers": None}


def test_health_is_503_when_the_job_broker_is_unreachable(anonymous, settings):
    """With jobs going to a broker, a web process that cannot reach it leaves the pool."""
    with celery_broker(settings, "redis://127.0.0.1:1/0"):
        response = anonymous.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
        "workers": None,
    }


def test_health_ignores_a_bad_token(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer fcw_revoked-or-garbage")

    assert anonymous.get("/api/v1/health/").status_code == 200


def test_me_lists_the_callers_projects_and_roles(api_as, reviewer, project):
    other = ProjectFactory(editors=[reviewer])

    response = api_as(reviewer).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["is_staff"]) == (
        reviewer.pk,
        reviewer.username,
        False,
    )
    assert sorted((p["id"], p["slug"], p["role"]) for p in body["projects"]) == sorted(
        [(project.pk, project.slug, "reviewer"), (other.pk, other.slug, "editor")]
    )


def test_me_unauthenticated_is_401(anonymous, assert_error):
    assert_error(anonymous.get("/api/v1/me/"), 401, "not_authenticated")


def test_me_with_a_revoked_token_is_401(reviewer, assert_error):
    token, key = token_create(user=reviewer, name="old laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    token_revoke(token=token, actor=reviewer)

    assert_error(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_me_with_a_token_of_an_inactive_user_is_401(reviewer, assert_error):
    _, key = token_create(user=reviewer, name="pipeline")
    reviewer.is_active = False
    reviewer.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert_error(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_me_accepts_the_token_keyword_too(reviewer):
    _, key = token_create(user=reviewer, name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/v1/me/").json()["id"] == reviewer.pk


def test_me_header_without_key_is_401(anonymous, assert_error):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer")

    assert_error(anonymous.get("/api/v1/me/"), 401, "not_authenticated")


ENDPOINTS = [
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/articles/"),
    ("post", "/api/v1/articles/"),
    ("post", "/api/v1/articles/bulk/"),
    ("get", "/api/v1/articles/{article}/"),
    ("patch", "/api/v1/articles/{article}/"),
    ("post", "/api/v1/articles/{article}/revise/"),
    ("get", "/api/v1/projects/"),
    ("post", "/api/v1/projects/"),
    ("get", "/api/v1/projects/{project}/"),
    ("get", "/api/v1/projects/{project}/members/"),
    ("post", "/api/v1/projects/{project}/members/"),
    ("put", "/api/v1/projects/{project}/members/{user}/"),
    ("delete", "/api/v1/projects/{project}/members/{user}/"),
    ("post", "/api/v1/projects/{project}/articles/"),
    ("post", "/api/v1/projects/{project}/next/"),
    ("get", "/api/v1/projects/{project}/queue/"),
    ("get", "/api/v1/projects/{project}/predictions/"),
    ("post", "/api/v1/projects/{project}/predictions/"),
    ("post", "/api/v1/predictions/{prediction}/accept/"),
    ("get", "/api/v1/spans/"),
    ("post", "/api/v1/spans/"),
    ("get", "/api/v1/spans/{span}/"),
    ("delete", "/api/v1/spans/{span}/"),
    ("get", "/api/v1/spans/{span}/comments/"),
    ("post", "/api/v1/spans/{span}/comments/"),
    ("get", "/api/v1/spans/{span}/adjudication/"),
    ("put", "/api/v1/spans/{span}/adjudication/"),
    ("get", "/api/v1/verdicts/"),
    ("post", "/api/v1/verdicts/"),
    ("get", "/api/v1/verdicts/{verdict}/"),
    ("put", "/api/v1/verdicts/{verdict}/"),
    ("post", "/api/v1/verdicts/{verdict}/withdraw/"),
    ("post", "/api/v1/verdicts/{verdict}/sources/"),
    ("put", "/api/v1/verdicts/{verdict}/sources/{source}/"),
    ("delete", "/api/v1/verdicts/{verdict}/sources/{source}/"),
]


@pytest.fixture
def every_kind_of_row(editor, reviewer, project, article, span):
    verdict = VerdictFactory(span=span, reviewer=reviewer, label="False")
    prediction = Prediction.objects.create(
        project=project,
        article=article,
        start=0,
        end=7,
        quote=article.body[:7],
        model_name="m",
        created_by=editor,
    )
    return {
        "article": article.pk,
        "project": project.pk,
        "user": reviewer.pk,
        "prediction": prediction.pk,
        "span": span.pk,
        "verdict": verdict.pk,
        "source": SourceFactory(verdict=verdict).pk,
    }


def _row_counts() -> dict[str, object]:
    """Every row a write could touch, in a comparable form."""
    counts: dict[str, object] = {
        model.__name__: model.objects.count()
        for model in (
            Adjudication,
            Article,
            Assignment,
            Comment,
            Membership,
            Prediction,
            Project,
            Source,
            Span,
            Verdict,
        )
    }
    counts["bodies"] = sorted(Article.objects.values_list("pk", "content_hash"))
    counts["roles"] = sorted(Membership.objects.values_list("project", "user", "role"))
    counts["verdicts"] = sorted(Verdict.objects.values_list("pk", "version", "status", "label"))
    counts["sources"] = sorted(Source.objects.values_list("pk", "url"))
    counts["project_articles"] = sorted(
        Project.articles.through.objects.values_list("project", "article")
    )
    counts["accepted"] = sorted(Prediction.objects.values_list("pk", "accepted_span"))
    return counts


@pytest.mark.parametrize(
    ("method", "template"), [(m, t) for m, t in ENDPOINTS if "{" in t and "?" not in t]
)
def test_every_object_of_another_project_is_404(
    api_as, outsider, every_kind_of_row, method, template, assert_error
):
    client = api_as(outsider)
    before = _row_counts()

    response = getattr(client, method)(template.format(**every_kind_of_row), {})

    assert_error(response, 404, "not_found")
    assert _row_counts() == before


VIEWER_WRITES = [
    ("post", "/api/v1/articles/", {"title": "T", "body": "Fresh text.", "project": "{project}"}),
    ("post", "/api/v1/articles/bulk/?project={project}", [{"title": "T", "body": "Fresh."}]),
    ("post", "/api/v1/articles/{article}/revise/", {"body": "Fresh text."}),
    ("patch", "/api/v1/articles/{article}/", {"language": "ar"}),
    ("post", "/api/v1/projects/{project}/members/", {"username": "{username}", "role": "editor"}),
    ("put", "/api/v1/projects/{project}/members/{user}/", {"role": "editor"}),
    ("delete", "/api/v1/projects/{project}/members/{user}/", None),
    ("post", "/api/v1/projects/{project}/articles/", {"articles": ["{other_article}"]}),
    ("post", "/api/v1/projects/{project}/next/", None),
    (
        "post",
        "/api/v1/projects/{project}/predictions/",
        [{"article": "{article}", "model_name": "m2", "start": 0, "end": 7}],
    ),
    ("post", "/api/v1/predictions/{prediction}/accept/", None),
    ("post", "/api/v1/spans/", {"project": "{project}", "article": "{article}", "quote": "met"}),
    ("delete", "/api/v1/spans/{span}/", None),
    ("post", "/api/v1/spans/{span}/comments/", {"body": "Looks wrong."}),
    ("put", "/api/v1/spans/{span}/adjudication/", {"label": "True"}),
    (
        "post",
        "/api/v1/verdicts/",
        {
            "span": "{span}",
            "status": "submitted",
            "version": 0,
            "label": "True",
            "sources": [{"url": "https://example.org/x"}],
        },
    ),
    ("put", "/api/v1/verdicts/{verdict}/", {"status": "submitted", "version": 1, "label": "True"}),
    ("post", "/api/v1/verdicts/{verdict}/withdraw/", {"version": 1}),
    ("post", "/api/v1/verdicts/{verdict}/sources/", {"url": "https://example.org/x"}),
    ("put", "/api/v1/verdicts/{verdict}/sources/{source}/", {"url": "https://example.org/x"}),
    ("delete", "/api/v1/verdicts/{verdict}/sources/{source}/", None),
]


def _fill(value, ids: dict):
    """The request body with "{name}" placeholders replaced by ids (ints stay ints)."""
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


@pytest.mark.parametrize(("method", "template", "body"), VIEWER_WRITES)
def test_every_write_by_a_viewer_is_403_and_changes_nothing(
    api_as, viewer, reviewer, every_kind_of_row, method, template, body, assert_error
):
    ids = {**every_kind_of_row, "username": reviewer.username, "other_article": ArticleFactory().pk}
    client = api_as(viewer)
    before = _row_counts()

    response = getattr(client, method)(template.format(**ids), _fill(body, ids))

    assert_error(response, 403, "permission_denied")
    assert _row_counts() == before


@pytest.mark.parametrize("credentials", ["none", "revoked", "unknown"])
@pytest.mark.parametrize(("method", "template"), ENDPOINTS)
def test_every_endpoint_refuses_without_a_valid_token(
    every_kind_of_row, reviewer, method, template, credentials, assert_error
):
    client = APIClient()
    if credentials == "revoked":
        token, key = token_create(user=reviewer, name="old")
        token_revoke(token=token, actor=reviewer)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    elif credentials == "unknown":
        client.credentials(HTTP_AUTHORIZATION="Bearer fcw_" + "x" * 50)
    before = _row_counts()

    response = getattr(client, method)(template.format(**every_kind_of_row), {})

    assert_error(response, 401, "not_authenticated")
    assert _row_counts() == before


# --- schema and docs ------------------------------------------------------------------------------


def test_schema_is_openapi_3(anonymous):
    response = anonymous.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3")
    assert schema["info"]["title"] == "Fact-check workbench API"
    for path in (
        "/api/v1/articles/",
        "/api/v1/articles/bulk/",
        "/api/v1/projects/{id}/next/",
        "/api/v1/spans/{id}/adjudication/",
        "/api/v1/verdicts/{id}/withdraw/",
        "/api/v1/predictions/{id}/accept/",
        "/api/v1/me/",
        "/api/v1/health/",
    ):
        assert path in schema["paths"], path


def test_schema_default_is_yaml(anonymous):
    response = anonymous.get("/api/v1/schema/")

    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3")


def test_docs_serve_swagger_ui_from_local_static_files(anonymous):
    response = anonymous.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources, html
    assert not [src for src in sources if src.startswith(("https://", "http://", "//"))]
    # Split view: the init script is a file too, so that the page runs under script-src 'self'.
    assert not re.search(r"<script>(?!\s*</script>)", html)


def test_docs_init_script_is_served(anonymous):
    response = anonymous.get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "/api/v1/schema/" in response.content.decode()


# --- request size ---------------------------------------------------------------------------------


def test_body_above_the_limit_is_413(api_as, reviewer, project, article, settings, assert_error):
    settings.API_MAX_REQUEST_BYTES = 200

    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": article.pk, "start": 0, "end": 5, "note": "x" * 500},
    )

    body = assert_error(response, 413, "request_too_large")
    assert "200 bytes" in body["detail"]
    assert not Span.objects.exists()


def test_body_above_the_limit_is_413_before_authentication(anonymous, settings, assert_error):
    settings.API_MAX_REQUEST_BYTES = 100

    assert_error(
        anonymous.post("/api/v1/articles/", {"title": "t", "body": "x" * 500}),
        413,
        "request_too_large",
    )


def test_bulk_has_its_own_larger_limit(api_as, settings, assert_error):
    settings.API_MAX_REQUEST_BYTES = 200
    settings.API_MAX_BULK_BYTES = 5_000
    client = api_as(UserFactory(is_staff=True))
    items = [{"title": f"Item {n}", "body": f"Body number {n} " + "x" * 50} for n in range(5)]

    accepted = client.post("/api/v1/articles/bulk/", items)
    refused = client.post("/api/v1/articles/bulk/", items * 20)

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["created"] == 5
    assert_error(refused, 413, "request_too_large")
    assert Article.objects.count() == 5


# --- throttling -----------------------------------------------------------------------------------


@pytest.fixture
def token_rate(monkeypatch):
    """DRF reads rates when the throttle class is defined: patch the class, not the settings."""
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})


@pytest.fixture
def anon_rate(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})


def test_token_throttled_after_its_rate(reviewer, project, token_rate, assert_error):
    _, key = token_create(user=reviewer, name="scraper")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    codes = [client.get("/api/v1/me/").status_code for _ in range(3)]
    throttled = client.get("/api/v1/me/")

    assert codes == [200, 200, 200]
    body = assert_error(throttled, 429, "throttled")
    assert "throttled" in body["detail"].lower()
    assert int(throttled["Retry-After"]) > 0


def test_token_throttle_counts_per_token(api_as, reviewer, project, token_rate):
    first, second = api_as(reviewer), api_as(reviewer)
    for _ in range(3):
        first.get("/api/v1/me/")

    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_token_throttle_counts_writes_too(api_as, reviewer, project, article, token_rate):
    client = api_as(reviewer)
    for _ in range(3):
        client.get("/api/v1/projects/")

    response = client.post(
        "/api/v1/spans/", {"project": project.pk, "article": article.pk, "start": 0, "end": 5}
    )

    assert response.status_code == 429
    assert not Span.objects.exists()


def test_session_throttled_per_user(reviewer, project, token_rate):
    client = APIClient()
    client.force_login(reviewer)
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200

    assert client.get("/api/v1/me/").status_code == 429


def test_anonymous_throttled_by_ip(anonymous, anon_rate, assert_error):
    url = "/api/v1/docs/?script="
    codes = [anonymous.get(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(2)]

    throttled = anonymous.get("/api/v1/schema/?format=json", REMOTE_ADDR="10.0.0.1")
    other_ip = anonymous.get(url, REMOTE_ADDR="10.0.0.2")

    assert codes == [200, 200]
    assert_error(throttled, 429, "throttled")
    assert other_ip.status_code == 200


@pytest.fixture
def failed_auth_rate(monkeypatch):
    monkeypatch.setattr(FailedAuthentications, "THROTTLE_RATES", {"failed_auth": "3/min"})


def _bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


# Doors of every kind: viewset list and action, plain API views, a write.
DOORS = [
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/spans/"),
    ("post", "/api/v1/articles/bulk/"),
    ("get", "/api/v1/projects/1/export/"),
    ("get", "/api/v1/projects/1/agreement/"),
]


@pytest.mark.parametrize(("method", "url"), DOORS)
def test_refused_credentials_throttled_per_ip(
    reviewer, project, failed_auth_rate, assert_error, method, url
):
    # The probe: bad credentials were answered 401 forever, at any speed.
    guesser = _bearer("not-a-token")
    codes = [getattr(guesser, method)(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)]

    throttled = getattr(guesser, method)(url, REMOTE_ADDR="10.0.0.1")

    assert codes == [401, 401, 401]
    body = assert_error(throttled, 429, "throttled")
    assert "try again" in body["detail"]
    assert 0 < int(throttled["Retry-After"]) <= 60
    # Other addresses are unaffected.
    assert getattr(guesser, method)(url, REMOTE_ADDR="10.0.0.2").status_code == 401


def test_refused_credentials_throttle_refuses_a_right_guess_too(reviewer, failed_auth_rate):
    _, key = token_create(user=reviewer, name="mine")
    for _ in range(3):
        _bearer("guess").get("/api/v1/me/", REMOTE_ADDR="10.0.0.1")

    # A right guess must look like a wrong one, or the guessing would go on.
    assert _bearer(key).get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert _bearer(key).get("/api/v1/me/", REMOTE_ADDR="10.0.0.2").status_code == 200
    # A browser session from the same address sends no credentials: not refused.
    session = APIClient()
    session.force_login(reviewer)
    assert session.get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_refused_credentials_throttle_ends_with_its_window(reviewer, failed_auth_rate, monkeypatch):
    now = [1_000_000.0]  # 40 s into a minute
    monkeypatch.setattr(FailedAuthentications, "timer", lambda self: now[0])
    _, key = token_create(user=reviewer, name="mine")
    for _ in range(3):
        _bearer("guess").get("/api/v1/me/", REMOTE_ADDR="10.0.0.1")
    blocked = _bearer(key).get("/api/v1/me/", REMOTE_ADDR="10.0.0.1")

    now[0] += 60

    assert (blocked.status_code, blocked["Retry-After"]) == (429, "20")
    assert _bearer(key).get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_requests_without_credentials_are_not_counted(anonymous, failed_auth_rate):
    codes = [anonymous.get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(5)]

    assert codes == [401] * 5
    assert _bearer("guess").get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 401


def test_accepted_credentials_are_not_counted(reviewer, failed_auth_rate):
    _, key = token_create(user=reviewer, name="mine")
    client = _bearer(key)

    codes = [client.get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(5)]

    assert codes == [200] * 5


def test_refused_credentials_counted_per_forwarded_client_behind_a_proxy(
    failed_auth_rate, settings, monkeypatch
):
    from rest_framework.settings import api_settings

    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1, raising=False)
    guesser = _bearer("guess")
    for _ in range(3):
        guesser.get("/api/v1/me/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.5")

    blocked = guesser.get("/api/v1/me/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = guesser.get("/api/v1/me/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert (blocked.status_code, other.status_code) == (429, 401)


def test_health_is_never_throttled(anonymous, anon_rate):
    assert [anonymous.get("/api/v1/health/").status_code for _ in range(5)] == [200] * 5


def test_anonymous_throttle_not_escaped_by_forwarded_for(anonymous, anon_rate):
    url = "/api/v1/docs/?script="
    codes = [
        anonymous.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]

    assert codes[-1] == 429


# --- session authentication needs CSRF for writes -------------------------------------------------


@pytest.fixture
def browser(reviewer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    return client


def test_session_reads_need_no_csrf(browser, reviewer, project):
    response = browser.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["id"] == reviewer.pk


def test_session_write_without_csrf_is_403(browser, project, article, assert_error):
    response = browser.post(
        "/api/v1/spans/", {"project": project.pk, "article": article.pk, "start": 0, "end": 7}
    )

    body = assert_error(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    assert not Span.objects.exists()


def test_session_verdict_without_csrf_is_403(browser, span, assert_error):
    response = browser.post("/api/v1/verdicts/", {"span": span.pk, "status": "draft", "version": 0})

    assert_error(response, 403, "permission_denied")
    assert not Verdict.objects.exists()


def test_session_write_with_csrf_token_succeeds(browser, reviewer, project, article):
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret

    response = browser.post(
        "/api/v1/spans/",
        {"project": project.pk, "article": article.pk, "start": 0, "end": 7},
        HTTP_X_CSRFTOKEN=secret,
    )

    assert response.status_code == 201, response.content
    assert Span.objects.get().created_by == reviewer


def test_token_write_needs_no_csrf(api_as, reviewer, project, article):
    # A token is not sent by browsers on their own, so it needs no CSRF token.
    client = api_as(reviewer)
    client.handler.enforce_csrf_checks = True

    response = client.post(
        "/api/v1/spans/", {"project": project.pk, "article": article.pk, "start": 0, "end": 7}
    )

    assert response.status_code == 201, response.content


# --- one error shape ------------------------------------------------------------------------------


def test_every_4xx_has_the_error_shape(
    api_as,
    anonymous,
    editor,
    reviewer,
    viewer,
    outsider,
    project,
    span,
    settings,
    assert_error,
    monkeypatch,
):
    as_reviewer, as_viewer = api_as(reviewer), api_as(viewer)
    mine = VerdictFactory(span=span, reviewer=reviewer, label="False")

    cases = [
        (
            as_reviewer.post("/api/v1/spans/", {"project": project.pk}),
            400,
            "validation_error",
        ),
        (
            as_reviewer.generic(
                "POST", "/api/v1/spans/", "{not json", content_type="application/json"
            ),
            400,
            "validation_error",
        ),
        (anonymous.get("/api/v1/spans/"), 401, "not_authenticated"),
        (
            as_viewer.put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "True"}),
            403,
            "permission_denied",
        ),
        (api_as(outsider).get(f"/api/v1/spans/{span.pk}/"), 404, "not_found"),
        (as_viewer.delete(f"/api/v1/projects/{project.pk}/"), 405, "method_not_allowed"),
        (
            as_viewer.get("/api/v1/projects/", HTTP_ACCEPT="text/html"),
            406,
            "not_acceptable",
        ),
        (
            as_reviewer.put(
                f"/api/v1/verdicts/{mine.pk}/",
                {"status": "submitted", "version": 7, "label": "True"},
            ),
            409,
            "conflict",
        ),
        (
            as_reviewer.generic("POST", "/api/v1/spans/", "project=1", content_type="text/plain"),
            415,
            "unsupported_media_type",
        ),
    ]
    for response, status, type_ in cases:
        assert_error(response, status, type_)

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    settings.API_MAX_REQUEST_BYTES = 10
    assert_error(
        as_reviewer.post("/api/v1/spans/", {"project": project.pk, "note": "x" * 50}),
        413,
        "request_too_large",
    )
    throttled = api_as(editor)
    for _ in range(3):
        throttled.get("/api/v1/me/")
    assert_error(throttled.get("/api/v1/me/"), 429, "throttled")


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-resource/", "/api/v1/spans/not-a-number/", "/api/v1/projects/abc/"]
)
def test_unknown_api_path_has_the_error_shape(api_as, reviewer, path, assert_error):
    response = api_as(reviewer).get(path)

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_unknown_api_path_written_to_with_a_session_is_404_not_a_csrf_page(
    reviewer, method, assert_error
):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)

    response = getattr(client, method)("/api/v1/articles/not-a-number/", {"language": "ar"})

    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


def test_list_queries_do_not_depend_on_request_count(api_as, reviewer, project, count_queries):
    # The token's last use is written at most once a minute, not on every request.
    client = api_as(reviewer)
    client.get("/api/v1/me/")
    _, first = count_queries(client, "/api/v1/me/")
    _, second = count_queries(client, "/api/v1/me/")

    assert first == second
