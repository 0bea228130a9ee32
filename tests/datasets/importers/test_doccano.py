"""import_dataset --format doccano: doccano 1.8.4's export, offset units, columns, bad lines."""

import json
import unicodedata
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from annotate.models import Membership, Span, Verdict
from corpus.models import Article
from tests.datasets.exports import build_known_project, export
from tests.datasets.importers.imports import import_file, import_file_failing
from tests.factories import ProjectFactory, UserFactory
from tests.paths import PEERS

# The project the files are imported into: `politifact`, its editor its only member.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(slug="politifact", reviewers=[], viewers=[], articles=[]),
]

SAMPLE = PEERS / "doccano_export_sample.jsonl"
TEXT = "Hi 👋 Envoy said talks went well."


def _run(path, *args) -> tuple[str, str]:
    return import_file(path, "doccano", *args)


def _run_failing(path, *args, match: str) -> tuple[str, str]:
    return import_file_failing(path, "doccano", *args, match=match)


def _jsonl(path: Path, *lines) -> Path:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
            for line in lines
        ),
        encoding="utf-8",
    )
    return path


def _expected_from_file() -> set[tuple[str, str]]:
    """(quote, label) per span of the sample, its offsets read as code points (as written)."""
    expected = set()
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for start, end, label in entry["label"]:
            expected.add((unicodedata.normalize("NFC", entry["text"][start:end]), label))
    return expected


def test_sample_with_code_points_imports_every_span_with_its_quote(project):
    out, err = _run(SAMPLE, "--offset-unit", "codepoints")
    assert err == ""
    assert out.splitlines()[-1] == (
        "articles: created 20, updated 0, unchanged 0, failed 0; new spans 58, verdicts 58, "
        "predictions 0, comments 0, adjudications 0; "
        "placeholder users 1 (doccano_export_sample)"
    )
    assert set(Verdict.objects.values_list("span__quote", "label")) == _expected_from_file()
    emoji = Span.objects.get(article__body__startswith="Breaking")
    assert (emoji.start, emoji.end, emoji.quote) == (14, 33, "the “minister” said")
    for span in Span.objects.select_related("article"):
        assert span.article.body[span.start : span.end] == span.quote
    # doccano has no title: the first line of the text, cut at a word.
    assert Article.objects.get(body__startswith="Breaking").title == (
        "Breaking 👋🇺🇦: the “minister” said café prices fell 50%. Officials disagree."
    )
    assert all(len(title) <= 80 for title in Article.objects.values_list("title", flat=True))


def test_sample_labels_belong_to_the_file_user_or_the_reviewer_option(project):
    _run(SAMPLE, "--offset-unit", "codepoints")
    placeholder = get_user_model().objects.get(username="doccano_export_sample")
    assert not placeholder.is_active
    assert Membership.objects.get(project=project, user=placeholder).role == "reviewer"

    Verdict.objects.all().delete()
    Span.objects.all().delete()
    reviewer = UserFactory(username="ana")
    _run(SAMPLE, "--offset-unit", "codepoints", "--reviewer", "ana")
    assert set(Verdict.objects.values_list("reviewer", flat=True)) == {reviewer.pk}


def test_sample_reimport_changes_nothing(project):
    _run(SAMPLE, "--offset-unit", "codepoints")
    out, _ = _run(SAMPLE, "--offset-unit", "codepoints")
    assert out.splitlines()[-1].startswith(
        "articles: created 0, updated 0, unchanged 20, failed 0; new spans 0, verdicts 0"
    )
    assert Span.objects.count() == 58


def test_sample_read_as_utf16_fails_where_an_offset_splits_an_emoji(project):
    """The default unit is doccano's UI's; this file was written with code points."""
    _, err = _run_failing(SAMPLE, match="1 article")
    assert err.strip() == (
        f"failed: {SAMPLE}:20: label[0]: [14, 33] is not a span of the text in utf16 "
        "(out of range or inside a character; was the file written in codepoints? "
        "see --offset-unit)"
    )


def test_dry_run_stores_nothing(project):
    out, _ = _run(SAMPLE, "--offset-unit", "codepoints", "--dry-run")
    assert out.splitlines()[-1].startswith("dry run, nothing stored: articles: created 20")
    assert Article.objects.count() == Span.objects.count() == 0
    assert not get_user_model().objects.filter(username="doccano_export_sample").exists()


