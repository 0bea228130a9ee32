"""One write path: no code outside annotate's services writes annotation rows with the ORM.

Doors (pages, API, admin, commands) and dataset imports call services; this test reads the source
of every app module (not tests, benchmarks or migrations) and fails on an ORM write of a Span,
Verdict, Source, Assignment, Comment, Adjudication, Skip, Claim, Appearance, MatchDecision,
ClaimLink or ClaimComment anywhere else: a manager or queryset
write (`Span.objects.filter(...).update(...)`, `bulk_create`, ...) or a model built to be saved.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "annotate", "config", "corpus", "datasets")
GUARDED = {
    "Span",
    "Verdict",
    "Source",
    "Assignment",
    "Comment",
    "Adjudication",
    "Skip",
    "Claim",
    "Appearance",
    "MatchDecision",
    "ClaimLink",
    "ClaimComment",
}
WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "save",
}
# The one write path: annotate's service modules.
SERVICES = (
    "annotate/review/services/",
    "annotate/projects/services.py",
    "annotate/claims/services.py",
)


def _chain_root(node: ast.AST) -> str | None:
    """The name a call chain starts from: `Span` in `Span.objects.filter(...).update(...)`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def orm_writes(source: str) -> list[tuple[int, str]]:
    """(line, text) of each ORM write of a guarded model in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in GUARDED:
            found.append((node.lineno, f"{func.id}(...)"))
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in WRITES
            and _chain_root(func.value) in GUARDED
        ):
            found.append((node.lineno, f"{_chain_root(func.value)}....{func.attr}(...)"))
    return found


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.startswith(SERVICES):
                continue
            yield relative, path


def test_no_orm_write_of_annotation_rows_outside_the_services():
    offenders = [
        f"{relative}:{line}: {what}"
        for relative, path in _app_modules()
        for line, what in orm_writes(path.read_text())
    ]
    assert offenders == [], "write through annotate's services instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        "Span.objects.filter(pk=1).update(note='x')",
        "Verdict.objects.bulk_create(rows)",
        "Comment.objects.create(span=span, body='x')",
        "Source(verdict=v, url='https://example.org')",
        "Assignment.objects.get_or_create(span=span, reviewer=user)",
        "Adjudication.objects.filter(span=span).delete()",
    ],
)
def test_the_scan_catches_a_write(line):
    assert orm_writes(line)


def test_the_scan_ignores_reads():
    assert not orm_writes("Span.objects.filter(project=p).values('pk')\nVerdict.objects.get(pk=1)")
