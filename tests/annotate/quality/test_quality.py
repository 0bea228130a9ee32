"""Agreement figures: the selector against hand-computed values, its cache, the quality page,
the API and the agreement_report command."""

import datetime
import json
import os
import re
import subprocess
import sys
from io import StringIO

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from annotate.models import Adjudication, MatchDecision, Project, Verdict
from annotate.quality import AgreementFilters, alpha_reading, project_agreement
from annotate.quality.marking import _exact_scores
from annotate.quality.statistics import NotComputable, SpanScores, span_agreement
from annotate.review import services
from tests.factories import ArticleFactory, ClaimFactory, ProjectFactory, SpanFactory, UserFactory
from tests.paths import SEEDS

pytestmark = pytest.mark.django_db

FIVE = ["one", "two", "three", "four", "five"]
# FORMATS.md §5, Krippendorff (2011): reviewers × 12 units, None = missing; values 1..5.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
SUBMITTED_AT = datetime.datetime(2021, 6, 16, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _empty_cache():
    caches["shared"].clear()
    yield
    caches["shared"].clear()


def _scale(labels: list[str]) -> list[dict]:
    return [{"label": label, "description": "", "needs_sources": False} for label in labels]


def _spans(project, n: int, *, created_by=None, article=None):
    article = article or ArticleFactory(
        body=" ".join(f"Claim number {i} was made." for i in range(n))
    )
    project.articles.add(article)
    creator = {"created_by": created_by} if created_by else {}
    return [
        SpanFactory(project=project, article=article, text=f"Claim number {i} ", **creator)
        for i in range(n)
    ]


def _verdict(span, reviewer, label, submitted_at=SUBMITTED_AT):
    return Verdict.objects.create(
        span=span, reviewer=reviewer, label=label, status="submitted", submitted_at=submitted_at
    )


@pytest.fixture
def krippendorff():
    """The 4 × 12 example as submitted verdicts on an ordinal five-label scale, k = 4."""
    editor = UserFactory(username="editor")
    reviewers = {name: UserFactory(username=f"rev-{name}") for name in KRIPPENDORFF_2011}
    project = ProjectFactory(
        scale=_scale(FIVE),
        scale_is_ordinal=True,
        reviews_per_claim=4,
        editors=[editor],
        reviewers=list(reviewers.values()),
    )
    spans = _spans(project, 12, created_by=editor)
    for name, values in KRIPPENDORFF_2011.items():
        for span, value in zip(spans, values, strict=True):
            if value is not None:
                _verdict(span, reviewers[name], FIVE[value - 1])
    return {"project": project, "editor": editor, "reviewers": reviewers, "spans": spans}


def _by_name(report):
    return {reviewer.username: reviewer for reviewer in report.reviewers}


# --- the selector --------------------------------------------------------------------------


def test_alpha_reproduces_krippendorff_2011(krippendorff):
    report = project_agreement(krippendorff["project"])

    assert round(report.alpha_nominal, 6) == 0.743421
    assert round(report.alpha_ordinal, 6) == 0.815388
    assert report.alpha == report.alpha_ordinal
    assert alpha_reading(report.alpha).startswith("reliable")
    assert (report.verdicts, report.spans, report.pairable_spans) == (41, 12, 11)


def test_percent_fleiss_and_cohen_match_hand_computation(krippendorff):
    report = project_agreement(krippendorff["project"])

    # 32 agreeing of 40 pairable values (units 1-11; unit 12 has one value).
    assert report.percent_agreement == pytest.approx(0.8)
    # Units 2-9 have exactly k = 4 verdicts: P̄ = 6/8, P̄e = 310/1024, κ = 229/357.
    assert report.fleiss_spans == 8
    assert report.fleiss.p_bar == pytest.approx(0.75)
    assert report.fleiss.p_e_bar == pytest.approx(310 / 1024)
    assert report.fleiss.kappa == pytest.approx(229 / 357)
    # A and B share units 1-9: p_o = 8/9, p_e = 23/81, κ = 49/58.
    names = [reviewer.username for reviewer in report.reviewers]
    assert names == ["rev-A", "rev-B", "rev-C", "rev-D"]
    assert report.kappa_matrix[0][1] == pytest.approx(49 / 58)
    assert report.kappa_matrix[1][0] == pytest.approx(49 / 58)
    assert report.kappa_matrix[0][0] == 1.0
    pair = report.pairs[0]
    assert (pair.shared_spans, pair.percent_agreement) == (9, pytest.approx(8 / 9))


def test_per_reviewer_figures(krippendorff):
    project, spans = krippendorff["project"], krippendorff["spans"]
    for unit in (1, 5):  # units 2 and 6 (0-based 1 and 5) adjudicated "two"
        Adjudication.objects.create(span=spans[unit], editor=krippendorff["editor"], label="two")

    reviewer_a = _by_name(project_agreement(project))["rev-A"]

    assert reviewer_a.verdicts == 9
    # 21 of the 26 pairs with others on A's units agree (unit 6 is A=1 vs 2, 3, 4).
    assert reviewer_a.compared_pairs == 26
    assert reviewer_a.agreement_with_others == pytest.approx(21 / 26)
    # Unit 2: A said "two" (match); unit 6: A said "one" (no match).
    assert reviewer_a.adjudicated == 2
    assert reviewer_a.agreement_with_adjudication == pytest.approx(0.5)
    assert reviewer_a.confusion[1] == (1, 1, 0, 0, 0)
    assert sum(map(sum, reviewer_a.confusion)) == 2
    assert reviewer_a.label_counts == (3, 3, 2, 1, 0)
    assert reviewer_a.per_day == ((datetime.date(2021, 6, 16), 9),)


def test_labels_progress_and_contested_spans(krippendorff):
    report = project_agreement(krippendorff["project"])

    assert report.labels == tuple(FIVE)
    assert [label.verdicts for label in report.label_figures] == [9, 13, 11, 5, 3]
    assert report.per_day == ((datetime.date(2021, 6, 16), 41),)
    spans = krippendorff["spans"]
    contested = report.contested
    # Unit 6: four labels in four verdicts (2 bits); then units 2 and 8: two labels, 3 to 1.
    assert [span.span_id for span in contested] == [spans[5].pk, spans[1].pk, spans[7].pk]
    assert contested[0].distinct_labels == 4
    assert contested[0].entropy_bits == pytest.approx(2.0)
    assert contested[1].entropy_bits == pytest.approx(0.811278, abs=1e-6)
    assert contested[0].quote == spans[5].quote


def test_span_marking_uses_each_spans_creator():
    first, second = UserFactory(username="marker-a"), UserFactory(username="marker-b")
    project = ProjectFactory(editors=[first], reviewers=[second])
    article = ArticleFactory(body="x" * 60)
    project.articles.add(article)
    # FORMATS.md §6 without the shared [0, 10): one project holds one span per passage.
    for creator, start, end in [
        (first, 0, 10),
        (first, 20, 30),
        (second, 22, 30),
        (second, 40, 45),
    ]:
        SpanFactory(
            project=project, article=article, created_by=creator, start=start, end=end, quote="x"
        )

    marking = project_agreement(project).span_marking

    assert marking.exact == SpanScores(0.0, 0.0, 0.0, 0, 2, 2)
    assert marking.overlap == SpanScores(0.5, 0.5, 0.5, 1, 2, 2)
    (pair,) = marking.pairs
    assert (pair.marker_a, pair.marker_b, pair.articles) == (first.pk, second.pk, 1)
    assert marking.articles[0].overlap.f1 == 0.5
    assert marking.markers == {first.pk: "marker-a", second.pk: "marker-b"}


def test_exact_marking_shortcut_matches_span_agreement():
    rng = np.random.default_rng(6)

    def marks() -> list[tuple[int, int]]:
        starts = rng.choice(30, size=rng.integers(1, 9), replace=False)
        return sorted({(int(s), int(s + rng.integers(1, 5))) for s in starts})

    for _ in range(200):
        a, b = marks(), marks()
        assert _exact_scores(a, b) == span_agreement(a, b, mode="exact")


def test_empty_project_is_not_computable_everywhere():
    report = project_agreement(ProjectFactory())

    for figure in (
        report.alpha_nominal,
        report.alpha_ordinal,
        report.percent_agreement,
        report.fleiss,
        report.span_marking.exact,
        report.span_marking.overlap,
    ):
        assert isinstance(figure, NotComputable)
    assert report.reviewers == () and report.kappa_matrix == () and report.contested == ()
    assert alpha_reading(report.alpha) == "not computable: no ratings"


def test_one_label_for_everything_is_not_computable():
    first, second = UserFactory(), UserFactory()
    project = ProjectFactory(reviewers=[first, second])
    for span in _spans(project, 3):
        _verdict(span, first, "True")
        _verdict(span, second, "True")

    report = project_agreement(project)

    assert report.alpha_nominal == NotComputable("every value is the same label")
    assert isinstance(report.fleiss, NotComputable)
    assert report.percent_agreement == 1.0
    assert isinstance(report.kappa_matrix[0][1], NotComputable)
    assert report.contested == ()


def test_one_reviewer_is_not_computable():
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    for span, label in zip(_spans(project, 2), ["True", "False"], strict=True):
        _verdict(span, reviewer, label)

    report = project_agreement(project)

    assert report.alpha_nominal == NotComputable("only one reviewer")
    assert report.fleiss == NotComputable("no claim has exactly 2 submitted verdicts")
    (figures,) = report.reviewers
    assert figures.agreement_with_others == NotComputable("no claim shared with another reviewer")
    assert figures.agreement_with_adjudication == NotComputable(
        "no verdict on an adjudicated claim"
    )


def test_nominal_scale_has_no_ordinal_alpha_and_drafts_do_not_count():
    first, second = UserFactory(), UserFactory()
    project = ProjectFactory(
        scale=_scale(["SUPPORTS", "REFUTES"]), scale_is_ordinal=False, reviewers=[first, second]
    )
    spans = _spans(project, 3)
    for span, (a, b) in zip(
        spans, [("SUPPORTS", "SUPPORTS"), ("REFUTES", "REFUTES")], strict=False
    ):
        _verdict(span, first, a)
        _verdict(span, second, b)
    Verdict.objects.create(span=spans[2], reviewer=first, label="REFUTES", status="draft")

    report = project_agreement(project)

    assert report.alpha_ordinal is None and report.alpha == report.alpha_nominal
    assert report.alpha_nominal == pytest.approx(1.0)
    assert report.verdicts == 4


def test_labels_off_the_scale_stay_but_void_ordinal_alpha():
    first, second = UserFactory(), UserFactory()
    project = ProjectFactory(reviewers=[first, second])  # PolitiFact, ordinal
    spans = _spans(project, 2)
    _verdict(spans[0], first, "True")
    _verdict(spans[0], second, "Retired label")
    _verdict(spans[1], first, "False")
    _verdict(spans[1], second, "False")

    report = project_agreement(project)

    assert report.labels[-1] == "Retired label"
    assert report.alpha_ordinal == NotComputable("labels outside the ordinal scale: Retired label")
    assert isinstance(report.alpha_nominal, float)
    assert report.label_figures[-1].on_scale is False


def test_filters_by_article_and_submission_date(krippendorff):
    project, spans = krippendorff["project"], krippendorff["spans"]
    reviewers = krippendorff["reviewers"]
    other = _spans(project, 1, created_by=krippendorff["editor"])[0]
    _verdict(other, reviewers["A"], "one", submitted_at=SUBMITTED_AT + datetime.timedelta(days=3))
    _verdict(other, reviewers["B"], "five", submitted_at=SUBMITTED_AT + datetime.timedelta(days=3))

    everything = project_agreement(project)
    first_article = project_agreement(project, AgreementFilters(articles=(spans[0].article_id,)))
    later = project_agreement(project, AgreementFilters(submitted_from=datetime.date(2021, 6, 17)))
    earlier = project_agreement(
        project,
        AgreementFilters(
            submitted_from=datetime.date(2021, 6, 16), submitted_to=datetime.date(2021, 6, 16)
        ),
    )

    assert everything.verdicts == 43
    assert round(first_article.alpha_ordinal, 6) == 0.815388
    assert round(earlier.alpha_ordinal, 6) == 0.815388
    assert later.verdicts == 2 and later.spans == 1
    assert later.per_day == ((datetime.date(2021, 6, 19), 2),)


# --- the cache -----------------------------------------------------------------------------


def test_second_call_costs_no_query(krippendorff, django_assert_num_queries):
    project = krippendorff["project"]
    first = project_agreement(project)

    with django_assert_num_queries(0):
        again = project_agreement(project)

    assert again == first
    filters = AgreementFilters(articles=(krippendorff["spans"][0].article_id,))
    with CaptureQueriesContext(connection) as captured:
        project_agreement(project, filters)
    assert len(captured) > 0  # other filters, another entry


def test_submit_withdraw_and_adjudicate_invalidate(
    krippendorff, django_capture_on_commit_callbacks, django_assert_num_queries
):
    project, editor = krippendorff["project"], krippendorff["editor"]
    reviewer_a = krippendorff["reviewers"]["A"]
    span = krippendorff["spans"][10]  # unit 11: C and D said "one"
    assert project_agreement(project).verdicts == 41

    with django_capture_on_commit_callbacks(execute=True):
        services.verdict_submit(span=span, reviewer=reviewer_a, expected_version=0, label="five")
    after_submit = project_agreement(project)
    assert after_submit.verdicts == 42
    with django_assert_num_queries(0):
        project_agreement(project)

    verdict = Verdict.objects.get(span=span, reviewer=reviewer_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.verdict_withdraw(verdict=verdict, actor=reviewer_a, expected_version=1)
    assert project_agreement(project).verdicts == 41

    with django_capture_on_commit_callbacks(execute=True):
        services.adjudicate(span=span, editor=editor, label="one")
    assert _by_name(project_agreement(project))["rev-C"].adjudicated == 1


def test_an_invalidation_in_another_process_reaches_this_one(krippendorff):
    """Gunicorn runs several workers: a verdict submitted through one must refresh the figures
    another one serves (the shared cache: files without REDIS_URL, Redis with it)."""
    project = krippendorff["project"]
    project_agreement(project)
    invalidate = (
        "from annotate.quality import agreement_invalidate; "
        f"agreement_invalidate(project_id={project.pk})"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", invalidate],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        timeout=60,
    )

    with CaptureQueriesContext(connection) as captured:
        project_agreement(project)
    assert len(captured) > 0  # computed again


def test_failed_submit_keeps_the_cache(krippendorff, django_capture_on_commit_callbacks):
    project = krippendorff["project"]
    before = project_agreement(project)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError, match="label"),
    ):
        services.verdict_submit(
            span=krippendorff["spans"][10],
            reviewer=krippendorff["reviewers"]["A"],
            expected_version=0,
            label="not on the scale",
        )

    assert callbacks == []
    assert project_agreement(project) is not None
    assert project_agreement(project).computed_at == before.computed_at


