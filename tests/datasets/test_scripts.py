"""Every script, end to end on the server: an article of tests/fixtures/scripts (Arabic with
tashkeel, tatweel, Latin and digits; Hebrew; Hindi; Thai; Japanese; Chinese) is imported
without a stated language, detected, shown with its direction, highlighted by code-point
offsets, and exported with `quote == body[start:end]`. A span that would cut a letter from its
marks is refused, whatever the script."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from annotate.claims.matching import search_config_for
from corpus.models import Article
from corpus.search import SEARCH_CONFIGS
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPTS = Path(__file__).resolve().parent.parent / "fixtures" / "scripts"

# script file -> (detected language, its direction, a passage to highlight, a code-point offset
# into that passage that falls inside a grapheme: between a letter and its mark)
CASES = {
    "ar": ("ar", "rtl", "الحكومة ستُبقي على دعم الخبز", len("الحكومة ست")),
    "he": ("he", "rtl", "59 חברי כנסת", None),
    "hi": ("hi", "ltr", "वायु गुणवत्ता", len("वायु गुणवत्त")),
    "th": ("th", "ltr", "เครื่องสูบน้ำ", len("เครื่องสูบน")),
    "ja": ("ja", "ltr", "最低賃金", None),
    "zh": ("zh", "ltr", "国内生产总值同比增长4.6%", None),
}


@pytest.fixture
def desk(api_as):
    editor, reviewer = UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[reviewer])
    return {"editor": api_as(editor), "reviewer": api_as(reviewer), "project": project}


def _import(desk, script: str) -> Article:
    record = json.loads((SCRIPTS / f"{script}.jsonl").read_text(encoding="utf-8"))
    response = desk["editor"].post(
        f"/api/v1/articles/?project={desk['project'].pk}", record, format="json"
    )
    assert response.status_code == 201, response.content
    article = Article.objects.get(pk=response.json()["id"])
    assert article.body == record["body"]  # already canonical: nothing moved
    return article


@pytest.mark.parametrize("script", CASES)
def test_import_display_select_export_round_trip(client, desk, script):
    language, direction, passage, _ = CASES[script]
    article = _import(desk, script)
    assert article.language == language and article.language_confidence >= 0.8
    assert article.direction == direction

    reader = reverse("annotate:reader", args=[desk["project"].pk, article.pk])
    client.force_login(desk["project"].memberships.get(role="reviewer").user)
    page = client.get(reader).text
    assert f'lang="{language}" dir="{direction}">' in page
    assert passage in page

    start = article.body.index(passage)
    response = desk["reviewer"].post(
        "/api/v1/spans/",
        {
            "project": desk["project"].pk,
            "article": article.pk,
            "start": start,
            "end": start + len(passage),
            "quote": passage,
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    export = desk["editor"].get(f"/api/v1/projects/{desk['project'].pk}/export/?format=native")
    assert export.status_code == 200
    rows = [json.loads(line) for line in b"".join(export.streaming_content).decode().splitlines()]
    (row,) = [row for row in rows if row.get("type") == "article"]
    body = row["article"]["body"]
    (span,) = row["spans"]
    assert row["article"]["language"] == language
    assert body == article.body
    assert span["quote"] == body[span["start"] : span["end"]] == passage


@pytest.mark.parametrize("script", [name for name, case in CASES.items() if case[3]])
def test_a_span_cutting_a_letter_from_its_mark_is_refused(desk, script, assert_error):
    _, _, passage, inside = CASES[script]
    article = _import(desk, script)
    start = article.body.index(passage)
    for field, offsets in (
        ("end", (start, start + inside)),
        ("start", (start + inside, start + 20)),
    ):
        response = desk["reviewer"].post(
            "/api/v1/spans/",
            {
                "project": desk["project"].pk,
                "article": article.pk,
                "start": offsets[0],
                "end": offsets[1],
            },
            format="json",
        )
        assert_error(response, 400, "validation_error", field)
    assert not article.spans.exists()


def test_text_search_configurations_exist_and_fall_back_to_simple():
    expected = {"ar": "arabic", "hi": "hindi", "he": "simple", "th": "simple", "ja": "simple"}
    expected |= {"zh": "simple", "zh-Hant": "simple", "pt-BR": "portuguese", "": "simple"}
    assert {tag: search_config_for(tag) for tag in expected} == expected
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT cfgname FROM pg_ts_config")
            installed = {name for (name,) in cursor.fetchall()}
        assert set(SEARCH_CONFIGS.values()) | {"simple"} <= installed
