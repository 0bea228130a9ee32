"""The access vocabulary (annotate.access): each access_* function fetches and authorizes, and
every page maps its errors the same way (NotFound -> 404, Forbidden -> 403)."""

import pytest
from django.test import Client
from django.urls import reverse

from annotate.access import (
    Capabilities,
    Need,
    access_article_in_project,
    access_own_verdict,
    access_project,
    access_span,
    capabilities,
    role_in,
)
from annotate.errors import Forbidden, NotFound
from annotate.models import Membership
from annotate.web import views
from tests.factories import (
    ArticleFactory,
    SpanFactory,
    VerdictFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(body="Leaders met. Officials said talks went well. Others disagree."),
    pytest.mark.span(text="talks went well"),
]
Role = Membership.Role


@pytest.fixture
def team(editor, reviewer, other_reviewer, viewer, outsider, article, project, span):
    """The shared fixtures by name, as the tests below look them up (`team[who]`)."""
    return {
        "editor": editor,
        "reviewer": reviewer,
        "other_reviewer": other_reviewer,
        "viewer": viewer,
        "outsider": outsider,
        "article": article,
        "project": project,
        "span": span,
    }


# --- access_project ---


def test_access_project_hides_the_project_from_non_members(team):
    with pytest.raises(NotFound):
        access_project(team["outsider"], team["project"].pk)


@pytest.mark.parametrize("project_id", ["abc", None, 0, -1, 2**63, 2**80, "1.5"])
def test_access_project_treats_impossible_ids_as_absent(team, project_id):
    with pytest.raises(NotFound):
        access_project(team["editor"], project_id)


def test_access_project_refuses_anonymous_users_as_absent(team):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        access_project(AnonymousUser(), team["project"].pk)


@pytest.mark.parametrize(
    ("who", "need"),
    [
        ("viewer", Need.WRITE),
        ("viewer", Need.ADJUDICATE),
        ("reviewer", Need.ADJUDICATE),
        ("reviewer", Need.MANAGE),
        ("reviewer", Need.EXPORT),
        ("reviewer", Need.SEE_QUALITY),
        ("reviewer", Need.SEE_HISTORY),
    ],
)
def test_access_project_forbids_what_the_role_may_not_do(team, who, need):
    with pytest.raises(Forbidden):
        access_project(team[who], team["project"].pk, need=need)


@pytest.mark.parametrize("need", list(Need))
def test_access_project_lets_editors_do_everything(team, need):
    assert access_project(team["editor"], team["project"].pk, need=need) == team["project"]


def test_access_project_reads_project_and_role_in_one_query(team, django_assert_num_queries):
    with django_assert_num_queries(1):
        project = access_project(team["reviewer"], str(team["project"].pk), need=Need.WRITE)
    with django_assert_num_queries(0):
        assert role_in(project, team["reviewer"]) == Role.REVIEWER
        assert capabilities(project, team["reviewer"]).may_write


# --- access_article_in_project ---


def test_access_article_in_project_hides_articles_of_other_projects(team):
    elsewhere = ArticleFactory()
    with pytest.raises(NotFound):
        access_article_in_project(team["reviewer"], team["project"].pk, elsewhere.pk)
    with pytest.raises(NotFound):
        access_article_in_project(team["outsider"], team["project"].pk, team["article"].pk)


def test_access_article_in_project_forbids_a_viewer_writing(team):
    with pytest.raises(Forbidden):
        access_article_in_project(
            team["viewer"], team["project"].pk, team["article"].pk, need=Need.WRITE
        )
    project, article = access_article_in_project(
        team["viewer"], team["project"].pk, team["article"].pk
    )
    assert (project, article) == (team["project"], team["article"])


# --- access_span ---


@pytest.mark.parametrize("detail", [True, False])
def test_access_span_hides_spans_of_other_projects(team, detail):
    with pytest.raises(NotFound):
        access_span(team["outsider"], team["span"].pk, detail=detail)


def test_access_span_hides_orphaned_spans_from_non_editors(team):
    span = team["span"]
    span.orphaned = True
    span.save()
    with pytest.raises(NotFound):
        access_span(team["reviewer"], span.pk)
    assert access_span(team["editor"], span.pk).pk == span.pk