# --- the page ------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_url(project) -> str:
    return reverse("annotate:quality", args=[project.pk])


def test_page_shows_the_figures_to_editors(krippendorff):
    project, spans = krippendorff["project"], krippendorff["spans"]

    response = _client(krippendorff["editor"]).get(_page_url(project))

    assert response.status_code == 200
    page = response.text
    assert "0.815" in page and "0.743" in page
    assert "Reliable: the reviewers agree well enough" in page
    assert page.count("<svg") >= 3
    assert 'class="heat-cell heat-5"' in page  # A/B: κ = 0.84
    assert "<title>rev-A and rev-B: Cohen&#x27;s κ 0.845" in page
    reader = reverse("annotate:reader", args=[project.pk, spans[5].article_id])
    assert f'href="{reader}?span={spans[5].pk}#panel"' in page
    headings = ("Reliability", "Reviewers", "Agreement between reviewers", "Labels")
    for heading in (*headings, "Progress over time", "Most contested claims", "Span marking"):
        assert f">{heading}</h2>" in page
    assert '<th scope="row">rev-A</th>' in page
    # Strict CSP: no inline styles or scripts, and no NaN ever.
    assert "style=" not in page and "<script>" not in page
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)


def test_page_writes_figures_in_the_readers_language(krippendorff):
    """Decimal commas in French, the SVG's geometry untouched (attributes stay plain numbers),
    and the JSON of the same figures stays locale-independent."""
    project = krippendorff["project"]
    client = _client(krippendorff["editor"])

    page = client.get(_page_url(project), HTTP_ACCEPT_LANGUAGE="fr").text

    assert '<html lang="fr" dir="ltr">' in page
    assert "0,815" in page and "0,743" in page and "0.815" not in page
    assert "κ de Cohen 0,845" in page  # the French catalog's wording
    assert re.search(r"\d+,\d %", page)  # percentages: 83,3 %
    assert not re.search(r'(x|y|width|height)="-?\d+,\d', page)
    english = client.get(reverse("api:project-agreement", args=[project.pk])).content
    french = client.get(
        reverse("api:project-agreement", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert french.content == english


def test_page_permissions(krippendorff):
    project = krippendorff["project"]
    viewer = UserFactory()
    project.memberships.create(user=viewer, role="viewer")
    outsider = UserFactory()
    ProjectFactory(editors=[outsider])

    assert _client(krippendorff["reviewers"]["A"]).get(_page_url(project)).status_code == 403
    assert _client(viewer).get(_page_url(project)).status_code == 403
    assert _client(outsider).get(_page_url(project)).status_code == 404
    huge = reverse("annotate:quality", args=[2**70])
    assert _client(outsider).get(huge).status_code == 404
    anonymous = Client().get(_page_url(project))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_page_of_an_empty_project_says_not_computable():
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])

    page = _client(editor).get(_page_url(project)).text

    assert "not computable: no ratings" in page
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)


