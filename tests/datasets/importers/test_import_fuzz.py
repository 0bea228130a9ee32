"""import_dataset (native, Label Studio, doccano) on generated files of good and bad lines: no
traceback, every bad line (task) named, every good one stored once with its labels, and a re-run
changes nothing."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from annotate.models import Span, Verdict
from tests.import_lines import (
    DOCCANO_LINES,
    LABEL_STUDIO_TASKS,
    NATIVE_LINES,
    Line,
    bad_numbers,
    jsonl,
    label_studio_file,
    lines,
    named_lines,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(slug="politifact", reviewers=[], viewers=[], articles=[]),
]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _run(path, fmt: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "import_dataset",
            str(path),
            "--project",
            "politifact",
            "--format",
            fmt,
            stdout=out,
            stderr=err,
        )
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def _summary(out: str) -> str:
    return out.strip().splitlines()[-1]


def _check(project, path, fmt: str, bad_named: list[int], named, good: int, labelled: bool):
    out, err, error = _run(path, fmt)

    assert (error is not None) == bool(bad_named), err
    assert named(err) == bad_named, err
    assert _summary(out).startswith(
        f"articles: created {good}, updated 0, unchanged 0, failed {len(bad_named)};"
    ), out
    assert project.articles.count() == good
    assert Span.objects.count() == Verdict.objects.count() == (good if labelled else 0)
    rows = (
        sorted(project.articles.values_list("pk", "updated_at")),
        sorted(Verdict.objects.values_list("pk", "updated_at")),
    )

    again_out, again_err, _ = _run(path, fmt)

    assert _summary(again_out).startswith(
        f"articles: created 0, updated 0, unchanged {good}, failed {len(bad_named)};"
        " new spans 0, verdicts 0"
    ), again_out
    assert again_err == err
    assert rows == (
        sorted(project.articles.values_list("pk", "updated_at")),
        sorted(Verdict.objects.values_list("pk", "updated_at")),
    )


@FUZZ
@given(file_lines=lines(NATIVE_LINES))
def test_native_fuzz(project, tmp_path, file_lines: list[Line]):
    path = tmp_path / "native.jsonl"
    path.write_bytes(jsonl(file_lines))
    good = sum(line.good for line in file_lines)
    with transaction.atomic():  # each example starts from the same database
        _check(
            project,
            path,
            "native",
            bad_numbers(file_lines),
            lambda err: named_lines(err, path),
            good,
            labelled=True,
        )
        transaction.set_rollback(True)


@FUZZ
@given(file_lines=lines(DOCCANO_LINES))
def test_doccano_fuzz(project, tmp_path, file_lines: list[Line]):
    path = tmp_path / "alice.jsonl"
    path.write_bytes(jsonl(file_lines))
    good = sum(line.good for line in file_lines)
    with transaction.atomic():
        _check(
            project,
            path,
            "doccano",
            bad_numbers(file_lines),
            lambda err: named_lines(err, path),
            good,
            labelled=True,
        )
        transaction.set_rollback(True)


@FUZZ
@given(file_lines=lines(LABEL_STUDIO_TASKS))
def test_label_studio_fuzz(project, tmp_path, file_lines: list[Line]):
    path = tmp_path / "tasks.json"
    path.write_bytes(label_studio_file(file_lines))
    good = sum(line.good for line in file_lines)
    bad_tasks = [index for index, line in enumerate(file_lines) if not line.good]
    pattern = re.compile(rf"failed: {re.escape(str(path))}: tasks\[(\d+)\]")

    def named(err: str) -> list[int]:
        return [int(pattern.match(message)[1]) for message in err.splitlines()]

    with transaction.atomic():
        _check(project, path, "label-studio", bad_tasks, named, good, labelled=False)
        transaction.set_rollback(True)
