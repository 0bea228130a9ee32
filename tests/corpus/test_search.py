"""Full-text search of articles (corpus.search) through its doors: the articles page's `?q=`,
the API's `q` filter, the `search_index` command and the import that schedules it. Accents are
ignored both ways, the websearch syntax works, the best match comes first, bad input is a 400,
and nobody finds articles they may not read. PostgreSQL-only: stemming in each article's
language, and the plain scan that finds articles whose vector is not computed yet."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from corpus.importers.base import ArticleDraft
from corpus.search import SEARCH_MAX_CHARS, fts_query, search_config_for, websearch_query
from corpus.services import import_articles
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

LIST = reverse("corpus:article-list")


def _indexed() -> str:
    """Run the search_index command (what an import's background run does) and its output."""
    out = io.StringIO()
    call_command("search_index", stdout=out)
    return out.getvalue()


def _page(client: Client, q: str) -> list[str]:
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200, response.content
    return [article.title for article in response.context["page"]]


@pytest.fixture
def member(editor, project) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def newsroom(project):
    """Articles of `project` (the editor reads them), named by what each is to be found for."""
    articles = {
        "geneva": ArticleFactory(
            title="Summit in Genève",
            body="Leaders were running talks about a lasting peace summit.",
        ),
        "daily": ArticleFactory(
            title="Weather report",
            publisher="Geneve Daily",
            body="Rain over the lake; the ferry talks were cancelled.",
        ),
        "spanish": ArticleFactory(
            title="Elecciones en España",
            language="es",
            body="La acción del gobierno durante las elecciones generales fue criticada.",
        ),
        "french": ArticleFactory(
            title="Les négociations reprennent",
            language="fr",
            body="Les ministres négocient un accord sur les retraites.",
        ),
    }
    project.articles.add(*articles.values())
    _indexed()
    return articles


def test_accents_are_ignored_both_ways(member, newsroom):
    assert _page(member, "geneve") == ["Summit in Genève", "Weather report"]
    assert _page(member, "Genève") == ["Summit in Genève", "Weather report"]
    assert _page(member, "accion") == ["Elecciones en España"]
    assert _page(member, "ACCIÓN") == ["Elecciones en España"]


def test_the_best_match_comes_first(member, project, newsroom):
    """A title (weight A) outranks a publisher (B), which outranks a body (C)."""
    in_body = ArticleFactory(title="Ferry timetable", body="Boats leave Geneve hourly.")
    project.articles.add(in_body)
    _indexed()
    assert _page(member, "geneve") == ["Summit in Genève", "Weather report", "Ferry timetable"]


def test_websearch_syntax_phrase_or_and_exclusion(member, newsroom):
    assert _page(member, '"peace summit"') == ["Summit in Genève"]
    assert _page(member, '"summit peace"') == []
    found = _page(member, "talks -ferry")
    assert "Summit in Genève" in found and "Weather report" not in found
    assert set(_page(member, "accion or retraites")) == {
        "Elecciones en España",
        "Les négociations reprennent",
    }
    # Words FTS5 or tsquery would read as their own syntax are plain words here.
    assert _page(member, 'summit AND NOT "  NEAR( ) * ^ : |') == []
    # No word to find (only exclusions, or operators alone): nothing, rather than everything.
    assert _page(member, "-ferry") == []
    assert _page(member, '" * -') == []


def test_a_query_too_long_or_with_nul_is_400(member, newsroom, api_as, editor, assert_error):
    assert member.get(LIST, {"q": "a" * (SEARCH_MAX_CHARS + 1)}).status_code == 400
    assert member.get(LIST, {"q": "talks\x00"}).status_code == 400
    client = api_as(editor)
    assert_error(
        client.get("/api/v1/articles/", {"q": "a" * (SEARCH_MAX_CHARS + 1)}),
        400,
        "validation_error",
        "q",
    )
    assert_error(client.get("/api/v1/articles/", {"q": "talks\x00"}), 400, "validation_error", "q")
    assert client.get("/api/v1/articles/", {"q": "a" * SEARCH_MAX_CHARS}).status_code == 200


def test_the_api_q_filter_ranks_unless_an_ordering_is_given(api_as, editor, newsroom):
    client = api_as(editor)
    found = client.get("/api/v1/articles/", {"q": "geneve"}).json()["results"]
    assert [row["title"] for row in found] == ["Summit in Genève", "Weather report"]
    found = client.get("/api/v1/articles/", {"q": "geneve", "ordering": "-title"}).json()
    assert [row["title"] for row in found["results"]] == ["Weather report", "Summit in Genève"]


def test_nobody_finds_articles_they_may_not_read(api_as, outsider, newsroom):
    client = Client()
    client.force_login(outsider)
    assert _page(client, "geneve") == []
    assert api_as(outsider).get("/api/v1/articles/", {"q": "geneve"}).json()["results"] == []


@pytest.mark.parametrize("n", [1, 20])
def test_the_search_page_and_api_stay_flat(
    member, api_as, editor, project, n, django_assert_max_num_queries
):
    articles = [ArticleFactory(title=f"Summit {i}", body=f"Talks {i} in Genève.") for i in range(n)]
    project.articles.add(*articles)
    _indexed()
    # PostgreSQL: the first matches are looked up in a savepoint of their own, after asking
    # the planner how common a single word is (corpus.search._first_matches).
    with django_assert_max_num_queries(9):
        assert len(_page(member, "geneve talks")) == n
    client = api_as(editor)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/articles/", {"q": "geneve"}).json()["count"] == n


def test_search_config_for_maps_languages():
    assert search_config_for("en") == "english"
    assert search_config_for("pt-BR") == "portuguese"
    assert search_config_for("es_MX") == "spanish"
    assert search_config_for("ja") == "simple"
    assert search_config_for("") == "simple"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("talks", '"talks"*'),
        ("Genève talks", '"Genève"* AND "talks"*'),
        ('"peace summit" -war', '("peace summit") NOT "war"*'),
        ("talks or summit", '("talks"* OR "summit"*)'),
        ("well-known", '("well"* "known"*)'),
        ('NEAR( "a', '"NEAR"* AND "a"'),
        ("-war", None),
        ("  * ^ ", None),
    ],
)
def test_the_websearch_syntax_becomes_a_quoted_fts5_query(text, query):
    assert fts_query(text) == query