def test_page_filters(krippendorff):
    project = krippendorff["project"]
    client = _client(krippendorff["editor"])

    empty = client.get(_page_url(project), {"submitted_from": "2022-01-01"})
    wrong = client.get(_page_url(project), {"submitted_from": "2022-01-02", "submitted_to": "2022"})
    backwards = client.get(
        _page_url(project), {"submitted_from": "2022-01-02", "submitted_to": "2022-01-01"}
    )

    assert empty.status_code == 200 and "0 submitted verdicts" in empty.text
    assert wrong.status_code == 400
    assert backwards.status_code == 400 and "before the start date" in backwards.text


def test_page_queries_stay_flat():
    def count(n: int) -> int:
        editor, first, second = UserFactory(), UserFactory(), UserFactory()
        project = ProjectFactory(editors=[editor], reviewers=[first, second])
        for i, span in enumerate(_spans(project, n, created_by=first if n % 2 else second)):
            _verdict(span, first, "True")
            _verdict(span, second, "True" if i % 3 else "False")
            if i % 4 == 0:
                Adjudication.objects.create(span=span, editor=editor, label="True")
        client = _client(editor)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(_page_url(project))
        assert response.status_code == 200
        return len(captured)

    assert count(3) == count(30)


def test_links_to_the_page_for_editors_only(krippendorff):
    project = krippendorff["project"]
    url = _page_url(project)

    editor = _client(krippendorff["editor"])
    reviewer = _client(krippendorff["reviewers"]["A"])

    assert url in editor.get(reverse("annotate:project", args=[project.pk])).text
    assert url in editor.get(reverse("annotate:dashboard")).text
    assert url not in reviewer.get(reverse("annotate:project", args=[project.pk])).text
    assert url not in reviewer.get(reverse("annotate:dashboard")).text


