"""import_articles --project: the command manage.py runs is annotate's, over corpus's import."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from corpus.models import Article
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue()


def _jsonl(tmp_path, *bodies: str):
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "".join(
            json.dumps({"title": f"T{i}", "body": body}) + "\n" for i, body in enumerate(bodies)
        ),
        encoding="utf-8",
    )
    return path


def test_project_gets_new_and_already_stored_articles(tmp_path, editor):
    stored_elsewhere = ArticleFactory(body="Already stored, in another project.")
    ProjectFactory(articles=[stored_elsewhere])
    project = ProjectFactory(editors=[editor], articles=[])
    path = _jsonl(tmp_path, "A new article.", "Already stored, in another project.")

    out = _run(str(path), "--project", project.slug)

    assert out.strip() == "created 1, unchanged 1, failed 0"
    assert set(project.articles.values_list("body", flat=True)) == {
        "A new article.",
        "Already stored, in another project.",
    }


def test_rerun_changes_nothing(tmp_path, editor):
    project = ProjectFactory(editors=[editor], articles=[])
    path = _jsonl(tmp_path, "One.", "Two.")
    _run(str(path), "--project", project.slug)
    out = _run(str(path), "--project", project.slug)
    assert out.strip() == "created 0, unchanged 2, failed 0"
    assert project.articles.count() == 2


def test_dry_run_puts_nothing_in_the_project(tmp_path, editor):
    project = ProjectFactory(editors=[editor], articles=[])
    _run(str(_jsonl(tmp_path, "One.")), "--project", project.slug, "--dry-run")
    assert Article.objects.count() == 0
    assert project.articles.count() == 0


def test_without_project_articles_join_none(tmp_path, editor):
    ProjectFactory(editors=[editor], articles=[])
    assert _run(str(_jsonl(tmp_path, "One."))).strip() == "created 1, unchanged 0, failed 0"
    assert not Article.objects.get().projects.exists()


def test_unknown_project_is_refused_before_anything_is_stored(tmp_path):
    with pytest.raises(CommandError, match="no project with the slug 'nowhere'"):
        _run(str(_jsonl(tmp_path, "One.")), "--project", "nowhere")
    assert Article.objects.count() == 0


def test_project_without_editor_is_refused(tmp_path, reviewer):
    project = ProjectFactory(slug="leaderless", reviewers=[reviewer], articles=[])
    with pytest.raises(CommandError, match=r"'leaderless' has no editor to import as.*--as"):
        _run(str(_jsonl(tmp_path, "One.")), "--project", project.slug)
    assert Article.objects.count() == 0


def test_as_names_the_editor(tmp_path, editor):
    first, second = UserFactory(), UserFactory(username="second-editor")
    project = ProjectFactory(editors=[first, second], articles=[])
    _run(str(_jsonl(tmp_path, "One.")), "--project", project.slug, "--as", "second-editor")
    assert project.articles.count() == 1


@pytest.mark.parametrize("role", ["reviewers", "viewers"])
def test_as_someone_not_an_editor_is_refused(tmp_path, editor, role):
    member = UserFactory(username="not-editor")
    ProjectFactory(slug="desk", editors=[editor], articles=[], **{role: [member]})
    with pytest.raises(CommandError, match="'not-editor' is not an editor of project 'desk'"):
        _run(str(_jsonl(tmp_path, "One.")), "--project", "desk", "--as", "not-editor")
    assert Article.objects.count() == 0


def test_as_unknown_user_is_refused(tmp_path, editor):
    project = ProjectFactory(editors=[editor], articles=[])
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        _run(str(_jsonl(tmp_path, "One.")), "--project", project.slug, "--as", "ghost")


def test_as_without_project_is_refused(tmp_path, editor):
    with pytest.raises(CommandError, match="--as names the editor"):
        _run(str(_jsonl(tmp_path, "One.")), "--as", editor.username)
    assert Article.objects.count() == 0


def test_bad_line_fails_alone_and_the_rest_join(tmp_path, editor):
    project = ProjectFactory(editors=[editor], articles=[])
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"title": "T", "body": "Good."}\n{"title": "T"\n', encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 input"):
        call_command(
            "import_articles", str(path), "--project", project.slug, stdout=StringIO(), stderr=err
        )
    assert f"{path}:2" in err.getvalue()
    assert list(project.articles.values_list("body", flat=True)) == ["Good."]


def test_many_articles_join_in_batches(tmp_path, editor, monkeypatch):
    monkeypatch.setattr("annotate.projects.services.JOIN_EVERY", 2)
    project = ProjectFactory(editors=[editor], articles=[])
    _run(str(_jsonl(tmp_path, *(f"Article {n}." for n in range(5)))), "--project", project.slug)
    assert project.articles.count() == 5
