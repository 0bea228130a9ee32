"""An article's language, corrected by a person: the reader's form, PATCH /api/v1/articles/{id}/
and the admin. Editors of a project with the article may; reviewers, viewers and outsiders may
not. The change is in the article's history and the detector's confidence is cleared."""

import pytest
from django.urls import reverse

from corpus.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.article(language="en", language_confidence=0.91)]


def _reader(project, article) -> str:
    return reverse("annotate:reader", args=[project.pk, article.pk])


def _language_url(project, article) -> str:
    return reverse("annotate:article-language", args=[project.pk, article.pk])


def _assert_stated(article: Article, language: str, actor) -> None:
    article.refresh_from_db()
    assert (article.language, article.language_confidence) == (language, None)
    record = article.history.order_by("-history_id").first()
    assert (record.language, record.language_confidence, record.history_user) == (
        language,
        None,
        actor,
    )


# --- the reader's form ---------------------------------------------------------------------------


def test_editor_changes_the_language_in_the_reader(client, editor, project, article):
    client.force_login(editor)
    page = client.get(_reader(project, article)).text
    assert 'id="language-form"' in page and "detected, 91 %" in page
    assert 'dir="ltr"' in page

    response = client.post(_language_url(project, article), {"language": " AR "})

    assert response.status_code == 302
    _assert_stated(article, "ar", editor)
    page = client.get(response.url).text
    assert '<div id="article-body" class="article-text" lang="ar" dir="rtl">' in page
    assert "(stated)" in page and "now ar" in page


def test_bad_tag_is_refused_on_its_field(client, editor, project, article):
    client.force_login(editor)
    response = client.post(_language_url(project, article), {"language": "arabic!"})
    assert response.status_code == 400
    assert "BCP 47 language tag" in response.text
    assert 'id="id_language_errors"' in response.text
    article.refresh_from_db()
    assert (article.language, article.language_confidence) == ("en", 0.91)


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_reviewers_and_viewers_neither_see_the_form_nor_may_post(
    client, request, project, article, who
):
    client.force_login(request.getfixturevalue(who))
    assert 'id="language-form"' not in client.get(_reader(project, article)).text
    response = client.post(_language_url(project, article), {"language": "ar"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.language == "en"


def test_outsider_gets_not_found(client, outsider, project, article):
    client.force_login(outsider)
    response = client.post(_language_url(project, article), {"language": "ar"})
    assert response.status_code == 404
    article.refresh_from_db()
    assert article.language == "en"


def test_refused_input_is_shown_escaped(client, editor, project, article):
    client.force_login(editor)
    response = client.post(_language_url(project, article), {"language": '"><script>x'})
    assert response.status_code == 400
    assert '"><script>x' not in response.text
    assert "&quot;&gt;&lt;script&gt;x" in response.text


# --- the API -----------------------------------------------------------------------------------


def test_patch_language_by_editor(api_as, editor, article, project):
    response = api_as(editor).patch(
        f"/api/v1/articles/{article.pk}/", {"language": "he"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["language"], response.json()["language_confidence"]) == ("he", None)
    _assert_stated(article, "he", editor)


def test_patch_refuses_other_fields_and_bad_tags(api_as, editor, article, project, assert_error):
    client = api_as(editor)
    url = f"/api/v1/articles/{article.pk}/"
    old_title = article.title
    assert_error(
        client.patch(url, {"language": "x"}, format="json"), 400, "validation_error", "language"
    )
    assert_error(
        client.patch(url, {"language": "ar", "title": "New"}, format="json"),
        400,
        "validation_error",
        "title",
    )
    assert_error(client.patch(url, {}, format="json"), 400, "validation_error", "language")
    article.refresh_from_db()
    assert (article.language, article.title) == ("en", old_title)


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_patch_refused_to_reviewers_and_viewers(
    api_as, request, article, project, assert_error, who
):
    response = api_as(request.getfixturevalue(who)).patch(
        f"/api/v1/articles/{article.pk}/", {"language": "ar"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    article.refresh_from_db()
    assert article.language == "en"


def test_patch_by_outsider_is_not_found(api_as, outsider, article, project, assert_error):
    response = api_as(outsider).patch(
        f"/api/v1/articles/{article.pk}/", {"language": "ar"}, format="json"
    )
    assert_error(response, 404, "not_found")


# --- the admin ---------------------------------------------------------------------------------


def _admin_post(client, article, **changes):
    data = {
        "title": article.title,
        "subtitle": article.subtitle,
        "authors": "[]",
        "publisher": article.publisher,
        "published_on": "",
        "source_url": "",
        "language": article.language,
        "spans-TOTAL_FORMS": "0",
        "spans-INITIAL_FORMS": "0",
    } | changes
    return client.post(reverse("admin:corpus_article_change", args=[article.pk]), data)


def test_admin_language_change_clears_the_confidence(admin_client, staff_user, article):
    response = _admin_post(admin_client, article, language="fa", title="Renamed")
    assert response.status_code == 302, response.content
    _assert_stated(article, "fa", staff_user)
    assert article.title == "Renamed"


def test_admin_refuses_a_bad_tag(admin_client, article):
    response = _admin_post(admin_client, article, language="not a tag")
    assert response.status_code == 200
    assert "BCP 47 language tag" in response.text
    article.refresh_from_db()
    assert article.language == "en"


def test_admin_keeps_the_confidence_when_the_language_is_unchanged(admin_client, article):
    assert _admin_post(admin_client, article, title="Renamed").status_code == 302
    article.refresh_from_db()
    assert (article.language, article.language_confidence) == ("en", 0.91)
