"""import_dataset --format doccano: doccano 1.8.4's export, offset units, columns, bad lines."""

import json
import tempfile
import unicodedata
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from hypothesis import event, given, settings
from hypothesis import strategies as st

from annotate.models import Membership, Span, Verdict
from corpus.models import Article
from datasets.exporters.doccano import offset_converter
from datasets.importers.doccano import OffsetUnitUnknown, doccano_offset_unit
from datasets.importers.offsets import OffsetUnit, UnitIndex
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


def test_sample_without_a_unit_is_read_as_the_code_points_it_was_written_in(project):
    """The file never says; its spans cut through words when read as UTF-16, not as code points."""
    out, err = _run(SAMPLE)
    assert err == ""
    lines = out.splitlines()
    assert lines[-2].startswith(f"{SAMPLE}: offsets read as codepoints: on ")
    assert "utf16 would cut through a character or a word" in lines[-2]
    assert "failed 0" in lines[-1]
    assert set(Verdict.objects.values_list("span__quote", "label")) == _expected_from_file()


def test_sample_read_as_utf16_when_told_fails_where_an_offset_splits_an_emoji(project):
    _, err = _run_failing(SAMPLE, "--offset-unit", "utf16", match="article")
    assert (
        f"failed: {SAMPLE}:20: label[0]: [14, 33] is not a span of the text in utf16 "
        "(out of range or inside a character; was the file written in codepoints? "
        "see --offset-unit)"
    ) in err.splitlines()


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


# Offset units: read off the file's evidence, never guessed (issue 13) ---------------------------

TAXES = "Hi 👋 Officials said taxes rose by 10 percent this year."
CLAIM = "taxes rose by 10 percent"


def _offsets(text: str, quote: str, unit: str) -> list[int]:
    start = text.index(quote)
    end = start + len(quote)
    if unit == "utf16":
        return [len(text[:offset].encode("utf-16-le")) // 2 for offset in (start, end)]
    return [start, end]


@pytest.mark.parametrize("unit", ["codepoints", "utf16"])
def test_unit_is_read_off_the_file_so_no_span_after_an_emoji_shifts(project, tmp_path, unit):
    path = _jsonl(
        tmp_path / "ana.jsonl", {"text": TAXES, "label": [[*_offsets(TAXES, CLAIM, unit), "True"]]}
    )
    out, _ = _run(path)
    assert f"{path}: offsets read as {unit}: on 1 line(s)" in out
    assert list(Span.objects.values_list("quote", flat=True)) == [CLAIM]


def test_text_without_emoji_before_a_span_needs_no_unit(project, tmp_path):
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"text": "Officials said taxes rose by 10 percent 👋.", "label": [[15, 39, "True"]]},
    )
    out, _ = _run(path)
    assert "UTF-16 units and code points agree" in out
    assert list(Span.objects.values_list("quote", flat=True)) == [CLAIM]


def test_file_that_does_not_tell_its_unit_is_refused_naming_the_line(project, tmp_path):
    # Read either way, the span starts and ends beside punctuation: nothing tells the units apart.
    ambiguous = "Hi 👋 «Yes» said the envoy."
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"text": "No emoji before this claim.", "label": [[0, 8, "True"]]},
        {"text": ambiguous, "label": [[5, 10, "True"]]},
    )
    _run_failing(
        path,
        match=rf"{path}:2: a character beyond the BMP .* give --offset-unit utf16 .* "
        r"Nothing was stored\.",
    )
    assert Article.objects.count() == 0
    _run(path, "--offset-unit", "codepoints")
    assert set(Span.objects.values_list("quote", flat=True)) == {"No emoji", "«Yes»"}


def test_grapheme_mode_file_without_a_unit_is_refused_not_read_as_code_points(project, tmp_path):
    # In graphemes the flag is one character: read as code points this span is " «Yes", which
    # cuts nothing; read as UTF-16 it starts inside the flag. Two readings fit: it cannot tell.
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"text": "🇺🇦 «Yes» said the envoy.", "label": [[2, 7, "True"]]},
    )
    _run_failing(path, match=rf"{path}:1: a character beyond the BMP .* or graphemes")
    assert Article.objects.count() == 0
    _run(path, "--offset-unit", "graphemes")
    assert list(Span.objects.values_list("quote", flat=True)) == ["«Yes»"]


