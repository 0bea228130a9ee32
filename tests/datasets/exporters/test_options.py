"""Options every format takes: status and article filters, label modes, orphaned spans, drafts,
pseudonyms (stable per salt) and real names (project editors only)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from datasets.exporters import dataset_export, formats
from datasets.options import ExportOptions
from tests.datasets.exports import build_known_project, export, json_lines

pytestmark = pytest.mark.django_db


def quotes(text: str) -> list[str]:
    return [span["quote"] for line in json_lines(text)[1:] for span in line["spans"]]


def test_status_filter_keeps_spans_of_those_statuses(known):
    assert quotes(export(known.project, "native", statuses=("agreed",))) == ["Envoy"]
    assert quotes(export(known.project, "native", statuses=("adjudicated", "in_review"))) == [
        "talks went well",
        "=SUM(A1)",
    ]


def test_article_filter_keeps_those_articles(known):
    lines = json_lines(export(known.project, "native", articles=(known.formula.pk,)))

    assert [line["article"]["title"] for line in lines[1:]] == ["+Formula headline"]
    assert lines[1]["article"]["id"] == "a-1"  # ids are the export's own


def test_article_filter_ignores_articles_of_other_projects(known):
    other = build_known_project(slug="other")

    lines = json_lines(export(known.project, "native", articles=(other.emoji.pk,)))

    assert lines[1:] == []


def test_label_mode_adjudicated_keeps_only_adjudicated_spans(known):
    assert quotes(export(known.project, "native", labels="adjudicated")) == ["talks went well"]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("adjudicated", [("s-1", "Half True")]),
        ("majority", [("s-1", "True"), ("s-2", "Half True"), ("s-3", "False")]),
        (
            "all",
            [
                ("s-1", "True"),
                ("s-1", "True"),
                ("s-2", "Half True"),
                ("s-2", "Mostly False"),
                ("s-3", "False"),
            ],
        ),
    ],
)
def test_label_modes_in_csv(known, labels, expected):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(export(known.project, "csv", labels=labels))))

    assert [(row["span_id"], row["label"]) for row in rows] == expected


def test_majority_leaves_out_ties(known):
    known.envoy.verdicts.filter(reviewer=known.rob).update(label="False")

    lines = json_lines(export(known.project, "fever", labels="majority"))

    assert [line["claim"] for line in lines] == ["talks went well", "=SUM(A1)"]


def test_orphaned_spans_only_when_asked(known):
    assert "is what" not in quotes(export(known.project, "native"))
    assert "is what" in quotes(export(known.project, "native", include_orphaned=True))
    assert ",is what," not in export(known.project, "csv")
    assert ",is what," in export(known.project, "csv", include_orphaned=True)


def test_drafts_only_when_asked(known):
    assert "Pants on Fire" not in export(known.project, "csv")
    assert "Pants on Fire" in export(known.project, "csv", include_drafts=True)


def test_reviewers_are_pseudonymised_by_default(known):
    for fmt in formats():
        text = export(known.project, fmt, labels="adjudicated" if fmt == "claimreview" else None)
        for user in (known.editor, known.rita, known.rob):
            assert user.username not in text, fmt
            assert user.email not in text, fmt
    assert re.search(r'"reviewer":"r-[0-9a-f]{10}"', export(known.project, "native"))


def test_pseudonyms_are_stable_for_a_salt_and_differ_for_another(known):
    def people(salt: str) -> list[str]:
        return json_lines(export(known.project, "native", salt=salt))[0]["project"]["people"]

    first, again, other = people("alpha"), people("alpha"), people("beta")

    assert first == again
    assert len(set(first)) == 3
    assert not set(first) & set(other)
    assert people("") == people("")  # the server's own salt: stable too


def test_pseudonyms_hide_the_database_ids(known):
    """The same salt and rank give the same pseudonym in a database with other user ids."""
    text = export(known.project, "native", salt="alpha")
    from tests.factories import UserFactory

    UserFactory.create_batch(3)  # other users, other ids: the project's ranks are unchanged

    assert export(known.project, "native", salt="alpha") == text


def test_real_names_for_an_editor(known):
    text = export(known.project, "csv", real_names=True)

    assert known.rita.username in text


@pytest.mark.parametrize("role", ["rita", "outsider"])
def test_real_names_refused_to_anyone_but_an_editor(known, role):
    from tests.factories import UserFactory

    actor = known.rita if role == "rita" else UserFactory()
    import io

    with pytest.raises(PermissionDenied):
        dataset_export(
            project=known.project,
            fmt="csv",
            out=io.BytesIO(),
            options=ExportOptions(real_names=True),
            actor=actor,
        )


def test_bad_options_are_named(known):
    import io

    with pytest.raises(ValidationError) as refused:
        dataset_export(
            project=known.project,
            fmt="doccano",
            out=io.BytesIO(),
            options=ExportOptions(statuses=("lost",), offset_unit="bytes", labels="some"),
        )
    assert set(refused.value.message_dict) == {"status", "offset_unit", "labels"}


def test_someone_who_writes_during_an_export_gets_the_next_pseudonym(known):
    from datasets.exporters import export_context, export_text
    from datasets.records import pseudonym
    from tests.factories import VerdictFactory

    options = ExportOptions(salt="s")
    context = export_context(project=known.project, fmt="native", options=options)
    VerdictFactory(span=known.envoy, label="False")  # by a new user

    text = "".join(
        export_text(project=known.project, fmt="native", options=options, context=context)
    )

    assert pseudonym(salt=b"s", project_slug="known", rank=4) in text


@pytest.mark.parametrize("include_drafts", [True, False])
def test_exported_status_is_the_selectors_status(known, include_drafts):
    """records.span_status follows review.selectors.with_status: equal with drafts exported;
    without them, a span in review only through drafts reads "open", as the file shows it."""
    from annotate.models import Span
    from annotate.review.selectors import with_status
    from tests.factories import UserFactory, VerdictFactory

    lone_draft = Span.objects.create(
        project=known.project, article=known.formula, start=17, end=20, quote="the",
        created_by=known.editor,
    )  # fmt: skip
    VerdictFactory(span=lone_draft, reviewer=UserFactory(), draft=True)
    contested = Span.objects.create(
        project=known.project, article=known.formula, start=21, end=29, quote="minister",
        created_by=known.editor,
    )  # fmt: skip
    VerdictFactory(span=contested, reviewer=known.rita, label="True")
    VerdictFactory(span=contested, reviewer=known.rob, label="False")
    expected = dict(
        with_status(Span.objects.filter(project=known.project)).values_list("quote", "status")
    )
    if not include_drafts:
        expected["the"] = "open"

    lines = json_lines(
        export(known.project, "native", include_drafts=include_drafts, include_orphaned=True)
    )

    exported = {span["quote"]: span["status"] for line in lines[1:] for span in line["spans"]}
    assert exported == expected
    assert set(expected.values()) == {"in_review", "contested", "agreed", "adjudicated"} | (
        set() if include_drafts else {"open"}
    )
