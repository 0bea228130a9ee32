"""annotations_restore: a batch of articles' annotations as a file states them, every rule kept."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from annotate.models import Adjudication, Assignment, Comment, Prediction, Source, Span, Verdict
from annotate.review import services
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "Leaders met today. Talks went well, the envoy said. Nobody else spoke."
THEN = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


@pytest.fixture
def desk():
    editor = UserFactory(username="eddie")
    rita, rob = UserFactory(username="rita"), UserFactory(username="rob")
    project = ProjectFactory(editors=[editor], reviewers=[rita, rob], reviews_per_claim=2)
    return project, editor, rita, rob


def _article(project, body=BODY):
    article = ArticleFactory(body=body)
    project.articles.add(article)
    return article


def _span(quote, *verdicts, body=BODY, **extra):
    start = body.index(quote)
    return services.SpanRestore(
        start=start, end=start + len(quote), quote=quote, verdicts=list(verdicts), **extra
    )


def _verdict(reviewer, label="True", ref="", **extra):
    return services.VerdictRestore(reviewer=reviewer, label=label, ref=ref, **extra)


def test_restore_stores_rows_times_history_and_queue_flags(desk):
    project, editor, rita, rob = desk
    article = _article(project)
    given = services.ArticleRestore(
        article_id=article.pk,
        spans=[
            _span(
                "Talks went well",
                _verdict(rita, "True", ref="v1", created_at=THEN, submitted_at=THEN),
                _verdict(
                    rob,
                    "False",
                    ref="v2",
                    sources=(services.SourceRestore(url="https://example.org/readout"),),
                ),
                created_by=rita,
                created_at=THEN,
                comments=[
                    services.CommentRestore(author=rob, body="Which readout?", ref="c1"),
                    services.CommentRestore(author=rita, body="The 8 Dec one.", parent="c1"),
                ],
            ),
            _span("Nobody else spoke", _verdict(rita, "Half True")),
            _span(
                "Leaders met today",
                adjudication=services.AdjudicationRestore(editor=editor, label="False"),
            ),
        ],
        predictions=[services.PredictionRestore(start=0, end=7, model_name="m", score=0.5)],
    )

    (result,) = services.annotations_restore(project=project, actor=editor, articles=[given])

    assert result.error == ""
    assert result.created == services.RestoreCounts(
        spans=3, verdicts=3, predictions=1, comments=2, adjudications=1
    )
    talks = Span.objects.get(quote="Talks went well")
    assert (talks.created_by, talks.created_at, talks.prefix) == (rita, THEN, "Leaders met today. ")
    assert Verdict.objects.get(reviewer=rita, span=talks).submitted_at == THEN
    assert Source.objects.get().verdict.reviewer == rob
    assert Comment.objects.get(body="The 8 Dec one.").parent.body == "Which readout?"
    assert Assignment.objects.filter(span=talks).count() == 2
    assert Prediction.objects.get().quote == "Leaders"
    # k = 2: two reviews close a span, an adjudication closes one, one review leaves it open.
    flags = dict(Span.objects.values_list("quote", "queue_open"))
    assert flags == {
        "Talks went well": False,
        "Nobody else spoke": True,
        "Leaders met today": False,
    }
    history = Verdict.history.filter(span_id=talks.pk)
    assert {(h.history_user, h.history_change_reason) for h in history} == {
        (editor, services.restore.RESTORE_REASON)
    }
    assert Span.history.count() == 3
    decided = Adjudication.history.get()
    assert decided.history_type == "+"


def test_restore_is_a_no_op_the_second_time(desk):
    project, editor, rita, rob = desk
    article = _article(project)
    given = services.ArticleRestore(
        article_id=article.pk,
        spans=[_span("Talks went well", _verdict(rita), _verdict(rob, "False"))],
    )
    services.annotations_restore(project=project, actor=editor, articles=[given])

    (again,) = services.annotations_restore(project=project, actor=editor, articles=[given])

    assert again.created == services.RestoreCounts()
    assert (Span.objects.count(), Verdict.objects.count(), Verdict.history.count()) == (1, 2, 2)


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        (lambda rita: _span("Talks went well", _verdict(rita, "Bogus")), "not on this project"),
        (lambda rita: _span("Talks went well", _verdict(rita, "")), "needs a label"),
        (
            lambda rita: services.SpanRestore(start=0, end=5, quote="Talks"),
            "does not match the article text",
        ),
        (
            lambda rita: _span(
                "Talks went well",
                _verdict(rita, ref="v1"),
                adjudication=services.AdjudicationRestore(
                    editor=rita, label="True", considered=("v9",)
                ),
            ),
            "considers unknown verdict",
        ),
    ],
)
def test_a_refused_article_fails_alone(desk, span, reason):
    project, editor, rita, _ = desk
    bad, good = _article(project), _article(project, body=BODY + " More.")
    results = services.annotations_restore(
        project=project,
        actor=editor,
        articles=[
            services.ArticleRestore(article_id=bad.pk, spans=[span(rita)]),
            services.ArticleRestore(
                article_id=good.pk, spans=[_span("Talks went well", _verdict(rita))]
            ),
        ],
    )
    assert reason in results[0].error
    assert results[1].error == ""
    assert list(Span.objects.values_list("article", flat=True)) == [good.pk]


def test_an_article_outside_the_project_is_refused(desk):
    project, editor, _, _ = desk
    stray = ArticleFactory(body=BODY)
    (result,) = services.annotations_restore(
        project=project,
        actor=editor,
        articles=[services.ArticleRestore(stray.pk, spans=[_span("Talks went well")])],
    )
    assert "not part of the project" in result.error
    assert not Span.objects.exists()


def test_only_editors_restore(desk):
    project, _, rita, _ = desk
    with pytest.raises(PermissionDenied):
        services.annotations_restore(project=project, actor=rita, articles=[])


@pytest.mark.parametrize("n", [1, 20])
def test_restore_queries_stay_flat(desk, n, django_assert_max_num_queries):
    project, editor, rita, rob = desk
    articles = [_article(project, body=f"{BODY} Part {i}.") for i in range(n)]
    given = [
        services.ArticleRestore(
            article_id=article.pk,
            spans=[
                _span("Talks went well", _verdict(rita), _verdict(rob, "False")),
                _span("Nobody else spoke", _verdict(rita)),
            ],
        )
        for article in articles
    ]
    with django_assert_max_num_queries(20):
        services.annotations_restore(project=project, actor=editor, articles=given)
    with django_assert_max_num_queries(10):
        services.annotations_restore(project=project, actor=editor, articles=given)
    assert Verdict.objects.count() == 3 * n