def test_page_renders_the_demo_project(settings):
    settings.DEBUG = True  # create_demo_users refuses to run without it
    call_command("import_articles", str(SEEDS), stdout=StringIO())
    call_command("create_demo_users", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get(slug="biden-putin-2021")
    editor = project.memberships.get(role="editor").user

    response = _client(editor).get(_page_url(project))

    assert response.status_code == 200
    page = response.text
    assert "<svg" in page and "Krippendorff" in page
    assert "reviewer1" in page and "reviewer2" in page
    assert "style=" not in page
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)


# --- the API -------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _api_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/agreement/"


def test_api_shape(krippendorff):
    project, spans = krippendorff["project"], krippendorff["spans"]

    response = _api(krippendorff["editor"]).get(_api_url(project))

    assert response.status_code == 200
    body = response.json()
    assert round(body["alpha_ordinal"]["value"], 6) == 0.815388
    assert round(body["alpha_nominal"]["value"], 6) == 0.743421
    assert body["alpha_nominal"]["reason"] is None
    assert body["alpha_reading"].startswith("reliable")
    assert body["fleiss"]["value"] == pytest.approx(229 / 357)
    assert (body["fleiss"]["k"], body["fleiss"]["spans"]) == (4, 8)
    assert body["percent_agreement"]["value"] == pytest.approx(0.8)
    assert body["labels"] == FIVE
    assert [r["username"] for r in body["reviewers"]] == ["rev-A", "rev-B", "rev-C", "rev-D"]
    reviewer_a = body["reviewers"][0]
    assert reviewer_a["agreement_with_others"]["value"] == pytest.approx(21 / 26)
    assert reviewer_a["agreement_with_adjudication"] == {
        "value": None,
        "reason": "no verdict on an adjudicated claim",
    }
    assert reviewer_a["per_day"] == [{"date": "2021-06-16", "verdicts": 9}]
    assert body["kappa_matrix"][0][1]["value"] == pytest.approx(49 / 58)
    assert body["contested"][0]["span"] == spans[5].pk
    assert body["contested"][0]["reader_url"].endswith(f"?span={spans[5].pk}#panel")
    assert body["span_marking"]["exact"]["value"] is None
    assert body["span_marking"]["exact"]["reason"] == (
        "no article has spans marked by two reviewers"
    )
    assert body["filters"] == {"articles": [], "submitted_from": None, "submitted_to": None}


