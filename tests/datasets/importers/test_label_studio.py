"""import_dataset --format label-studio, on Label Studio 1.23.2's own exports and edge cases."""

import json
import unicodedata
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from annotate.models import Adjudication, Membership, Prediction, Span, Verdict
from corpus.models import Article
from tests.datasets.exports import build_known_project, export
from tests.datasets.importers.imports import import_file, import_file_failing
from tests.factories import ProjectFactory, UserFactory
from tests.paths import PEERS

# The project the files are imported into: `politifact`, its editor its only member.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(slug="politifact", reviewers=[], viewers=[], articles=[]),
]

SAMPLE = PEERS / "label_studio_export_sample.json"
EMOJI = PEERS / "label_studio_emoji_export.json"
CONFIG = PEERS / "label_studio_config.xml"
TEXT = "Hi 👋 Envoy said talks went well."


def _run(path, *args, project="politifact") -> tuple[str, str]:
    return import_file(path, "label-studio", *args, project=project)


def _run_failing(path, *args, match: str) -> tuple[str, str]:
    return import_file_failing(path, "label-studio", *args, match=match)


def _tasks_file(tmp_path, tasks, name="tasks.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def _region(region_id, start, end, text, **value):
    kind = "choices" if "choices" in value else "textarea" if "text_area" in value else "labels"
    value = {"text": value.pop("text_area")} if kind == "textarea" else {"text": text, **value}
    return {
        "id": region_id,
        "from_name": {"labels": "claim", "choices": "verdict", "textarea": "why"}[kind],
        "to_name": "text",
        "type": kind,
        "value": {"start": start, "end": end, **value},
    }


def _task(*annotations, text=TEXT, **extra):
    return {
        "id": 1,
        "data": {"text": text, "title": "Envoy"},
        "annotations": list(annotations),
        **extra,
    }


def _verdict_rows():
    return set(Verdict.objects.values_list("span__quote", "reviewer__username", "label", "status"))


def _expected_from_file(path) -> set[tuple[str, str, str, str]]:
    rows = set()
    for task in json.loads(path.read_text(encoding="utf-8")):
        for annotation in task["annotations"]:
            for result in annotation["result"]:
                value = result["value"]
                quote = unicodedata.normalize("NFC", value["text"])
                rows.add(
                    (quote, f"ls-{annotation['completed_by']}", value["labels"][0], "submitted")
                )
    return rows


def test_sample_export_imports_twenty_articles_three_reviewers_each(project, editor):
    out, err = _run(SAMPLE, "--label-config", str(CONFIG))
    assert err == ""
    assert out.splitlines()[-1] == (
        "articles: created 20, updated 0, unchanged 0, failed 0; new spans 60, verdicts 180, "
        "predictions 0, comments 0, adjudications 0; placeholder users 3 (ls-2, ls-3, ls-4)"
    )
    assert Article.objects.count() == 20
    assert project.articles.count() == 20
    assert Span.objects.filter(project=project).count() == 60
    assert _verdict_rows() == _expected_from_file(SAMPLE)
    assert Verdict.objects.filter(submitted_at__isnull=True).count() == 0
    # Every span's quote is the body at its offsets (Span invariant), also in the NFD articles.
    for span in Span.objects.select_related("article"):
        assert span.article.body[span.start : span.end] == span.quote
    assert Article.objects.get(title="Synthetic article 1").body == unicodedata.normalize(
        "NFC", json.loads(SAMPLE.read_text(encoding="utf-8"))[1]["data"]["text"]
    )


def test_sample_reviewers_become_inactive_placeholder_reviewers(project, editor):
    _run(SAMPLE)
    placeholders = get_user_model().objects.filter(username__in=["ls-2", "ls-3", "ls-4"])
    assert placeholders.count() == 3
    assert not any(user.is_active or user.has_usable_password() for user in placeholders)
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        editor.username: "editor",
        "ls-2": "reviewer",
        "ls-3": "reviewer",
        "ls-4": "reviewer",
    }


def test_sample_reimport_changes_nothing(project):
    _run(SAMPLE)
    before = (_verdict_rows(), Span.objects.count(), get_user_model().objects.count())
    out, _ = _run(SAMPLE)
    assert out.splitlines()[-1] == (
        "articles: created 0, updated 0, unchanged 20, failed 0; new spans 0, verdicts 0, "
        "predictions 0, comments 0, adjudications 0; placeholder users 0"
    )
    assert (_verdict_rows(), Span.objects.count(), get_user_model().objects.count()) == before