def test_file_whose_lines_disagree_on_the_unit_is_refused(project, tmp_path):
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"text": TAXES, "label": [[*_offsets(TAXES, CLAIM, "codepoints"), "True"]]},
        {"text": TEXT, "label": [[17, 32, "True"]]},  # UTF-16 (FORMATS.md §1)
    )
    _run_failing(
        path,
        match=rf"{path}:2: its spans fit only utf16, those of {path}:1 only codepoints: "
        "the file mixes offset units",
    )
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    ("unit", "span"),
    [("codepoints", [1, 8]), ("utf16", [2, 10])],  # both start between the flag's two letters
)
def test_a_unit_given_that_cuts_through_a_character_fails_the_line(project, tmp_path, unit, span):
    flag = "🇺🇦 Envoy said talks went well."
    path = _jsonl(
        tmp_path / "ana.jsonl",
        {"text": flag, "label": [[*span, "True"]]},
        {"text": "A good line.", "label": [[2, 6, "True"]]},
    )
    _, err = _run_failing(path, "--offset-unit", unit, match="1 article")
    assert err.strip() == (
        f"failed: {path}:1: label[0]: {span} in {unit} cuts through a character (an emoji "
        "sequence, a flag, a letter and its accent); was the file written in "
        f"{'utf16' if unit == 'codepoints' else 'codepoints'}? see --offset-unit"
    )
    assert list(Span.objects.values_list("quote", flat=True)) == ["good"]


_WORDS = st.sampled_from(["taxes", "rose", "by", "10", "percent", "«Yes»", "envoy", "a", "café"])
_EMOJI = st.sampled_from(["👋", "🇺🇦", "👨🏻‍🚒", "日本", "😀", "—"])


@settings(max_examples=200, deadline=None)
@given(
    tokens=st.lists(st.one_of(_WORDS, _EMOJI), min_size=2, max_size=14),
    chosen=st.lists(st.integers(min_value=0, max_value=13), min_size=1, max_size=4),
    unit=st.sampled_from(list(OffsetUnit)),
)
def test_unit_read_off_a_file_places_every_span_where_it_was_written_or_refuses(
    tokens, chosen, unit
):
    """Spans on whole words, written in any unit: the unit read off the file puts every span on
    the words it was written on (the right reading always fits, so no line votes against it),
    or the file is refused. Never a shifted span."""
    text = " ".join(tokens)
    starts = [sum(len(token) + 1 for token in tokens[:index]) for index in range(len(tokens))]
    to_unit = offset_converter(text, unit)
    written, expected = [], []
    for index in sorted({index % len(tokens) for index in chosen}):
        start, end = starts[index], starts[index] + len(tokens[index])
        expected.append((start, end))
        written.append([to_unit(start), to_unit(end), "True"])
    with tempfile.TemporaryDirectory() as folder:
        path = _jsonl(Path(folder) / "ana.jsonl", {"text": text, "label": written})
        try:
            found = doccano_offset_unit(path).unit
        except OffsetUnitUnknown:
            event(f"written in {unit}: refused")
            return
    event(f"written in {unit}: read as {found}")
    units = UnitIndex(text)
    assert [units.span_to_codepoints(start, end, found) for start, end, _ in written] == expected


def test_line_of_an_article_nobody_labelled_names_no_reviewer(project, tmp_path):
    """Our export writes `"reviewer": ""` there: doccano cannot load a null (see the exporter)."""
    path = _jsonl(
        tmp_path / "all.jsonl",
        {"id": 3, "text": "Nobody 🌍 labelled this one.", "label": [], "reviewer": ""},
        {"id": 4, "text": "Someone labelled this.", "label": [[0, 7, "True"]], "reviewer": ""},
    )
    _, err = _run_failing(path, match="1 article")
    assert (
        err.strip()
        == f"failed: {path}:2: 'reviewer' is empty on a line with labels: who made them?"
    )
    assert list(Article.objects.values_list("body", flat=True)) == ["Nobody 🌍 labelled this one."]