def test_utf16_and_grapheme_offsets_are_converted(project, tmp_path):
    flag_text = "🇺🇦 Envoy said talks went well."
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"id": 1, "text": TEXT, "label": [[17, 32, "Half True"]]},  # FORMATS.md §1: UTF-16
    )
    _run(path)
    assert list(Span.objects.values_list("start", "end", "quote")) == [(16, 31, "talks went well")]
    graphemes = _jsonl(
        tmp_path / "ben.jsonl", {"id": 2, "text": flag_text, "label": [[2, 7, "True"]]}
    )
    _run(graphemes, "--offset-unit", "graphemes")
    assert Span.objects.get(article__body=flag_text).quote == "Envoy"


def test_labels_and_entities_columns_and_dict_spans(project, tmp_path):
    path = _jsonl(
        tmp_path / "old.jsonl",
        {"text": TEXT, "labels": [[16, 31, "True"]]},
        {
            "text": "Officials said the envoy lied.",
            "entities": [{"id": 4, "start_offset": 0, "end_offset": 9, "label": "False"}],
            "relations": [],
        },
    )
    _run(path, "--offset-unit", "codepoints")
    assert set(Verdict.objects.values_list("span__quote", "label")) == {
        ("talks went well", "True"),
        ("Officials", "False"),
    }


def test_bad_lines_are_named_and_good_ones_stored(project, tmp_path):
    path = _jsonl(
        tmp_path / "mixed.jsonl",
        {"text": TEXT, "label": [[16, 31, "True"]]},
        '{"text": "broken',
        {"text": "Another text here.", "label": [[8, 4, "True"]]},
        {"text": "Third text here.", "label": [["a", 4, "True"]]},
        {"text": "Fourth text here.", "label": [{"start": 0, "end": 4}]},
        {"label": []},
        {"text": "Fifth text", "label": [[0, 99, "True"]]},
    )
    _, err = _run_failing(path, "--offset-unit", "codepoints", match="6 article")
    messages = err.strip().splitlines()
    assert messages[0].startswith(f"failed: {path}:2: invalid JSON: ")
    assert messages[1:] == [
        f"failed: {path}:3: label[0]: needs 0 <= start < end, got [8, 4]",
        f"failed: {path}:4: label[0]: start and end must be integers",
        f'failed: {path}:5: label[0]: expected [start, end, "Label"] or '
        '{"start_offset", "end_offset", "label"}',
        f"failed: {path}:6: 'text' must be a non-empty string",
        f"failed: {path}:7: label[0]: [0, 99] is not a span of the text in codepoints "
        "(out of range or inside a character; was the file written in utf16? see --offset-unit)",
    ]
    assert list(Span.objects.values_list("quote", flat=True)) == ["talks went well"]


def test_unknown_labels_stop_the_import_before_storing(project, tmp_path):
    path = _jsonl(
        tmp_path / "foreign.jsonl",
        {"text": TEXT, "label": [[16, 31, "barely-true"], [5, 10, "CLAIM"]]},
    )
    _run_failing(path, match=r"'CLAIM' \(1 article\(s\).*'barely-true'.*--map-label")
    assert Article.objects.count() == 0
    _run(path, "--map-label", "barely-true=Mostly False", "--map-label", "CLAIM=True")
    assert set(Verdict.objects.values_list("label", flat=True)) == {"Mostly False", "True"}


# Round trip: our doccano export, imported into a fresh project -------------------------------


def _claims(project) -> set[tuple[str, int, int, str]]:
    return set(
        Span.objects.filter(project=project, orphaned=False).values_list(
            "article__body", "start", "end", "quote"
        )
    )


def _judgements(project) -> set[tuple[str, str, str]]:
    return set(
        Verdict.objects.filter(
            span__project=project, span__orphaned=False, status="submitted"
        ).values_list("span__quote", "reviewer__username", "label")
    )


@pytest.mark.parametrize("unit", ["utf16", "codepoints", "graphemes"])
def test_doccano_export_imports_back_with_same_spans_labels_reviewers(tmp_path, unit):
    known = build_known_project()
    path = tmp_path / "known.jsonl"
    path.write_text(
        export(known.project, "doccano", real_names=True, offset_unit=unit), encoding="utf-8"
    )
    fresh = ProjectFactory(slug="politifact", editors=[known.editor])

    out, _ = _run(path, "--offset-unit", unit)

    assert "failed 0" in out
    assert _claims(fresh) == _claims(known.project)
    assert _judgements(fresh) == _judgements(known.project)
    assert not get_user_model().objects.filter(is_active=False).exists()  # no placeholders