def test_dry_run_reports_and_stores_nothing(project):
    users = get_user_model().objects.count()
    out, _ = _run(SAMPLE, "--dry-run")
    assert out.splitlines()[-1].startswith(
        "dry run, nothing stored: articles: created 20, updated 0, unchanged 0, failed 0; "
        "new spans 60, verdicts 180"
    )
    assert "placeholder users 3" in out
    assert Article.objects.count() == 0
    assert Span.objects.count() == 0
    assert get_user_model().objects.count() == users


def test_emoji_export_takes_code_points_and_converts_utf16_units(project):
    out, _ = _run(EMOJI)
    span = Span.objects.get()
    assert (span.start, span.end, span.quote) == (14, 33, "the “minister” said")
    assert "region emoji-utf-: [17, 36] were UTF-16 units; converted to code points [14, 33]" in out
    assert "region emoji-code" not in out  # taken as it is
    # Both annotations are by Label Studio user 1 on the same words: one verdict, the first.
    assert _verdict_rows() == {("the “minister” said", "ls-1", "False", "submitted")}
    assert "ls-1 already has a verdict on [14, 33]; kept the first" in out


def test_region_in_neither_unit_is_rejected_and_its_task_stored_not(project, tmp_path):
    good = _task(
        {"completed_by": 5, "result": [_region("ok", 16, 31, "talks went well", labels=["True"])]}
    )
    bad = _task(
        {
            "completed_by": 5,
            "result": [
                _region("fine", 15, 16, "👋", labels=["True"]),
                _region("off", 18, 33, "talks went well", labels=["False"]),
            ],
        },
        text="Other text. " + TEXT,
    )
    bad["id"] = 2
    _, err = _run_failing(_tasks_file(tmp_path, [good, bad]), match="1 article")
    assert err.strip() == (
        f"failed: {tmp_path / 'tasks.json'}: tasks[1] (id 2): annotations[0] region off: "
        "rejected: [18, 33] does not hold 'talks went well' in code points or in UTF-16 units"
    )
    assert list(Article.objects.values_list("body", flat=True)) == [TEXT]
    assert list(Span.objects.values_list("quote", flat=True)) == ["talks went well"]


def test_unknown_labels_are_listed_before_anything_is_stored(project, tmp_path):
    tasks = [
        _task(
            {
                "completed_by": 2,
                "result": [_region("a", 16, 31, "talks went well", labels=["Bogus"])],
            }
        ),
        _task({"completed_by": 2, "result": [_region("b", 5, 10, "Envoy", labels=["Claim"])]}),
    ]
    tasks[1]["data"]["text"] = "An Envoy said talks went well."
    tasks[1]["annotations"][0]["result"][0]["value"].update(start=3, end=8)
    _run_failing(
        _tasks_file(tmp_path, tasks),
        match=r"not on the scale.*'Bogus' \(1 article\(s\), first at .*tasks\[0\].*'Claim'",
    )
    assert Article.objects.count() == 0
    assert get_user_model().objects.count() == 1


def test_map_label_reads_a_foreign_label_as_a_scale_label(project, tmp_path):
    tasks = [
        _task(
            {
                "completed_by": 2,
                "result": [_region("a", 16, 31, "talks went well", labels=["half-true"])],
            }
        )
    ]
    _run(_tasks_file(tmp_path, tasks), "--map-label", "half-true=Half True")
    assert _verdict_rows() == {("talks went well", "ls-2", "Half True", "submitted")}


def test_completed_by_id_email_and_missing(project, tmp_path):
    local = UserFactory(username="maria", email="Maria@Example.org")
    region = _region("r", 16, 31, "talks went well", labels=["True"])
    tasks = [
        _task(
            {"completed_by": 7, "result": [region]},
            {"completed_by": {"email": "maria@example.org"}, "result": [region]},
            {"completed_by": {"email": "new@example.org"}, "result": [region]},
            {"result": [region]},
        )
    ]
    path = _tasks_file(tmp_path, tasks)
    _, err = _run_failing(path, match="1 article")
    assert "annotations[3] region r: the file names no reviewer; pass --reviewer" in err
    assert Span.objects.count() == 0

    UserFactory(username="importer")
    _run(path, "--reviewer", "importer")
    assert {row[1] for row in _verdict_rows()} == {"ls-7", "maria", "new@example.org", "importer"}
    assert get_user_model().objects.get(username="new@example.org").email == "new@example.org"
    assert Membership.objects.get(project=project, user=local).role == "reviewer"


