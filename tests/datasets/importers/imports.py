"""Running `import_dataset` from tests: its stdout and stderr, or the CommandError it raises."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def import_file(path, fmt: str, *args, project: str = "politifact") -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_dataset",
        str(path),
        "--project",
        project,
        "--format",
        fmt,
        *args,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def import_file_failing(
    path, fmt: str, *args, match: str, project: str = "politifact"
) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=match):
        call_command(
            "import_dataset",
            str(path),
            "--project",
            project,
            "--format",
            fmt,
            *args,
            stdout=out,
            stderr=err,
        )
    return out.getvalue(), err.getvalue()
