"""The import-direction contract ([tool.importlinter] in pyproject.toml): the code keeps it, and a
copy of the code with one back-arrow added breaks it, so the check cannot pass vacuously."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "accounts", "corpus", "annotate", "datasets")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports with the contract in `tree`'s pyproject.toml, over the packages in `tree`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        # Ahead of the editable install's finder, which Python consults after sys.path.
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_layers_kept_by_the_code():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "back_arrow"),
    [
        # corpus knows no projects
        ("corpus/selectors.py", "from annotate.models import Project"),
        # shared API plumbing knows no app
        ("config/api/errors.py", "from annotate.errors import VersionConflict"),
        # annotate knows nothing of datasets
        ("annotate/review/selectors.py", "from datasets.exporters import formats"),
        # accounts and corpus are siblings, neither imports the other
        ("accounts/models.py", "from corpus.models import Article"),
        # inside annotate, the domain never imports a door
        ("annotate/review/selectors.py", "from annotate.web import views"),
        # an import inside a function counts too
        ("corpus/views.py", "def _late():\n    from annotate.review import selectors"),
    ],
)
def test_layers_broken_by_a_back_arrow(tmp_path, module, back_arrow):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a") as source:
        source.write(f"\n{back_arrow}\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout
