import pytest
from django.urls import reverse

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_admin_article_list_searches_and_filters(client, staff_user):
    ArticleFactory(title="Geneva summit", publisher="Global Research")
    ArticleFactory(title="Phone call", publisher="FISM News")
    client.force_login(staff_user)
    url = reverse("admin:corpus_article_changelist")
    assert "Geneva summit" in client.get(url, {"q": "geneva"}).text
    filtered = client.get(url, {"publisher": "FISM News"}).text
    assert "Phone call" in filtered
    assert "Geneva summit" not in filtered


def test_admin_article_body_is_read_only(client, staff_user):
    article = ArticleFactory(body="Original body.")
    client.force_login(staff_user)
    url = reverse("admin:corpus_article_change", args=[article.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="body"' not in page.text
    assert "Original body." in page.text
    response = client.post(
        url,
        {
            "title": "Renamed",
            "subtitle": "",
            "authors": "[]",
            "publisher": article.publisher,
            "published_on": "",
            "source_url": "",
            "language": "en",
            "body": "Tampered body.",
            # the spans inline's management form (annotate adds it to the article page)
            "spans-TOTAL_FORMS": "0",
            "spans-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("Renamed", "Original body.")


@pytest.mark.parametrize("count", [5, 50])
def test_admin_changelist_queries_stay_flat(client, staff_user, count, django_assert_num_queries):
    ArticleFactory.create_batch(count)
    client.force_login(staff_user)
    with django_assert_num_queries(8):
        client.get(reverse("admin:corpus_article_changelist"))


def test_admin_refuses_non_staff(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:corpus_article_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