def test_access_span_forbids_a_viewer_writing_and_a_reviewer_adjudicating(team):
    with pytest.raises(Forbidden):
        access_span(team["viewer"], team["span"].pk, need=Need.WRITE)
    with pytest.raises(Forbidden):
        access_span(team["reviewer"], team["span"].pk, need=Need.ADJUDICATE)
    assert access_span(team["reviewer"], team["span"].pk, need=Need.WRITE).pk == team["span"].pk


def test_access_span_for_writes_is_one_query(team, django_assert_num_queries):
    with django_assert_num_queries(1):
        span = access_span(team["reviewer"], team["span"].pk, need=Need.WRITE, detail=False)
    with django_assert_num_queries(0):
        assert role_in(span.project, team["reviewer"]) == Role.REVIEWER


# --- access_own_verdict ---


def test_access_own_verdict_returns_the_callers_verdict_in_one_query(
    team, django_assert_num_queries
):
    verdict = VerdictFactory(span=team["span"], reviewer=team["reviewer"])
    with django_assert_num_queries(1):
        found = access_own_verdict(team["reviewer"], verdict_id=verdict.pk)
        assert found.span.project == team["project"]
        assert role_in(found.span.project, team["reviewer"]) == Role.REVIEWER
    assert access_own_verdict(team["reviewer"], span_id=team["span"].pk) == verdict


def test_access_own_verdict_forbids_someone_elses_visible_verdict(team):
    verdict = VerdictFactory(span=team["span"], reviewer=team["other_reviewer"])
    with pytest.raises(Forbidden):
        access_own_verdict(team["editor"], verdict_id=verdict.pk)


def test_access_own_verdict_hides_what_blind_review_and_drafts_hide(team):
    submitted = VerdictFactory(span=team["span"], reviewer=team["other_reviewer"])
    draft = VerdictFactory(span=SpanFactory(project=team["project"]), draft=True)
    for verdict in (submitted, draft):  # the reviewer has not submitted on that span
        with pytest.raises(NotFound):
            access_own_verdict(team["reviewer"], verdict_id=verdict.pk)
    with pytest.raises(NotFound):
        access_own_verdict(team["outsider"], verdict_id=submitted.pk)
    with pytest.raises(NotFound):
        access_own_verdict(team["reviewer"], span_id=team["span"].pk)  # has none there


def test_access_own_verdict_forbids_a_viewer_writing(team):
    verdict = VerdictFactory(span=team["span"], reviewer=team["viewer"])  # from when they reviewed
    with pytest.raises(Forbidden):
        access_own_verdict(team["viewer"], verdict_id=verdict.pk)
    assert access_own_verdict(team["viewer"], verdict_id=verdict.pk, need=Need.READ) == verdict


# --- capabilities ---


def test_capabilities_follow_the_role_and_blind_review():
    editor = Capabilities.of(Role.EDITOR, blind_review=True)
    reviewer = Capabilities.of(Role.REVIEWER, blind_review=True)
    viewer = Capabilities.of(Role.VIEWER, blind_review=True)
    nobody = Capabilities.of(None, blind_review=True)
    assert all(value for key, value in editor.as_dict().items() if key != "is_blind_for_me")
    assert not editor.is_blind_for_me
    assert reviewer.may_write and reviewer.may_delete_span and reviewer.is_blind_for_me
    assert not (reviewer.may_adjudicate or reviewer.may_export or reviewer.may_see_quality)
    assert not reviewer.may_see_verdicts
    assert Capabilities.of(Role.REVIEWER, blind_review=False).may_see_verdicts
    assert viewer.may_read and viewer.may_see_verdicts and not viewer.may_write
    assert not any(nobody.as_dict().values())
    for need in Need:
        assert editor.allows(need)
        assert not nobody.allows(need)


