"""Articles that state no language get the detected one, with the detector's confidence; a
stated language is never overridden, and a re-import detects nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from corpus import services
from corpus.importers.base import ArticleDraft
from corpus.language import language_direction, language_tag_clean
from corpus.models import Article

pytestmark = pytest.mark.django_db

SPANISH = (
    "Los funcionarios dijeron que las conversaciones fueron bien y que los líderes acordaron "
    "reunirse de nuevo en enero en Ginebra para hablar de la seguridad en Europa."
)
ARABIC = "قال المسؤولون إن المحادثات سارت بشكل جيد وإن الزعيمين اتفقا على الاجتماع مجددا في يناير."


def _draft(title: str, body: str, **fields) -> ArticleDraft:
    return ArticleDraft(title=title, body=body, raw_text=body, origin=title, **fields)


def _import(*drafts: ArticleDraft):
    return services.import_articles(items=list(drafts))


def test_an_article_without_a_language_gets_the_detected_one():
    _import(
        _draft("Cumbre", SPANISH),
        _draft("قمة", ARABIC),
    )
    spanish, arabic = Article.objects.get(title="Cumbre"), Article.objects.get(title="قمة")
    assert spanish.language == "es" and spanish.language_confidence >= 0.8
    assert arabic.language == "ar" and arabic.language_confidence >= 0.8


def test_a_stated_language_is_kept_as_stated():
    _import(_draft("Cumbre", SPANISH, language="pt-BR"))
    article = Article.objects.get()
    assert (article.language, article.language_confidence) == ("pt-BR", None)


def test_an_unsure_detector_leaves_the_default(settings):
    settings.LANGUAGE_DETECT_MIN_CONFIDENCE = 1.01  # nothing is that sure
    settings.CORPUS_DEFAULT_LANGUAGE = "en"
    _import(_draft("Cumbre", SPANISH))
    article = Article.objects.get()
    assert (article.language, article.language_confidence) == ("en", None)


def test_detection_can_be_turned_off(settings):
    settings.LANGUAGE_DETECT = False
    _import(_draft("Cumbre", SPANISH))
    article = Article.objects.get()
    assert (article.language, article.language_confidence) == ("en", None)


def test_a_reimport_detects_nothing(monkeypatch, tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps({"title": "Cumbre", "body": SPANISH}) + "\n", encoding="utf-8")
    call_command("import_articles", str(path), stdout=None)
    assert Article.objects.get().language == "es"

    def refuse(text):
        raise AssertionError("a stored article was detected again")

    monkeypatch.setattr(services, "language_detect", refuse)
    call_command("import_articles", str(path))
    assert Article.objects.count() == 1


def test_the_api_shows_the_confidence(api_as, editor, project):
    _import(_draft("Cumbre", SPANISH))
    article = Article.objects.get(title="Cumbre")
    project.articles.add(article)
    body = api_as(editor).get(f"/api/v1/articles/{article.pk}/").json()
    assert body["language"] == "es" and body["language_confidence"] == article.language_confidence


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa-IR", "rtl"),
        ("ur", "rtl"),
        ("ckb", "rtl"),
        ("yi", "rtl"),
        ("dv", "rtl"),
        ("az-Arab", "rtl"),  # the script decides
        ("ku-arab", "rtl"),
        ("sd-Deva", "ltr"),
        ("en", "ltr"),
        ("hi", "ltr"),
        ("th", "ltr"),
        ("ja", "ltr"),
        ("zh-Hant-TW", "ltr"),
        ("", "ltr"),
    ],
)
def test_language_direction(tag, direction):
    assert language_direction(tag) == direction


@pytest.mark.parametrize(
    ("given", "clean"),
    [(" AR ", "ar"), ("pt_br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_language_tag_clean_puts_subtags_in_their_usual_case(given, clean):
    assert language_tag_clean(given) == clean


@pytest.mark.parametrize("given", ["", "a", "arabic", "ar-", "ar--EG", "ar EG", "<b>", "x" * 36])
def test_language_tag_clean_refuses_what_is_no_tag(given):
    with pytest.raises(ValidationError) as refused:
        language_tag_clean(given)
    assert "BCP 47" in refused.value.message_dict["language"][0]
