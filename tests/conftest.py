"""The one family of shared fixtures: settings every test runs under, the people of a project by
role, a project with every role, token-authenticated API clients, and helpers asserting the one
error shape and flat query counts. Objects come from tests/factories.py."""

import os
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import token_create
from annotate.models import Project
from tests.annotate.jobs import kinds as _job_kinds  # noqa: F401 (registers test-countdown)
from tests.datasets.exports import build_known_project
from tests.factories import (
    EMOJI_BODY,
    ArticleFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)
from tests.web_pages import LocalSite


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite, except where PostgreSQL is required: then they fail."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        raise pytest.UsageError("REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _static_files_from_the_apps(settings):
    """Serve static files as runserver does: tests run without `collectstatic`'s manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True
    # A deliberately slow hash protects real passwords; test users need none of that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _files_and_jobs(settings, tmp_path):
    """Stored files (job outputs) go to a folder of the test's own (job ids repeat across tests,
    and so would their file names); jobs report every step."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JOB_PROGRESS_INTERVAL_S = 0


@pytest.fixture(autouse=True)
def _no_claim_vectors_of_other_tests():
    """Claim vectors are cached per process by project id and version, and both repeat across
    tests (rolled back): each test starts with none cached."""
    from annotate.claims.matching.vectors import vectors_forget

    vectors_forget()


@pytest.fixture(autouse=True)
def _client_login_through_the_login_throttle(monkeypatch):
    """Login throttling (django-axes) stays on in every test, as in production. Its backend needs
    the request, which the test client's login() does not pass to authenticate(): give it a login
    POST from 127.0.0.1, so client.login() counts failures and honours lockouts as the form does.
    force_login() skips authentication and is never throttled."""
    login = Client.login

    def login_with_a_request(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/login/"))
        return login(self, **credentials)

    monkeypatch.setattr(Client, "login", login_with_a_request)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def logged_in_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache: no test may inherit another's request history."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(db) -> Callable[[object], APIClient]:
    """A client sending a fresh personal token of the given user: `api_as(user).get(...)`."""

    def make(user) -> APIClient:
        _, key = token_create(user=user, name="api tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(db):
    return UserFactory()


@pytest.fixture
def reviewer(db):
    return UserFactory()


@pytest.fixture
def other_reviewer(db):
    return UserFactory()


@pytest.fixture
def viewer(db):
    return UserFactory()


@pytest.fixture
def reviewers(reviewer, other_reviewer):
    """The project's three reviewers: `reviewer`, `other_reviewer` and a third."""
    return [reviewer, other_reviewer, UserFactory()]


@pytest.fixture
def staff(db):
    """Staff without superuser rights (reads the whole corpus, creates projects)."""
    return UserFactory(is_staff=True)


@pytest.fixture
def outsider(db):
    """A reviewer of another project: everything of `project` must look absent to them."""
    user = UserFactory()
    ProjectFactory(reviewers=[user], articles=[ArticleFactory()])
    return user


@pytest.fixture
def article(request, db):
    """An article; `@pytest.mark.article(body=...)` (any ArticleFactory field) changes it."""
    return ArticleFactory(**_mark_fields(request, "article"))


@pytest.fixture
def emoji_article(project):
    """An article of `project` with an emoji (two UTF-16 units) and a passage that occurs twice."""
    article = ArticleFactory(body=EMOJI_BODY)
    project.articles.add(article)
    return article


@pytest.fixture
def make_project(request, db):
    """`make_project(**fields)`: a ProjectFactory project whose members are, unless `fields` say
    otherwise (`reviewers=[]`, `viewers=[viewer]`), `editor`, the three `reviewers` and `viewer`.
    Members may be named by fixture (`reviewers=["reviewer"]`), as marks must."""

    def people(value) -> list:
        if isinstance(value, str):
            return request.getfixturevalue(value)
        return [request.getfixturevalue(v) if isinstance(v, str) else v for v in value]

    def make(**fields) -> Project:
        for role, default in (
            ("editors", ["editor"]),
            ("reviewers", "reviewers"),
            ("viewers", ["viewer"]),
        ):
            fields[role] = people(fields.get(role, default))
        return ProjectFactory(**fields)

    return make


@pytest.fixture
def project(request, make_project):
    """A blind-review PolitiFact project (2 reviews per claim, sources required) with `article`
    and every role. A module or test changes it by a mark taking `make_project`'s fields:
    `pytestmark = pytest.mark.project(slug="politifact", reviewers=[], viewers=[], articles=[])`."""
    fields = _mark_fields(request, "project")
    if "articles" not in fields:
        fields["articles"] = [request.getfixturevalue("article")]
    return make_project(**fields)


@pytest.fixture
def span(request, project, article, editor):
    """The first sentence of `article`, highlighted by the editor; `@pytest.mark.span(text=...)`
    (any SpanFactory field) changes it."""
    return SpanFactory(
        **{"project": project, "article": article, "created_by": editor}
        | _mark_fields(request, "span")
    )


def _mark_fields(request, name: str) -> dict:
    """The keyword arguments of the closest `@pytest.mark.<name>(...)` of the test, or none."""
    mark = request.node.get_closest_marker(name)
    return dict(mark.kwargs) if mark else {}


@pytest.fixture
def admin_client(client, staff_user):
    """pytest-django's `admin_client`, logged in as `staff_user` so a test can name the actor."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def known(db):
    """The small known project the dataset exports and imports are checked against."""
    return build_known_project()


def _assert_error(response, status: int, type_: str, *fields: str) -> dict:
    """The response is the one error shape, with the status, type and (at least) these fields."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"type", "detail", "errors"}, body
    assert body["type"] == type_, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["errors"], dict), body
    for field in fields:
        assert field in body["errors"], body
        messages = body["errors"][field]
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(message, str) and message for message in messages), body
    return body


@pytest.fixture
def assert_error():
    """`assert_error(response, 400, "validation_error", "field", ...)` -> the body."""
    return _assert_error


@pytest.fixture
def count_queries():
    """`count_queries(client, url)` -> (response, number of SQL queries the request ran)."""

    def run(client: APIClient, url: str):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content
        return response, len(captured)

    return run


@pytest.fixture
def local_site():
    """A web site on 127.0.0.1 (tests/web_pages.py) for fetching by URL."""
    with LocalSite() as site:
        yield site


@pytest.fixture
def private_hosts_allowed(settings):
    """Fetching by URL may reach 127.0.0.1 (where `local_site` runs)."""
    settings.FETCH_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def webhook_receiver(settings):
    """A local site (tests/web_pages.py) receiving webhooks: deliveries may reach 127.0.0.1."""
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    with LocalSite() as site:
        yield site
