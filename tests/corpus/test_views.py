import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_members_read_only_their_projects_articles(logged_in_client, user):
    mine, theirs, unassigned = ArticleFactory.create_batch(3)
    ProjectFactory(reviewers=[user], articles=[mine])
    ProjectFactory(articles=[theirs])

    listing = logged_in_client.get(reverse("corpus:article-list"))
    searched = logged_in_client.get(reverse("corpus:article-list"), {"q": theirs.title})

    assert [a.pk for a in listing.context["page"]] == [mine.pk]
    assert list(searched.context["page"]) == []
    assert logged_in_client.get(mine.get_absolute_url()).status_code == 200
    for hidden in (theirs, unassigned):
        assert logged_in_client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url_name, args", [("corpus:article-list", []), ("corpus:article-detail", [1])]
)
def test_pages_redirect_anonymous_users_to_login(client, url_name, args):
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_article_list_shows_titles_and_searches(admin_client):
    ArticleFactory(title="Summit in Geneva", body="Leaders met.")
    ArticleFactory(title="Call on Thursday", body="Geneva talks were planned.")
    ArticleFactory(title="Unrelated", body="Nothing here.")
    response = admin_client.get(reverse("corpus:article-list"), {"q": "geneva"})
    titles = [a.title for a in response.context["page"]]
    assert sorted(titles) == ["Call on Thursday", "Summit in Geneva"]
    assert "Unrelated" not in response.text


def test_article_list_paginates(admin_client):
    ArticleFactory.create_batch(30)
    first = admin_client.get(reverse("corpus:article-list"))
    second = admin_client.get(reverse("corpus:article-list"), {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert 'rel="next"' in first.text


@pytest.mark.parametrize("count", [5, 50])
def test_article_list_queries_do_not_grow_with_articles(
    admin_client, count, django_assert_num_queries
):
    ArticleFactory.create_batch(count)
    # session + user + count + page
    with django_assert_num_queries(4):
        response = admin_client.get(reverse("corpus:article-list"))
    assert response.status_code == 200


def test_article_detail_shows_metadata_and_paragraphs(admin_client):
    article = ArticleFactory(
        title="Talks", subtitle="A dek", authors=["Ana Lima"], body="One.\n\nTwo."
    )
    response = admin_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "<p>One.</p>" in response.text
    assert "<p>Two.</p>" in response.text
    assert "Ana Lima" in response.text
    assert "A dek" in response.text


def test_article_detail_escapes_article_text(admin_client):
    article = ArticleFactory(
        title="<script>alert(1)</script>",
        body="<img src=x onerror=alert(1)>",
        source_url="javascript:alert(1)",
    )
    response = admin_client.get(article.get_absolute_url())
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
    assert 'href="javascript:' not in response.text


def test_article_detail_of_unknown_article_is_404(admin_client):
    assert admin_client.get(reverse("corpus:article-detail", args=[999])).status_code == 404


def test_login_and_logout_pages(client, user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": user.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get(reverse("corpus:article-list")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("corpus:article-list")).status_code == 302


def test_logout_requires_csrf_token(user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.post(reverse("logout")).status_code == 403


def test_article_list_orders_newest_first_and_undated_last(admin_client):
    import datetime

    ArticleFactory(title="Undated", published_on=None)
    ArticleFactory(title="Older", published_on=datetime.date(2021, 6, 17))
    ArticleFactory(title="Newer", published_on=datetime.date(2021, 12, 7))
    response = admin_client.get(reverse("corpus:article-list"))
    assert [a.title for a in response.context["page"]] == ["Newer", "Older", "Undated"]


@pytest.mark.parametrize("search", ["\x00", "talks\x00"])
def test_article_list_search_with_nul_is_400(admin_client, search):
    """PostgreSQL refuses NUL in a query: the search form refuses it first (it was a 500)."""
    response = admin_client.get(reverse("corpus:article-list"), {"q": search})

    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_article_pages_give_article_text_its_own_direction(admin_client):
    hebrew = ArticleFactory(title="הכנסת אישרה את התקציב", body="הכנסת אישרה.", language="he")
    ArticleFactory(title="Budget passed", body="The Knesset passed it.", language="en")

    detail = admin_client.get(reverse("corpus:article-detail", args=[hebrew.pk])).text
    assert '<h1 lang="he" dir="rtl">הכנסת אישרה את התקציב</h1>' in detail
    assert '<div class="article-body" lang="he" dir="rtl">' in detail
    listing = admin_client.get(reverse("corpus:article-list")).text
    assert 'lang="he" dir="rtl">הכנסת אישרה את התקציב</a>' in listing
    assert 'lang="en" dir="ltr">Budget passed</a>' in listing