def test_unknown_reviewer_option_is_refused(project):
    _run_failing(SAMPLE, "--reviewer", "nobody", match="no user named 'nobody'")


def test_meta_reviewers_pseudonyms_name_the_annotations(project, tmp_path):
    UserFactory(username="r-existing")
    region = _region("r", 16, 31, "talks went well", labels=["True"])
    tasks = [
        _task(
            {"result": [region]},
            {"completed_by": 3, "result": [region]},
            meta={"reviewers": ["r-existing", "r-2b"]},
        )
    ]
    out, _ = _run(_tasks_file(tmp_path, tasks))
    assert {row[1] for row in _verdict_rows()} == {"r-existing", "r-2b"}
    assert out.splitlines()[-1].endswith("placeholder users 1 (r-2b)")


def test_meta_reviewers_of_the_wrong_length_fail_the_task(project, tmp_path):
    region = _region("r", 16, 31, "talks went well", labels=["True"])
    tasks = [_task({"result": [region]}, meta={"reviewers": ["a", "b"]})]
    _, err = _run_failing(_tasks_file(tmp_path, tasks), match="1 article")
    assert "'meta.reviewers' names 2 reviewer(s) for 1 annotation(s)" in err


def test_per_region_choices_and_textarea_give_label_and_rationale(project, tmp_path):
    """FORMATS.md §4b's example: `labels` marks the claim, `choices` is the verdict."""
    config = tmp_path / "config.xml"
    config.write_text(
        '<View><Text name="text" value="$text"/>'
        '<Labels name="claim" toName="text"><Label value="Claim"/></Labels>'
        '<Choices name="verdict" toName="text" perRegion="true">'
        '<Choice value="True"/><Choice value="Half True"/></Choices>'
        '<TextArea name="why" toName="text" perRegion="true"/></View>',
        encoding="utf-8",
    )
    tasks = [
        _task(
            {
                "completed_by": 2,
                "result": [
                    _region("s-01", 16, 31, "talks went well", labels=["Claim"]),
                    _region("s-01", 16, 31, None, choices=["Half True"]),
                    _region("s-01", 16, 31, None, text_area=["Readout says so."]),
                    _region("s-02", 5, 10, "Envoy", labels=["Claim"]),
                ],
            }
        )
    ]
    _run(_tasks_file(tmp_path, tasks), "--label-config", str(config))
    assert set(Span.objects.values_list("quote", flat=True)) == {"talks went well", "Envoy"}
    verdict = Verdict.objects.get()
    assert (verdict.span.quote, verdict.label, verdict.rationale) == (
        "talks went well",
        "Half True",
        "Readout says so.",
    )


def test_predictions_become_prediction_rows_once(project, tmp_path):
    tasks = [
        _task(
            predictions=[
                {
                    "model_version": "claimbuster-v2",
                    "score": 0.5,
                    "result": [
                        _region("p1", 16, 31, "talks went well", labels=["Mostly True"]),
                        {**_region("p2", 6, 11, "Envoy", labels=["True"]), "score": 0.9},
                    ],
                }
            ]
        )
    ]
    path = _tasks_file(tmp_path, tasks)
    out, _ = _run(path)
    assert "predictions 2" in out
    assert "p2: [6, 11] were UTF-16 units; converted to code points [5, 10]" in out
    rows = set(Prediction.objects.values_list("model_name", "quote", "label", "score"))
    assert rows == {
        ("claimbuster-v2", "talks went well", "Mostly True", 0.5),
        ("claimbuster-v2", "Envoy", "True", 0.9),
    }
    _run(path)
    assert Prediction.objects.count() == 2


def test_ground_truth_among_reviewers_is_an_adjudication(project, tmp_path):
    region = _region("r", 16, 31, "talks went well", labels=["True"])
    tasks = [
        _task(
            {"ground_truth": False, "result": [region]},
            {
                "ground_truth": True,
                "result": [{**region, "value": {**region["value"], "labels": ["False"]}}],
            },
            meta={"reviewers": ["r-a", "r-ed"]},
        )
    ]
    _run(_tasks_file(tmp_path, tasks))
    assert _verdict_rows() == {("talks went well", "r-a", "True", "submitted")}
    adjudication = Adjudication.objects.get()
    assert (adjudication.editor.username, adjudication.label) == ("r-ed", "False")
    assert list(adjudication.considered_verdicts.values_list("label", flat=True)) == ["True"]
    assert not Membership.objects.filter(user=adjudication.editor).exists()


