import datetime
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from corpus.models import Article
from tests.paths import ROOT, SEEDS

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _jsonl(path: Path, *records) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_seed_folder_imports_five_titled_articles():
    out, _ = _run(str(SEEDS))
    assert out.strip() == "created 5, unchanged 0, failed 0"
    titles = dict(Article.objects.values_list("origin", "title"))
    assert titles == {
        "000_c86b01cebbbf1907.txt": (
            "The Biden-Putin “Virtual Summit”: What Prospects For Peace? A Review"
        ),
        "001_827b8e4103555715.txt": (
            "The Putin-Biden Summit: A Mutual Will to Improve US-Russia Relations?"
        ),
        "002_b87e9099bd69236b.txt": (
            "Putin and Biden to speak again Thursday in hastily-arranged call"
        ),
        "003_7175a7e198ed7ad5.txt": (
            "Tuesday’s Biden-Putin Phone Call Could Determine Ukraine’s Future"
        ),
        "004_0b96424c2baab59b.txt": "Biden Putin",
    }
    korybko = Article.objects.get(origin="000_c86b01cebbbf1907.txt")
    assert korybko.published_on == datetime.date(2021, 12, 7)
    assert korybko.raw_text == (SEEDS / "000_c86b01cebbbf1907.txt").read_text(encoding="utf-8")
    assert Article.objects.get(origin="004_0b96424c2baab59b.txt").published_on is None


def test_seed_reimport_changes_nothing():
    _run(str(SEEDS))
    stamps = dict(Article.objects.values_list("pk", "updated_at"))
    out, _ = _run(str(SEEDS / "*.txt"))
    assert out.strip() == "created 0, unchanged 5, failed 0"
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps


def test_malformed_jsonl_line_is_named_and_neighbours_stored(tmp_path):
    path = _jsonl(
        tmp_path / "batch.jsonl",
        {"title": "Good one", "body": "First good body."},
        '{"title": "Broken", "body": ',
        {"title": "Good three", "body": "Third good body."},
    )
    with pytest.raises(CommandError, match="1 input"):
        _run(str(path))
    assert set(Article.objects.values_list("title", flat=True)) == {"Good one", "Good three"}


def test_malformed_jsonl_line_reported_with_its_number(tmp_path):
    path = _jsonl(tmp_path / "batch.jsonl", {"title": "Fine", "body": "Body."}, "{oops")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=StringIO(), stderr=err)
    assert f"failed: {path}:2: invalid JSON" in err.getvalue()


def test_non_utf8_file_is_reported_and_others_imported(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Título\n\nCafé é bom.".encode("latin-1"))
    (tmp_path / "fine.txt").write_text("A title\n\nA fine paragraph of text.", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "latin1.txt: not UTF-8 text (byte 0xed at offset 1)" in err.getvalue()
    assert list(Article.objects.values_list("title", flat=True)) == ["A title"]


def test_missing_path_fails_the_command(tmp_path):
    with pytest.raises(CommandError):
        _run(str(tmp_path / "nope.txt"))


def test_exit_code_is_nonzero_on_failure_and_zero_on_success(tmp_path):
    """Through manage.py in a child process, with its own SQLite file, as a shell would run it."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'exit.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(ROOT / "manage.py"), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert manage("migrate", "--noinput").returncode == 0
    good = _jsonl(tmp_path / "good.jsonl", {"title": "T", "body": "B."})
    bad = _jsonl(tmp_path / "bad.jsonl", "nope")
    failed = manage("import_articles", str(good), str(bad))
    assert failed.returncode == 1
    assert f"failed: {bad}:1: invalid JSON" in failed.stderr
    assert "created 1, unchanged 0, failed 1" in failed.stdout
    again = manage("import_articles", str(good))
    assert again.returncode == 0
    assert again.stdout.strip() == "created 0, unchanged 1, failed 0"


def test_dry_run_stores_nothing(tmp_path):
    out, _ = _run(str(SEEDS), "--dry-run")
    assert out.strip() == "would create 5, unchanged 0, failed 0"
    assert not Article.objects.exists()


def test_format_option_overrides_detection(tmp_path):
    path = _jsonl(tmp_path / "records.txt", {"title": "From JSONL", "body": "Body text."})
    _run(str(path), "--format", "jsonl")
    assert Article.objects.get().title == "From JSONL"


def test_plain_progress_lines_when_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("corpus.management.article_import.PLAIN_PROGRESS_EVERY", 2)
    path = _jsonl(
        tmp_path / "five.jsonl", *({"title": f"T{i}", "body": f"B{i}."} for i in range(5))
    )
    _, err = _run(str(path))
    assert err.splitlines() == ["processed 2 article(s)", "processed 4 article(s)"]


def test_non_utf8_jsonl_line_is_named_and_neighbours_stored(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"title": "One", "body": "First."}\n'
        + '{"title": "Caf\u00e9", "body": "Second."}\n'.encode("latin-1")
        + b'{"title": "Three", "body": "Third \\u2028 line."}\r\n'
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=StringIO(), stderr=err)
    assert f"{path}:2: not UTF-8 text" in err.getvalue()
    assert set(Article.objects.values_list("title", flat=True)) == {"One", "Three"}


def _run_failing(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="input"):
        call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


BAD_LINES = {
    "surrogate-body": (
        '{"title": "Bad", "body": "a \\ud800 b"}',
        "body: Text may not contain a lone surrogate (U+D800).",
    ),
    "surrogate-title": (
        '{"title": "\\ud800", "body": "Bad."}',
        "title: Text may not contain a lone surrogate",
    ),
    "surrogate-language": (
        '{"title": "Bad", "body": "Bad.", "language": "\\udfff"}',
        "language: Text may not",
    ),
    "surrogate-authors": (
        '{"title": "Bad", "body": "Bad.", "authors": ["\\ud800"]}',
        "authors[0]: Text may not",
    ),
    "nul-title": (
        '{"title": "a\\u0000", "body": "Bad."}',
        "title: Text may not contain NUL characters.",
    ),
    "nested-50000": ("[" * 50_000 + "]" * 50_000, "nested deeper than 64 levels"),
    "huge-number": (
        '{"title": "Bad", "body": "Bad.", "published_on": ' + "9" * 5000 + "}",
        "a number has too many digits",
    ),
    "nan": ('{"title": "Bad", "body": "Bad.", "published_on": NaN}', "NaN is not a JSON number"),
}


@pytest.mark.parametrize(("line", "reason"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_bad_jsonl_line_is_named_with_a_summary_and_neighbours_stored(tmp_path, line, reason):
    path = _jsonl(
        tmp_path / "batch.jsonl",
        {"title": "Good one", "body": "First good body."},
        line,
        {"title": "Good three", "body": "Third good body."},
    )

    out, err = _run_failing(str(path))

    assert f"failed: {path}:2: " in err
    assert reason in err
    assert out.strip() == "created 2, unchanged 0, failed 1"
    assert set(Article.objects.values_list("title", flat=True)) == {"Good one", "Good three"}


def test_600_good_lines_then_a_surrogate_line_stores_the_600(tmp_path):
    path = _jsonl(
        tmp_path / "batch.jsonl",
        *({"title": f"Good {n}", "body": f"Good body {n}."} for n in range(600)),
        BAD_LINES["surrogate-body"][0],
    )

    out, err = _run_failing(str(path))

    assert f"failed: {path}:601: " in err
    assert out.strip() == "created 600, unchanged 0, failed 1"
    assert Article.objects.count() == 600
