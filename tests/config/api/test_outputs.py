"""Compiled output serializers render exactly what DRF's generic path renders for their fields."""

import datetime

import pytest
from django.utils import timezone

from annotate.api import serializers as io
from annotate.models import Source
from annotate.review import selectors, services
from config.api.outputs import CompiledOutput, iso_datetime
from tests.factories import ProjectFactory, SourceFactory, SpanFactory, UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_span():
    """A span with every kind of row its detail renders: verdicts with and without sources,
    a draft, a dated source, a comment and a reply, and an adjudication."""
    editor, first, second = UserFactory(), UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[first, second], blind_review=False)
    span = SpanFactory(project=project, created_by=first, claimant="A senator", note="“Quoted” 👋")
    verdict = VerdictFactory(span=span, reviewer=first, confidence=4)
    SourceFactory(verdict=verdict, accessed_on=datetime.date(2021, 6, 16))
    SourceFactory(verdict=verdict, stance=Source.Stance.REFUTES, title="", excerpt="")
    VerdictFactory(span=span, reviewer=second, draft=True)
    parent = services.comment_post(span=span, author=first, body="Is the figure annual?")
    services.comment_post(span=span, author=editor, body="Yes <b>it is</b>.", parent=parent)
    services.adjudicate(span=span, editor=editor, label=project.labels[0], rationale="Settled.")
    return editor, span.pk


def compiled_serializers() -> list[type[CompiledOutput]]:
    found = [
        value
        for value in vars(io).values()
        if isinstance(value, type)
        and issubclass(value, CompiledOutput)
        and value is not CompiledOutput
    ]
    assert len(found) >= 7  # a rename must not quietly empty this test
    return found


def test_every_compiled_output_matches_drf(full_span):
    editor, span_id = full_span
    span = selectors.span_for_user(user=editor, pk=span_id)
    verdict = span.visible_verdicts[0]
    rows = {
        io.UserRef: editor,
        io.SourceOutput: verdict.sources.all()[0],
        io.VerdictOutput: verdict,
        io.CommentOutput: span.comments.all()[1],
        io.AdjudicationOutput: span.adjudication,
        io.SpanOutput: span,
        io.SpanDetailOutput: span,
    }
    assert set(rows) == set(compiled_serializers())
    for serializer_class, row in rows.items():
        serializer = serializer_class()
        assert serializer.render(row) == serializer.generic_representation(row), serializer_class


def test_nested_rows_match_drf_one_by_one(full_span):
    editor, span_id = full_span
    span = selectors.span_for_user(user=editor, pk=span_id)
    rendered = io.SpanDetailOutput(span).data
    assert len(rendered["verdicts"]) == 1  # the other reviewer's draft stays private
    assert [v["id"] for v in rendered["verdicts"]] == [v.pk for v in span.visible_verdicts]
    for verdict, output in zip(span.visible_verdicts, rendered["verdicts"], strict=True):
        assert output == io.VerdictOutput().generic_representation(verdict)
        for source, source_output in zip(verdict.sources.all(), output["sources"], strict=True):
            assert source_output == io.SourceOutput().generic_representation(source)
    assert rendered["adjudication"]["considered_verdicts"] == [span.visible_verdicts[0].pk]
    assert rendered["comments"][1]["parent"] == rendered["comments"][0]["id"]


def test_datetimes_follow_drf_in_and_out_of_utc():
    moment = datetime.datetime(2021, 6, 16, 12, 30, 5, 123456, tzinfo=datetime.UTC)
    assert iso_datetime(moment) == "2021-06-16T12:30:05.123456Z"
    assert iso_datetime(None) is None
    with timezone.override(datetime.timezone(datetime.timedelta(hours=2))):
        assert iso_datetime(moment) == "2021-06-16T14:30:05.123456+02:00"
