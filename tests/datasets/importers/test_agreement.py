"""Imported verdicts count in the agreement figures at once (the cache is invalidated)."""

import json

import pytest

from annotate.quality import project_agreement
from tests.datasets.importers.imports import import_file
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Envoy said talks went well."


def test_imported_verdicts_reach_a_cached_agreement_report(
    tmp_path, django_capture_on_commit_callbacks
):
    project = ProjectFactory(slug="politifact", editors=[UserFactory(username="eddie")])
    assert project_agreement(project).verdicts == 0  # cached now
    region = {
        "id": "r",
        "from_name": "claim",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 11, "end": 26, "text": "talks went well", "labels": ["True"]},
    }
    task = {
        "id": 1,
        "data": {"text": TEXT},
        "annotations": [
            {"completed_by": 1, "result": [region]},
            {"completed_by": 2, "result": [region]},
        ],
    }
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]), encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = import_file(path, "label-studio")

    assert "verdicts 2" in out
    report = project_agreement(project)
    assert (report.verdicts, report.spans) == (2, 1)