def test_api_not_computable_is_null_with_a_reason():
    editor = UserFactory()
    project = ProjectFactory(editors=[editor], scale_is_ordinal=False)

    body = _api(editor).get(_api_url(project)).json()

    assert body["alpha_nominal"] == {"value": None, "reason": "no ratings"}
    assert body["alpha_ordinal"] is None
    assert body["fleiss"]["value"] is None and body["fleiss"]["reason"]
    assert body["reviewers"] == [] and body["kappa_matrix"] == []


def test_api_filters(krippendorff):
    project, spans = krippendorff["project"], krippendorff["spans"]
    client = _api(krippendorff["editor"])

    response = client.get(
        _api_url(project),
        {"article": [spans[0].article_id], "submitted_from": "2021-06-17"},
    )
    backwards = client.get(
        _api_url(project), {"submitted_from": "2021-06-17", "submitted_to": "2021-06-16"}
    )
    not_a_number = client.get(_api_url(project), {"article": "x"})

    assert response.status_code == 200
    assert response.json()["verdicts"] == 0
    assert response.json()["filters"]["articles"] == [spans[0].article_id]
    assert backwards.status_code == 400
    assert backwards.json()["type"] == "validation_error"
    assert "submitted_to" in backwards.json()["errors"]
    assert not_a_number.status_code == 400


