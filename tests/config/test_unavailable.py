"""A lost database (issue 13): 503 with Retry-After in the API's error shape, a styled 503 page,
and the health check saying 503, never Django's bare "Server Error (500)"."""

import socket
import sqlite3
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.test import Client

from config.api.errors import RETRY_AFTER_S, is_database_unavailable
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(error: Exception):
    """Every new cursor fails as it does when PostgreSQL is restarting or unreachable."""
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=error):
        yield


OUTAGES = [
    OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused"),
    InterfaceError("connection already closed"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=["refused", "closed"])
def test_api_answers_503_in_the_error_shape_with_retry_after(api_as, reviewer, error):
    client = api_as(reviewer)  # the token is checked in the database: the first query fails
    with database_down(error):
        response = client.get("/api/v1/articles/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(RETRY_AFTER_S)
    assert response.json() == {
        "type": "service_unavailable",
        "detail": "The database is unavailable; try again shortly.",
        "errors": {},
    }


def test_api_write_during_the_outage_answers_503(api_as, editor):
    client = api_as(editor)
    with database_down(OUTAGES[0]):
        response = client.post(
            "/api/v1/articles/", {"title": "T", "body": "A body."}, format="json"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_S)


def test_health_keeps_answering_503(anonymous):
    with database_down(OUTAGES[0]):
        response = anonymous.get("/api/v1/health/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "broker": "none",
        "workers": None,
    }


@pytest.mark.parametrize("error", OUTAGES, ids=["refused", "closed"])
def test_page_answers_a_styled_503(logged_in_client, error):
    with database_down(error):  # the session is read from the database: the first query fails
        response = logged_in_client.get("/review/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_S)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Back in a moment" in page
    assert 'href="/static/css/app.css"' in page


def test_page_of_an_article_answers_503(logged_in_client):
    article = ArticleFactory()
    with database_down(OUTAGES[0]):
        response = logged_in_client.get(f"/articles/{article.pk}/")
    assert response.status_code == 503


def test_failure_outside_a_view_still_answers_503():
    """A middleware that loses the database (here the session, read before any view runs)
    reaches handler500, which answers 503 too."""
    client = Client(raise_request_exception=False)
    with (
        database_down(OUTAGES[0]),
        mock.patch(
            "django.contrib.sessions.middleware.SessionMiddleware.process_request",
            side_effect=OUTAGES[0],
        ),
    ):
        page = client.get("/review/")
        api = client.get("/api/v1/articles/")
    assert (page.status_code, api.status_code) == (503, 503)
    assert "Back in a moment" in page.content.decode()
    assert api.json()["type"] == "service_unavailable"
    assert api["Retry-After"] == str(RETRY_AFTER_S)


def test_other_api_errors_answer_500_in_the_error_shape(api_as, reviewer):
    client = api_as(reviewer)
    client.raise_request_exception = False
    with mock.patch(
        "django.contrib.sessions.middleware.SessionMiddleware.process_request",
        side_effect=RuntimeError("a bug"),
    ):
        response = client.get("/api/v1/articles/")
    assert response.status_code == 500
    assert response.json() == {"type": "server_error", "detail": "Server error.", "errors": {}}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refused_postgres_connection_answers_503_and_recovers(api_as, reviewer, client, user):
    """A real outage: psycopg cannot connect (nothing listens on the port). Then it is back."""
    api = api_as(reviewer)
    client.force_login(user)
    connection = connections["default"]
    connection.close()
    with mock.patch.dict(connection.settings_dict, {"HOST": "127.0.0.1", "PORT": _closed_port()}):
        answers = [
            api.get("/api/v1/articles/"),
            api.get("/api/v1/health/"),
            client.get("/review/"),
        ]
        connection.close()
    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert answers[0].json()["type"] == "service_unavailable"
    assert answers[0]["Retry-After"] == answers[2]["Retry-After"] == str(RETRY_AFTER_S)
    assert "Back in a moment" in answers[2].content.decode()
    assert api.get("/api/v1/articles/").status_code == 200


def _driver_error(sql: str, params: list | None = None) -> BaseException:
    """The error Django raises for `sql`, run for real (in a savepoint the test can go on)."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return raised.value


def test_a_failing_statement_is_a_bug_not_an_outage():
    """SQLite raises OperationalError for statement errors too (no such table, an FTS5 syntax
    error); PostgreSQL for a cancelled statement. None is an outage: they answer 500."""
    if connection.vendor == "sqlite":
        errors = [
            _driver_error("SELECT * FROM no_such_table"),
            _driver_error(
                "SELECT rowid FROM corpus_article_fts WHERE corpus_article_fts MATCH %s",
                ['"unclosed'],
            ),
        ]
    else:
        errors = [_driver_error("SET LOCAL statement_timeout = 1; SELECT pg_sleep(0.1)")]
    assert all(isinstance(error, OperationalError) for error in errors)
    assert [is_database_unavailable(error) for error in errors] == [False] * len(errors)


@pytest.mark.django_db(transaction=True)
def test_a_busy_sqlite_file_or_a_lost_postgres_connection_is_an_outage(tmp_path):
    if connection.vendor == "sqlite":
        # Another writer holds the file past the busy timeout.
        path = tmp_path / "busy.sqlite3"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("CREATE TABLE t (n int)")
        holder.execute("BEGIN EXCLUSIVE")
        waiter = sqlite3.connect(path, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError) as raised:
                waiter.execute("SELECT * FROM t")
        finally:
            holder.close()
            waiter.close()
        error = OperationalError(str(raised.value))
        error.__cause__ = raised.value
    else:
        # The server ends this connection, as a restart does.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connection.copy()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.close()
        with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        connection.close()
        error = raised.value
    assert is_database_unavailable(error)
