"""Full-text search of claims (text and claimant) through the claims API's `q` and the checked-
claims list, and of quotes and articles through the editor's tables: accents ignored, the
websearch syntax, the best match first unless a sort is asked for, flat query counts, a 400 for
bad input at the API, and no claim of another project found."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from corpus.search import SEARCH_MAX_CHARS
from tests.factories import ArticleFactory, ClaimFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(project):
    return {
        "geneva": ClaimFactory(project=project, text="Talks in Genève will resume in January."),
        "claimant": ClaimFactory(
            project=project, text="The ferry is late again.", claimant="Mayor of Geneve"
        ),
        "spanish": ClaimFactory(
            project=project, language="es", text="La acción del gobierno fue un éxito."
        ),
        "elsewhere": ClaimFactory(text="Genève talks, in another project."),
    }


def _api_ids(client, **params) -> list[int]:
    response = client.get("/api/v1/claims/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_api_finds_claims_ranked_accents_ignored(api_as, viewer, claims):
    client = api_as(viewer)
    # The text (weight A) before the claimant (B); the other project's claim is never found.
    assert _api_ids(client, q="geneve") == [claims["geneva"].pk, claims["claimant"].pk]
    assert _api_ids(client, q="ACCION") == [claims["spanish"].pk]
    assert _api_ids(client, q='"will resume"') == [claims["geneva"].pk]
    assert _api_ids(client, q="geneve -mayor") == [claims["geneva"].pk]
    found = _api_ids(client, q="ferry or exito")
    assert sorted(found) == sorted([claims["claimant"].pk, claims["spanish"].pk])


def test_an_ordering_overrides_the_rank(api_as, viewer, claims):
    found = _api_ids(api_as(viewer), q="geneve", ordering="-created")
    assert found == [claims["claimant"].pk, claims["geneva"].pk]


def test_the_api_refuses_a_long_or_nul_query(api_as, viewer, assert_error):
    client = api_as(viewer)
    too_long = client.get("/api/v1/claims/", {"q": "a" * (SEARCH_MAX_CHARS + 1)})
    assert_error(too_long, 400, "validation_error", "q")
    assert_error(client.get("/api/v1/claims/", {"q": "a\x00"}), 400, "validation_error", "q")


def test_an_outsider_finds_nothing(api_as, outsider, claims):
    assert _api_ids(api_as(outsider), q="geneve") == []


@pytest.mark.parametrize("n", [2, 30])
def test_the_api_search_stays_flat(api_as, viewer, project, n, django_assert_max_num_queries):
    ClaimFactory.create_batch(n, project=project, text="Talks in Genève resume.")
    client = api_as(viewer)
    with django_assert_max_num_queries(6):
        assert len(_api_ids(client, q="geneve talks")) == n


@pytest.mark.postgres
def test_a_claim_is_stemmed_in_its_language(api_as, viewer, claims):
    assert _api_ids(api_as(viewer), q="exitos") == [claims["spanish"].pk]  # Spanish: exit


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_checked_claims_list_puts_the_best_match_first(editor, project, claims):
    url = reverse("annotate:checked-claims", args=[project.pk])
    page = _client(editor).get(url, {"q": "geneve"}).content.decode()
    assert page.index("Talks in Genève") < page.index("The ferry is late")
    assert "another project" not in page
    # Sorted as asked, the rank gives way.
    page = _client(editor).get(url, {"q": "geneve", "sort": "-created"}).content.decode()
    assert page.index("The ferry is late") < page.index("Talks in Genève")


@pytest.fixture
def quotes(project, editor):
    article = ArticleFactory(
        title="Lake report",
        body="The mayor of Genève spoke. Acción was promised. Nothing about the lake.",
    )
    spans = {
        "geneva": SpanFactory(project=project, article=article, text="The mayor of Genève spoke."),
        "accion": SpanFactory(project=project, article=article, text="Acción was promised."),
    }
    call_command("search_index", stdout=io.StringIO())  # PostgreSQL: the vectors
    return spans


def _table_ids(client, project, **params) -> list[int]:
    response = client.get(reverse("annotate:claims", args=[project.pk]), params)
    assert response.status_code == 200
    return [span.pk for span in response.context["rows"]]


def test_the_claims_table_searches_quotes_accents_ignored(editor, project, quotes):
    client = _client(editor)
    assert _table_ids(client, project, q="geneve") == [quotes["geneva"].pk]
    assert _table_ids(client, project, q="accion") == [quotes["accion"].pk]
    assert _table_ids(client, project, q='"was promised" -mayor') == [quotes["accion"].pk]
    assert _table_ids(client, project, q="lake") == []  # in the article, not in a quote


def test_the_claims_table_search_is_the_projects_own(outsider, make_project, quotes):
    other = make_project(editors=[outsider], reviewers=[], viewers=[], articles=[])
    assert _table_ids(_client(outsider), other, q="geneve") == []


def test_the_articles_table_ranks_titles_first(editor, project, quotes):
    in_body = ArticleFactory(title="Ferry news", body="The lake ferry is late.")
    project.articles.add(in_body)
    call_command("search_index", stdout=io.StringIO())  # PostgreSQL: the vectors
    response = _client(editor).get(reverse("annotate:articles", args=[project.pk]), {"q": "lake"})
    titles = [article.title for article in response.context["page"].object_list]
    assert titles == ["Lake report", "Ferry news"]


@pytest.mark.postgres
def test_quotes_are_found_by_a_scan_until_indexed_then_stemmed_in_their_language(editor, project):
    article = ArticleFactory(language="es", body="Las elecciones fueron limpias. Nada más.")
    span = SpanFactory(project=project, article=article, text="Las elecciones fueron limpias.")
    client = _client(editor)
    assert _table_ids(client, project, q="elecciones") == [span.pk]  # the scan: a substring
    assert _table_ids(client, project, q="eleccion") == [span.pk]
    assert _table_ids(client, project, q="elección") == []  # no accent folding in the scan
    out = io.StringIO()
    call_command("search_index", stdout=out)
    assert "1 quotes" in out.getvalue()
    assert _table_ids(client, project, q="elección") == [span.pk]  # Spanish stem, unaccented
    assert _table_ids(client, project, q="limpia") == [span.pk]