def test_api_permissions(krippendorff):
    project = krippendorff["project"]
    outsider = UserFactory()
    ProjectFactory(editors=[outsider])

    reviewer = _api(krippendorff["reviewers"]["A"]).get(_api_url(project))
    stranger = _api(outsider).get(_api_url(project))
    anonymous = APIClient().get(_api_url(project))

    assert reviewer.status_code == 403 and reviewer.json()["type"] == "permission_denied"
    assert stranger.status_code == 404 and stranger.json()["type"] == "not_found"
    assert anonymous.status_code == 401
    assert _api(outsider).get(f"/api/v1/projects/{2**70}/agreement/").status_code == 404


# --- the command ---------------------------------------------------------------------------


def test_command_text(krippendorff):
    out = StringIO()

    call_command("agreement_report", "--project", krippendorff["project"].slug, stdout=out)

    text = out.getvalue()
    assert "Krippendorff's alpha (nominal): 0.743421" in text
    assert "Krippendorff's alpha (ordinal): 0.815388" in text
    assert "Reading (ordinal): reliable" in text
    assert "rev-A: 9 verdicts" in text
    assert "not computable: no article has spans marked by two reviewers" in text


def test_command_json(krippendorff):
    out = StringIO()

    call_command(
        "agreement_report",
        "--project",
        krippendorff["project"].slug,
        "--format",
        "json",
        "--to",
        "2021-06-16",
        stdout=out,
    )

    body = json.loads(out.getvalue())
    assert round(body["alpha_ordinal"]["value"], 6) == 0.815388
    assert body["filters"]["submitted_to"] == "2021-06-16"
    assert body["verdicts"] == 41


def test_command_unknown_project_fails():
    with pytest.raises(CommandError, match="no project"):
        call_command("agreement_report", "--project", "nope", stdout=StringIO())


def test_datetime_bounds_accept_the_last_day():
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])

    report = project_agreement(
        project,
        AgreementFilters(submitted_from=datetime.date(1, 1, 1), submitted_to=datetime.date.max),
    )

    assert report.verdicts == 0
    assert timezone.now() >= report.computed_at


def test_page_shows_claim_matching_from_answered_suggestions():
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])
    page = _client(editor).get(_page_url(project)).text
    assert ">Claim matching</h2>" in page and "No suggestion answered yet" in page
    claim = ClaimFactory(project=project, text="Moscow has amassed roughly 100,000 troops.")
    for decision, score in (("confirmed", 0.9), ("rejected", 0.6), ("shown", 0.95)):
        MatchDecision.objects.create(
            claim=claim,
            span_text="Moscow has amassed about 100,000 troops at the border, officials said.",
            claim_text=claim.text,
            decision=decision,
            scores={"score": score, "lexical": 0.55},
        )
    page = _client(editor).get(_page_url(project)).text
    assert "From 2 answered suggestions (1 the same claim)" in page
    # fused, suggest at 0.5: both chosen, one right
    assert re.search(
        r"Fused score</th><td>suggest</td><td>0.50</td><td>2</td><td>2</td>"
        r"<td>0.500</td><td>1.000</td><td>0.667</td>",
        page,
    )
    assert "style=" not in page