# --- the pages map the errors the same way ---


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_urls(team) -> dict[str, str]:
    project, article, span = team["project"], team["article"], team["span"]
    return {
        "project": reverse("annotate:project", args=[project.pk]),
        "reader": reverse("annotate:reader", args=[project.pk, article.pk]),
        "members": reverse("annotate:members", args=[project.pk]),
        "contested": reverse("annotate:contested", args=[project.pk]),
        "quality": reverse("annotate:quality", args=[project.pk]),
        "export": reverse("datasets:export", args=[project.pk]),
        "history": reverse("annotate:history", args=[span.pk]),
    }


def test_pages_of_another_project_are_404(team):
    client = _client(team["outsider"])
    for name, url in _page_urls(team).items():
        assert client.get(url).status_code == 404, name
    span = team["span"]
    for name in ("verdict", "withdraw", "comment", "adjudicate", "span-delete", "span-bounds"):
        assert client.post(reverse(f"annotate:{name}", args=[span.pk])).status_code == 404, name
    create = reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk])
    assert client.post(create, {}).status_code == 404


def test_editor_pages_are_403_for_reviewers(team):
    client = _client(team["reviewer"])
    for name in ("contested", "quality", "export", "history"):
        assert client.get(_page_urls(team)[name]).status_code == 403, name
    adjudicate = reverse("annotate:adjudicate", args=[team["span"].pk])
    assert client.post(adjudicate, {"adjudicate-label": "False"}).status_code == 403
    members = _page_urls(team)["members"]
    assert client.post(members, {"username": "x", "role": "viewer"}).status_code == 403
    assert not Membership.objects.filter(user__username="x").exists()


def test_writes_are_403_for_viewers_even_with_invalid_forms(team):
    client = _client(team["viewer"])
    span = team["span"]
    for name in ("verdict", "comment", "span-delete", "span-bounds"):
        assert client.post(reverse(f"annotate:{name}", args=[span.pk])).status_code == 403, name
    create = reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk])
    assert client.post(create, {}).status_code == 403
    next_claim = reverse("annotate:next", args=[team["project"].pk])
    assert client.post(next_claim).status_code == 403
    assert span.__class__.objects.filter(pk=span.pk).exists()


def test_pages_show_what_the_capabilities_allow(team):
    reader = _page_urls(team)["reader"] + f"?span={team['span'].pk}"
    as_viewer = _client(team["viewer"]).get(reader).text
    as_reviewer = _client(team["reviewer"]).get(reader).text
    as_editor = _client(team["editor"]).get(reader).text
    assert 'id="span-form"' not in as_viewer and 'id="verdict-form"' not in as_viewer
    assert 'id="span-form"' in as_reviewer and 'id="verdict-form"' in as_reviewer
    assert 'id="adjudication-form"' not in as_reviewer and "/history/" not in as_reviewer
    assert 'id="adjudication-form"' in as_editor and "/history/" in as_editor
    assert 'id="blind-note"' in as_reviewer and 'id="blind-note"' not in as_editor


@pytest.mark.parametrize(
    ("name", "post"),
    [
        ("verdict", {"label": "", "intent": "submit", "version": "0"}),
        ("comment", {"body": ""}),
        ("adjudicate", {"adjudicate-label": "not on the scale"}),
    ],
)
def test_panel_errors_render_the_reader_without_reentering_its_view(team, monkeypatch, name, post):
    def reentered(*args, **kwargs):
        raise AssertionError("the error path called the reader view")

    monkeypatch.setattr(views, "reader", reentered)
    post = {
        **post,
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "50",
    }
    response = _client(team["editor"]).post(
        reverse(f"annotate:{name}", args=[team["span"].pk]), post
    )
    assert response.status_code == 400
    page = response.text
    assert 'id="panel"' in page and 'id="span-list"' in page
    assert team["article"].title in page
    assert "form-errors" in page


def test_span_create_error_renders_the_reader_without_reentering_its_view(team, monkeypatch):
    monkeypatch.setattr(views, "reader", lambda *a, **k: pytest.fail("re-entered the view"))
    url = reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk])
    response = _client(team["reviewer"]).post(url, {"start": 0, "end": 5, "quote": "Nope!"})
    assert response.status_code == 400
    assert 'id="span-form"' in response.text and 'id="span-list"' in response.text