def test_malformed_file_and_tasks_are_reported(project, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    _, err = _run_failing(broken, match="1 article")
    assert "invalid JSON" in err

    tasks = [
        {"id": 9, "data": {}},
        "not a task",
        _task({"completed_by": 2, "result": [{"id": "x"}]}),
    ]
    _, err = _run_failing(_tasks_file(tmp_path, tasks), match="3 article")
    lines = err.strip().splitlines()
    assert lines[0].endswith("tasks[0] (id 9): 'data.text' must be a non-empty string")
    assert lines[1].endswith("tasks[1]: a task must be a JSON object")
    assert lines[2].endswith("tasks[2] (id 1): annotations[0]: result[0] has no 'value' object")


def test_offset_unit_option_is_for_doccano_only(project):
    _run_failing(SAMPLE, "--offset-unit", "utf16", match="for doccano files")


# Round trip: our Label Studio export, imported into a fresh project ---------------------------


def _claims(project) -> set[tuple[str, int, int, str]]:
    return set(
        Span.objects.filter(project=project).values_list("article__body", "start", "end", "quote")
    )


def _judgements(project) -> set[tuple[str, str, str, str]]:
    return set(
        Verdict.objects.filter(
            span__project=project, span__orphaned=False, status="submitted"
        ).values_list("span__quote", "reviewer__username", "label", "rationale")
    )


@pytest.mark.parametrize(
    "options", [{"real_names": True}, {"real_names": True, "completed_by_email": True}]
)
def test_label_studio_export_imports_back_with_same_spans_labels_reviewers(tmp_path, options):
    known = build_known_project()
    path = tmp_path / "known.json"
    path.write_text(export(known.project, "label-studio", **options), encoding="utf-8")
    fresh = ProjectFactory(slug="fresh", editors=[known.editor])

    out, _ = _run(path, project="fresh")

    assert "failed 0" in out
    assert _claims(fresh) == _claims(known.project) - {
        (known.formula.body, known.orphan.start, known.orphan.end, known.orphan.quote)
    }
    assert _judgements(fresh) == _judgements(known.project)
    decided = Adjudication.objects.get(span__project=fresh)
    assert (decided.span.quote, decided.editor, decided.label, decided.rationale) == (
        "talks went well",
        known.editor,
        "Half True",
        "Rita's reading holds.",
    )
    assert not get_user_model().objects.filter(is_active=False).exists()  # no placeholders


def test_label_studio_export_with_pseudonyms_keeps_reviewers_apart(tmp_path):
    known = build_known_project()
    path = tmp_path / "known.json"
    path.write_text(export(known.project, "label-studio"), encoding="utf-8")
    fresh = ProjectFactory(slug="fresh", editors=[known.editor])

    _run(path, project="fresh")

    def by_reviewer(project):
        groups = {}
        for quote, reviewer, label, _ in _judgements(project):
            groups.setdefault(reviewer, set()).add((quote, label))
        return groups

    original, imported = by_reviewer(known.project), by_reviewer(fresh)
    assert sorted(map(sorted, imported.values())) == sorted(map(sorted, original.values()))
    assert all(name.startswith("r-") for name in imported)
    assert not get_user_model().objects.filter(username__in=imported, is_active=True).exists()


def test_a_large_export_is_read_a_task_at_a_time_across_chunks(project, monkeypatch):
    from datasets.importers import json_array

    monkeypatch.setattr(json_array, "_CHUNK_CHARS", 64)
    out, err = _run(SAMPLE)
    assert err == ""
    assert "articles: created 20, updated 0, unchanged 0, failed 0" in out


def test_progress_lines_without_a_terminal(project, tmp_path, monkeypatch):
    monkeypatch.setattr("datasets.management.commands.import_dataset.PLAIN_PROGRESS_EVERY", 2)
    tasks = [{"id": n, "data": {"text": f"Article number {n}."}} for n in range(5)]
    _, err = _run(_tasks_file(tmp_path, tasks))
    assert err.splitlines() == ["processed 2 article(s)", "processed 4 article(s)"]
