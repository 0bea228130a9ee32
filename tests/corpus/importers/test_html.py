import datetime

import pytest

from corpus.importers.base import ParseError
from corpus.importers.html import parse_html

PAGE = """<!doctype html>
<html lang="fr"><head><title>Sommet Biden-Poutine | Le Quotidien</title>
<meta name="author" content="Jeanne Dupont">
<meta property="og:site_name" content="Le Quotidien">
<meta property="article:published_time" content="2021-12-07T10:00:00Z">
<link rel="canonical" href="https://example.org/sommet"></head>
<body><nav><a href="/">Accueil</a> | <a href="/abonnement">Abonnez-vous</a></nav>
<article><h1>Sommet Biden-Poutine</h1>
<p>Premier paragraphe : les deux présidents se sont parlé par visioconférence mardi,
pendant deux heures.</p>
<p>Dernier paragraphe : aucune <a href="/x">percée</a> n’a été annoncée,
mais le dialogue continue.</p>
</article>
<footer>© 2021 Le Quotidien. Tous droits réservés.</footer></body></html>"""


def test_html_page_gives_text_and_metadata_without_chrome():
    draft = parse_html(PAGE, origin="sommet.html")
    assert draft.title == "Sommet Biden-Poutine"
    assert draft.authors == ("Jeanne Dupont",)
    assert draft.publisher == "Le Quotidien"
    assert draft.published_on == datetime.date(2021, 12, 7)
    assert draft.source_url == "https://example.org/sommet"
    assert draft.language == "fr"
    paragraphs = draft.body.split("\n\n")
    assert paragraphs[0].startswith("Premier paragraphe")
    assert paragraphs[-1].startswith("Dernier paragraphe : aucune percée")
    assert "Abonnez-vous" not in draft.body
    assert "Tous droits" not in draft.body
    assert draft.raw_text == PAGE


def test_html_page_without_stated_date_has_none():
    page = PAGE.replace(
        '<meta property="article:published_time" content="2021-12-07T10:00:00Z">', ""
    )
    assert parse_html(page, origin="p.html").published_on is None


def test_html_page_without_text_is_refused():
    with pytest.raises(ParseError):
        parse_html("<html><body><nav>menu</nav></body></html>", origin="empty.html")
