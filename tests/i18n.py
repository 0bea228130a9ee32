"""What makemessages would extract from a module, for tests that a user-facing text is marked
for translation (issue 17): the text a door answers must be one of these msgids, or translators
never see it."""

import ast
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The keywords Django's makemessages adds to xgettext's own (gettext, _, ngettext, ...) for
# Python files (django/core/management/commands/makemessages.py, process_locale_dir).
_KEYWORDS = (
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
)


@cache
def extracted_msgids(module: str) -> frozenset[str]:
    """The msgids (singular and plural) xgettext finds in `module`, a path from the repo root."""
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        pytest.skip("xgettext (GNU gettext) is not installed; makemessages needs it too")
    output = subprocess.run(
        [
            xgettext,
            "--language=Python",
            "--from-code=UTF-8",
            *(f"--keyword={keyword}" for keyword in _KEYWORDS),
            "--output=-",
            str(ROOT / module),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return frozenset(_msgids(output))


def _msgids(po: str):
    """msgid and msgid_plural values of a PO text; continuation lines are joined."""
    current: list[str] | None = None
    for line in [*po.splitlines(), ""]:
        if line.startswith(("msgid ", "msgid_plural ")):
            if current is not None:
                yield "".join(current)
            current = [ast.literal_eval(line.split(" ", 1)[1])]
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif current is not None:
            yield "".join(current)
            current = None
