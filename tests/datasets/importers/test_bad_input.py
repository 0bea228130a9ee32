"""import_dataset on lines no reader should choke on: lone surrogates, NUL, nesting 50,000 deep.

Each bad line (or Label Studio task) fails alone, named by file and line; the lines after it are
still read and stored, and the summary is printed (these were tracebacks)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotate.models import Span, Verdict
from corpus.models import Article
from tests.datasets.exports import build_known_project, export
from tests.datasets.importers.imports import import_file_failing
from tests.factories import ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(slug="politifact", reviewers=[], viewers=[], articles=[]),
]

DEEP = "[" * 50_000 + "]" * 50_000


def _import_failing(path, fmt: str, project: str, *, failed: int) -> tuple[str, str]:
    return import_file_failing(path, fmt, match=f"{failed} article", project=project)


@pytest.mark.parametrize(
    ("bad_text", "reason"),
    [
        ("\ud800", "Text may not contain a lone surrogate (U+D800)."),
        ("\x00", "Text may not contain NUL characters."),
    ],
    ids=["surrogate", "nul"],
)
def test_native_bad_rationale_and_deep_line_fail_alone(tmp_path, bad_text, reason):
    known = build_known_project()
    header, emoji_line, formula_line = export(known.project, "native", real_names=True).splitlines()
    emoji = json.loads(emoji_line)
    emoji["spans"][0]["verdicts"][0]["rationale"] = f"Because {bad_text}."
    # ASCII JSON: the surrogate written as the escape a peer tool writes.
    path = tmp_path / "known.jsonl"
    path.write_text("\n".join([header, json.dumps(emoji), DEEP, formula_line]) + "\n")
    # Staff: the articles are in "known" already, which other editors may not take them from.
    desk = ProjectFactory(slug="desk", editors=[UserFactory(is_staff=True)])

    out, err = _import_failing(path, "native", "desk", failed=2)

    assert err.splitlines() == [
        f"failed: {path}:2: spans[0].verdicts[0].rationale: {reason}",
        f"failed: {path}:3: nested deeper than 64 levels",
    ]
    assert out.splitlines()[-1].startswith("articles: created 0, updated 1, unchanged 0, failed 2")
    assert list(Span.objects.filter(project=desk).values_list("article", flat=True).distinct()) == [
        known.formula.pk
    ]


def test_native_header_nested_too_deep_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(DEEP + "\n")
    with pytest.raises(CommandError, match=r"deep.jsonl:1: nested deeper than 64 levels"):
        call_command(
            "import_dataset",
            str(path),
            "--project",
            "fresh",
            "--format",
            "native",
            stdout=StringIO(),
            stderr=StringIO(),
        )


def _ls_task(task_id: int, text: str) -> str:
    return json.dumps({"id": task_id, "data": {"text": text}, "annotations": []})


def test_label_studio_deep_and_surrogate_tasks_fail_alone(tmp_path, project):
    tasks = [
        _ls_task(1, "The first task's text."),
        DEEP,
        _ls_task(3, "A lone \ud800 surrogate."),
        '{"id": 4, "data": {"text": "x"}, "annotations": [' + "{" * 0 + DEEP + "]}",
        _ls_task(5, "The fifth task's text."),
    ]
    path = tmp_path / "tasks.json"
    path.write_text("[\n" + ",\n".join(tasks) + "\n]\n")

    out, err = _import_failing(path, "label-studio", "politifact", failed=3)

    assert err.splitlines() == [
        f"failed: {path}: tasks[1] (line 3): nested deeper than 64 levels",
        f"failed: {path}: tasks[2] (line 4): data.text: "
        "Text may not contain a lone surrogate (U+D800).",
        f"failed: {path}: tasks[3] (line 5): nested deeper than 64 levels",
    ]
    assert "created 2, updated 0, unchanged 0, failed 3" in out
    assert set(project.articles.values_list("body", flat=True)) == {
        "The first task's text.",
        "The fifth task's text.",
    }


def test_label_studio_file_that_is_one_deep_value_fails_whole(tmp_path, project):
    path = tmp_path / "tasks.json"
    path.write_text(DEEP)

    _, err = _import_failing(path, "label-studio", "politifact", failed=1)

    assert "nested deeper than 64 levels" in err
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"text": "A lone \\ud800 surrogate.", "label": []}', "text: Text may not contain a lone"),
        ('{"text": "A NUL \\u0000 here.", "label": []}', "text: Text may not contain NUL"),
        ('{"text": "Fine text.", "label": [[0, 4, "\\udc00"]]}', "label[0][2]: Text may not"),
        (DEEP, "nested deeper than 64 levels"),
    ],
    ids=["surrogate-text", "nul-text", "surrogate-label", "nested-50000"],
)
def test_doccano_bad_line_fails_alone(tmp_path, project, bad_line, reason):
    path = tmp_path / "alice.jsonl"
    lines = [
        json.dumps({"text": "The first line's text.", "label": []}),
        bad_line,
        json.dumps({"text": "The third line's text.", "label": []}),
    ]
    path.write_text("\n".join(lines) + "\n")

    out, err = _import_failing(path, "doccano", "politifact", failed=1)

    assert err.startswith(f"failed: {path}:2: ")
    assert reason in err
    assert "created 2, updated 0, unchanged 0, failed 1" in out
    assert project.articles.count() == 2
    assert not Verdict.objects.exists()
