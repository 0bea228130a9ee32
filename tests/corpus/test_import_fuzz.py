"""import_articles on generated files of good and bad JSONL lines: no traceback, every bad line
named with its file and line, every good line stored once, and a re-run changes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from corpus.models import Article
from tests.import_lines import ARTICLE_LINES, Line, bad_numbers, jsonl, lines, named_lines

pytestmark = pytest.mark.django_db


def _run(path) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file_lines=lines(ARTICLE_LINES))
def test_import_articles_names_every_bad_line_and_stores_every_good_one(
    tmp_path, file_lines: list[Line]
):
    path = tmp_path / "generated.jsonl"
    path.write_bytes(jsonl(file_lines))
    bad = bad_numbers(file_lines)
    good = len(file_lines) - len(bad)
    with transaction.atomic():  # each example starts from an empty database
        out, err, error = _run(path)

        assert (error is not None) == bool(bad), err
        assert named_lines(err, path) == bad, err
        assert out.strip() == f"created {good}, unchanged 0, failed {len(bad)}"
        assert Article.objects.count() == good
        stored = dict(Article.objects.values_list("pk", "updated_at"))

        again_out, again_err, _ = _run(path)

        assert again_out.strip() == f"created 0, unchanged {good}, failed {len(bad)}"
        assert again_err == err
        assert dict(Article.objects.values_list("pk", "updated_at")) == stored
        transaction.set_rollback(True)
