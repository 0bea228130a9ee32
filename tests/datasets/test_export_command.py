"""`manage.py export_dataset`: the file, its datasheet (and config), stdout, progress, errors."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.datasets.exports import export

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_dataset", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_writes_the_file_and_its_datasheet(known, tmp_path):
    target = tmp_path / "known.csv"

    out, _ = run("--project", "known", "--format", "csv", "--out", str(target), "--salt", "s")

    assert target.read_bytes().decode() == export(known.project, "csv", salt="s")
    datasheet = (tmp_path / "known.csv.datasheet.md").read_text(encoding="utf-8")
    assert datasheet.startswith("# Datasheet: Known known (csv)")
    for expected in (
        "- File: `known.csv`",
        "- Software: factcheck-workbench ",
        "- Exported at: 20",
        "- Span status: any",
        "- Labels: `all` (the format's default)",
        "- Orphaned spans: left out",
        "- Reviewers: pseudonyms, HMAC-SHA256 of their rank in the project with the salt given",
        "| 2 | 3 | 5 | 3 | 2 | 1 | 0 | 5 |",
        "| Half True | 1 | 20.0% |",
        "1. **True** (rating 6)",
    ):
        assert expected in datasheet, expected
    assert "known-rita" not in datasheet
    assert out.strip() == (
        f"exported 2 articles, 3 spans, 5 verdicts, 5 rows (csv) to {target}, {target}.datasheet.md"
    )


def test_command_datasheet_reports_agreement_or_marks_it_missing(known, tmp_path):
    target = tmp_path / "known.jsonl"

    run("--project", "known", "--format", "native", "--out", str(target))

    datasheet = (tmp_path / "known.jsonl.datasheet.md").read_text(encoding="utf-8")
    assert "## Agreement" in datasheet
    assert "Krippendorff's alpha" in datasheet or "## Agreement: not computed" in datasheet


def test_command_writes_to_stdout_by_default_and_reports_on_stderr(known):
    out, err = run("--project", "known", "--format", "native", "--real-names")

    assert out == export(known.project, "native", real_names=True)
    assert "exported 2 articles" in err


def test_command_passes_every_option(known, tmp_path):
    out, _ = run(
        "--project",
        "known",
        "--format",
        "fever",
        "--labels",
        "all",
        "--status",
        "adjudicated,agreed",
        "--articles",
        str(known.emoji.pk),
        "--include-orphaned",
        "--fever-map",
        "Half True=REFUTES",
    )

    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["claim"], line["label"]) for line in lines] == [
        ("Envoy", "SUPPORTS"),
        ("Envoy", "SUPPORTS"),
        ("talks went well", "REFUTES"),
        ("talks went well", "REFUTES"),
    ]


def test_command_doccano_offset_unit(known):
    out, _ = run(
        "--project", "known", "--format", "doccano", "--labels", "adjudicated",
        "--offset-unit", "codepoints",
    )  # fmt: skip

    assert json.loads(out.splitlines()[0])["label"] == [[16, 31, "Half True"]]


def test_command_label_studio_config(known, tmp_path):
    out, _ = run("--project", "known", "--format", "label-studio", "--config")
    assert out.startswith("<View>")

    target = tmp_path / "tasks.json"
    run("--project", "known", "--format", "label-studio", "--out", str(target))
    assert (tmp_path / "tasks.json.config.xml").read_text(encoding="utf-8") == out
    assert json.loads(target.read_text(encoding="utf-8"))[0]["id"] == 1


def test_command_progress_lines_when_not_a_terminal(known, monkeypatch):
    from datasets.management.commands import export_dataset

    monkeypatch.setattr(export_dataset, "PROGRESS_EVERY", 1)

    _, err = run("--project", "known", "--format", "csv")

    assert "1/2 articles" in err and "2/2 articles" in err


def test_command_unknown_project_or_bad_option(known):
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        run("--project", "nope", "--format", "csv")
    with pytest.raises(CommandError, match="status"):
        run("--project", "known", "--format", "csv", "--status", "lost")
    with pytest.raises(CommandError, match="labels"):
        run("--project", "known", "--format", "claimreview", "--labels", "all")
    with pytest.raises(CommandError, match="Article ids"):
        run("--project", "known", "--format", "csv", "--articles", "one")


def test_command_datasheet_skips_agreement_above_the_limit(known, tmp_path, monkeypatch):
    from datasets import datasheet

    monkeypatch.setattr(datasheet, "AGREEMENT_MAX_VERDICTS", 2)
    target = tmp_path / "known.csv"

    run("--project", "known", "--format", "csv", "--out", str(target))

    text = (tmp_path / "known.csv.datasheet.md").read_text(encoding="utf-8")
    assert "## Agreement: not computed" in text
    assert "5 submitted verdicts are more than a datasheet computes agreement for (2)" in text
