"""No template and no door compares role names: they read Capabilities or call access_*
(annotate.access). This fails when a comparison comes back."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "annotate", "config", "corpus", "datasets")
# Door modules: HTML views and API views, wherever a refactoring puts them.
DOOR_PATTERNS = ("views.py", "*_views.py", "views/*.py", "web/*.py", "api.py", "api/*.py")

ROLE = r"(?:editor|reviewer|viewer)"
COMPARISONS = [
    re.compile(r"(?<![A-Za-z0-9])role\s*(?:==|!=)"),  # role == ..., project.role != ...
    re.compile(r"(?:==|!=)\s*\S*role\b"),  # ... == span.caller_role
    re.compile(rf"(?:==|!=)\s*[\"']{ROLE}[\"']"),  # == "editor"
    re.compile(rf"[\"']{ROLE}[\"']\s*(?:==|!=)"),  # "editor" ==
    re.compile(r"\bRole\.(?:EDITOR|REVIEWER|VIEWER)\b"),  # Role.EDITOR, Membership.Role.VIEWER
    # role in (...), project.role in WRITERS
    re.compile(r"(?<![A-Za-z0-9])role\s+(?:not\s+)?in\s*[(\[{A-Z]"),
    re.compile(r"\b(?:role_in|require_role|require_editor|require_writer)\("),  # services' own
]


def _templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html"))


def _doors() -> list[Path]:
    found: set[Path] = set()
    for app in APPS:
        for pattern in DOOR_PATTERNS:
            found.update((ROOT / app).rglob(pattern))
    return sorted(path for path in found if "migrations" not in path.parts)


def _offences(path: Path) -> list[str]:
    offences = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if any(pattern.search(line) for pattern in COMPARISONS):
            offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return offences


def test_the_scan_finds_the_files_it_guards():
    names = {path.relative_to(ROOT).as_posix() for path in _templates() + _doors()}
    assert "templates/annotate/_panel.html" in names
    assert "annotate/web/views.py" in names
    assert "datasets/api.py" in names
    assert any(name.startswith("annotate/api/") for name in names)


@pytest.mark.parametrize(
    "line",
    [
        '{% if role == "editor" %}',
        "{% if project.role != 'viewer' %}",
        "if project.role != Role.EDITOR:",
        '"can_write": project.role in (Role.EDITOR, Role.REVIEWER),',
        "if role_in(span.project, request.user) != Role.EDITOR:",
        'if "editor" == membership.role:',
        "if span.caller_role not in WRITERS:",
    ],
)
def test_the_scan_recognises_a_role_comparison(tmp_path, line):
    door = tmp_path / "views.py"
    door.write_text(line + "\n")
    assert any(pattern.search(line) for pattern in COMPARISONS)


def test_no_template_or_door_compares_roles():
    offences = [offence for path in _templates() + _doors() for offence in _offences(path)]
    assert not offences, "Read Capabilities or call access_* instead:\n" + "\n".join(offences)
