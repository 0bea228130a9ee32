"""import_dataset --format native: export, import into an empty database, export: same bytes."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Membership,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
)
from corpus.models import Article
from tests.datasets.exports import build_known_project, export
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _import(path, *args, project="known") -> str:
    out = StringIO()
    call_command(
        "import_dataset", str(path), "--project", project, "--format", "native", *args, stdout=out
    )
    return out.getvalue()


def _empty_the_database() -> None:
    """Every row an export reads, and every user: what a fresh installation holds."""
    for model in (Adjudication, Comment, Source, Assignment, Verdict, Prediction, Span):
        model.objects.all().delete()
    Project.objects.all().delete()
    Article.objects.all().delete()
    get_user_model().objects.all().delete()


def _write(tmp_path, text: str):
    path = tmp_path / "known.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "options",
    [
        {},  # the defaults: pseudonyms, submitted verdicts, no orphaned spans
        {"real_names": True, "include_drafts": True, "include_orphaned": True},
    ],
    ids=["defaults", "everything"],
)
def test_export_import_into_empty_database_export_is_byte_identical(tmp_path, options):
    known = build_known_project()
    first = export(known.project, "native", **options)
    path = _write(tmp_path, first)
    _empty_the_database()

    out = _import(path)

    assert out.splitlines()[0] == "project 'known' created from the file with 3 member(s)"
    assert out.splitlines()[-1].startswith("articles: created 2, updated 0, unchanged 0, failed 0")
    assert export(Project.objects.get(slug="known"), "native", **options) == first


def test_native_import_keeps_people_times_and_adjudication(tmp_path):
    known = build_known_project()
    path = _write(tmp_path, export(known.project, "native", real_names=True, include_drafts=True))
    _empty_the_database()
    _import(path)

    project = Project.objects.get(slug="known")
    users = get_user_model().objects.order_by("pk")
    assert [(u.username, u.is_active) for u in users] == [
        ("known-eddie", False),
        ("known-rita", False),
        ("known-rob", False),
    ]
    assert project_first_editor_name(project) == "known-eddie"
    talks = Span.objects.get(quote="talks went well")
    adjudication = talks.adjudication
    assert (adjudication.editor.username, adjudication.label) == ("known-eddie", "Half True")
    assert adjudication.considered_verdicts.count() == 2
    assert [c.body for c in Comment.objects.filter(span=talks).order_by("pk")] == [
        "Which readout?",
        "The 8 Dec one.",
    ]
    assert Comment.objects.get(body="The 8 Dec one.").parent.body == "Which readout?"
    draft = Verdict.objects.get(status="draft")
    assert (draft.reviewer.username, draft.label, draft.submitted_at) == (
        "known-rob",
        "Pants on Fire",
        None,
    )


def test_native_stances_are_formats_words_and_older_context_still_reads(tmp_path):
    known = build_known_project()
    written = export(known.project, "native")
    assert '"stance":"neutral"' in written and '"stance":"context"' not in written
    path = _write(tmp_path, written.replace('"stance":"neutral"', '"stance":"context"'))
    _empty_the_database()

    _import(path)

    assert Source.objects.filter(stance=Source.Stance.CONTEXT).exists()
    assert export(Project.objects.get(slug="known"), "native") == written


def project_first_editor_name(project) -> str:
    return (
        Membership.objects.filter(project=project, role="editor")
        .order_by("created_at", "pk")
        .values_list("user__username", flat=True)
        .first()
    )


def test_reimporting_a_native_file_changes_nothing(tmp_path):
    known = build_known_project()
    first = export(known.project, "native")
    path = _write(tmp_path, first)
    _empty_the_database()
    _import(path)
    counts = [model.objects.count() for model in (Span, Verdict, Source, Comment, Membership)]

    out = _import(path)

    assert out.splitlines()[-1] == (
        "articles: created 0, updated 0, unchanged 2, failed 0; new spans 0, verdicts 0, "
        "predictions 0, comments 0, adjudications 0; placeholder users 0"
    )
    assert [model.objects.count() for model in (Span, Verdict, Source, Comment, Membership)] == (
        counts
    )
    assert export(Project.objects.get(slug="known"), "native") == first


def test_dry_run_of_a_native_file_creates_no_project(tmp_path):
    known = build_known_project()
    path = _write(tmp_path, export(known.project, "native"))
    _empty_the_database()

    out = _import(path, "--dry-run")

    assert out.splitlines()[-1].startswith("dry run, nothing stored: articles: created 2")
    assert not Project.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Article.objects.exists()


def test_native_file_into_an_existing_project_adds_its_people_as_reviewers(tmp_path):
    known = build_known_project()
    path = _write(tmp_path, export(known.project, "native", real_names=True))
    # Staff: the articles are in "known" already, which other editors may not take them from.
    editor = UserFactory(username="desk-editor", is_staff=True)
    desk = ProjectFactory(slug="desk", editors=[editor])

    out = _import(path, project="desk")

    assert "placeholder users 0" in out  # the people exist here: matched by username
    assert Span.objects.filter(project=desk).count() == 3
    roles = dict(Membership.objects.filter(project=desk).values_list("user__username", "role"))
    assert roles == {
        "desk-editor": "editor",
        "known-eddie": "reviewer",  # created spans; adjudicating grants no role
        "known-rita": "reviewer",
        "known-rob": "reviewer",
    }
    assert Adjudication.objects.get(span__project=desk).editor == known.editor


def test_articles_of_a_project_the_editor_cannot_read_join_the_project(tmp_path):
    # The file holds the articles' full text: holding the text is the right to the article, and
    # a refusal would name an article (its id) of a project the importing editor cannot read.
    known = build_known_project()
    path = _write(tmp_path, export(known.project, "native"))
    desk = ProjectFactory(slug="desk", editors=[UserFactory(username="desk-editor")])
    err = StringIO()

    call_command(
        "import_dataset",
        str(path),
        "--project",
        "desk",
        "--format",
        "native",
        stdout=StringIO(),
        stderr=err,
    )

    assert f"#{known.emoji.pk}" not in err.getvalue()
    assert set(desk.articles.all()) == set(known.project.articles.all())
    assert known.project.articles.filter(pk=known.emoji.pk).exists()
    exported = Span.objects.filter(project=known.project, orphaned=False)  # as the file has them
    assert set(Span.objects.filter(project=desk).values_list("quote", flat=True)) == set(
        exported.values_list("quote", flat=True)
    )


def test_bad_native_lines_are_reported_with_their_numbers(tmp_path):
    known = build_known_project()
    lines = export(known.project, "native").splitlines()
    article = json.loads(lines[1])
    article["spans"][0]["start"] += 1
    lines[1] = json.dumps(article, ensure_ascii=False)
    lines.append('{"schema": "factcheck-native/1", "type": "article"}')
    lines.append("not json")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    err = StringIO()
    with pytest.raises(CommandError, match="3 article"):
        call_command(
            "import_dataset",
            str(path),
            "--project",
            "known",
            "--format",
            "native",
            stdout=StringIO(),
            stderr=err,
        )
    messages = err.getvalue().splitlines()
    assert messages[0] == f"failed: {path}:2: spans[0]: [6, 10] does not hold the span's quote"
    assert messages[1] == f"failed: {path}:4: 'article' must be a JSON object"
    assert messages[2].startswith(f"failed: {path}:5: invalid JSON")


def test_project_missing_and_not_native_is_refused(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no project with the slug 'nowhere'"):
        call_command("import_dataset", str(path), "--project", "nowhere", "--format", "doccano")


def test_claims_into_empty_database_byte_identical_and_a_rerun_changes_nothing(tmp_path):
    from annotate.models import Appearance, Claim, MatchDecision
    from tests.datasets.exports import add_known_claims

    known = build_known_project()
    add_known_claims(known)
    first = export(known.project, "native", real_names=True)
    path = _write(tmp_path, first)
    _empty_the_database()

    out = _import(path)

    assert "claims: created 2, unchanged 0; appearances 3, match decisions 2" in out
    project = Project.objects.get(slug="known")
    assert export(project, "native", real_names=True) == first
    talks = Claim.objects.get(text="The envoy's talks went well")
    assert (talks.verdict_label, talks.verdict_set_by.username) == ("Mostly False", "known-eddie")
    assert Appearance.objects.get(span__quote="Envoy").link_method == "auto"
    assert MatchDecision.objects.get(decision="rejected").decided_by.username == "known-rob"

    again = _import(path)

    assert "claims: created 0, unchanged 2; appearances 0, match decisions 0" in again
    assert export(project, "native", real_names=True) == first


def test_claim_lines_that_break_a_rule_fail_alone(tmp_path):
    from annotate.models import Appearance, Claim
    from tests.datasets.exports import add_known_claims

    known = build_known_project()
    add_known_claims(known)
    written = export(known.project, "native")
    _empty_the_database()
    broken = written.replace('"label":"Mostly False","origin"', '"label":"Nonsense","origin"')
    broken = broken.replace('"method":"auto"', '"method":"telepathy"', 1)

    out = _import(_write(tmp_path, broken))

    # Claim cl-1's verdict is off the scale: it fails (line 2), and its appearances are left
    # out; the envoy claim is stored, but not its appearance with an unknown method.
    assert "failed: " in out and "known.jsonl:2: verdict: “Nonsense” is not on" in out
    assert "not linked to cl-2: unknown link method 'telepathy'" in out
    assert list(Claim.objects.values_list("text", flat=True)) == ["Envoy"]
    assert not Appearance.objects.exists()