@pytest.mark.postgres
def test_each_article_is_stemmed_in_its_own_language(member, newsroom):
    assert _page(member, "elección") == ["Elecciones en España"]  # Spanish stem: eleccion
    assert _page(member, "negocier") == ["Les négociations reprennent"]  # French: negoci
    assert _page(member, "run") == ["Summit in Genève"]  # English: running -> run
    assert _page(member, "the") == []  # an English stop word


@pytest.mark.postgres
def test_articles_without_a_vector_are_found_by_a_plain_scan_until_indexed(member, project):
    _indexed()
    article = ArticleFactory(title="Fresh news", body="Negotiators were running late.")
    project.articles.add(article)
    assert _page(member, "running") == ["Fresh news"]  # the scan: a substring
    assert _page(member, "run") == ["Fresh news"]
    assert _page(member, "runs") == []  # no stemming before the index
    assert _indexed().startswith("indexed 1 articles")
    assert _page(member, "runs") == ["Fresh news"]
    assert _indexed().startswith("indexed 0 articles")


@pytest.mark.postgres
def test_a_changed_text_is_indexed_again(member, newsroom):
    article = newsroom["geneva"]
    article.body = "Negotiators met by the lake."
    article.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector FROM corpus_article WHERE id = %s", [article.pk])
        assert cursor.fetchone() == (None,)
    assert _indexed().startswith("indexed 1 articles")
    assert _page(member, "negotiator") == ["Summit in Genève"]
    assert _page(member, "peace") == []


@pytest.mark.postgres
def test_an_import_computes_the_vectors_after_it_commits(
    member, project, django_capture_on_commit_callbacks
):
    draft = ArticleDraft(
        title="Imported",
        body="Elections were held.",
        raw_text="Elections were held.",
        origin="x.txt",
        language="en",
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = import_articles(items=[draft])
    assert report.created == 1
    project.articles.add(project.articles.model.objects.get(title="Imported"))
    assert _page(member, "election") == ["Imported"]  # stemmed: the vector is there
    assert _indexed().startswith("indexed 0 articles")


@pytest.mark.postgres
def test_past_the_cap_only_that_many_matches_are_ranked_and_counted(member, project, monkeypatch):
    """A common word costs about what a rare one does: only the first matches are ranked."""
    import dataclasses

    from corpus import selectors

    budgets = [
        ArticleFactory(title=f"Budget {n}", body=f"Budget talks, round {n}.") for n in range(3)
    ]
    project.articles.add(*budgets)
    _indexed()
    assert len(_page(member, "budget")) == 3
    monkeypatch.setattr(
        selectors, "ARTICLE_INDEX", dataclasses.replace(selectors.ARTICLE_INDEX, ranked_at_most=2)
    )
    response = member.get(LIST, {"q": "budget"})
    assert response.context["page"].paginator.count == 2
    assert "At least 2 articles match “budget”" in response.content.decode()
    assert set(_page(member, "budget")) < {article.title for article in budgets}
    # Words to AND read the GIN index (corpus.search._first_matches): the same answer.
    assert len(_page(member, "budget talks")) == 2
    assert _page(member, "budget round 1") == ["Budget 1"]
    response = member.get(LIST, {"q": "round 1"})
    assert "1 article matching “round 1”" in response.content.decode()  # under the cap


@pytest.mark.postgres
def test_a_query_is_parsed_only_in_the_configurations_vectors_are_in(member, project):
    """Articles and quotes: the languages indexed, not all 30 (fewer forms, fewer index lists
    read); the first vector of a new language adds its configuration."""
    project.articles.add(ArticleFactory(title="Talks", body="Ministers said talks went well."))
    _indexed()
    every = websearch_query("said")
    stored = websearch_query("said", stored_configs=True)
    assert "saidi" in every  # the Indonesian stemmer's form
    assert "saidi" not in stored and "said" in stored
    project.articles.add(
        ArticleFactory(title="Accord", language="fr", body="Les négociations reprennent.")
    )
    assert _page(member, "negocier") == []  # no French vector yet, nor the word itself
    _indexed()
    assert _page(member, "negocier") == ["Accord"]  # French stem: negoci
