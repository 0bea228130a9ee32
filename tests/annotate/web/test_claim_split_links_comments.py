"""The claim page's split, cross-project links and comments: the forms, who may use them, CSRF,
escaping and flat query counts."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, ClaimComment, ClaimLink
from tests.annotate.claims.test_split_links_comments import appearing
from tests.factories import ArticleFactory, ClaimFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _page(user, claim) -> str:
    return _client(user).get(reverse("annotate:claim", args=[claim.pk])).content.decode()


@pytest.fixture
def claim(project, editor):
    return ClaimFactory(project=project, created_by=editor)


def test_editor_splits_from_the_page(editor, reviewer, project, claim):
    spans = appearing(project, claim, 3, by=editor)
    page = _page(editor, claim)
    assert 'id="claim-split-form"' in page and f'value="{spans[2].pk}"' in page
    assert 'id="claim-split-form"' not in _page(reviewer, claim)
    url = reverse("annotate:claim-split", args=[claim.pk])

    response = _client(editor).post(url, {"spans": [spans[2].pk], "text": "Another statement"})

    new = Claim.objects.exclude(pk=claim.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "annotate:claim", args=[new.pk]
    )
    assert new.text == "Another statement"
    assert Appearance.objects.get(span=spans[2]).claim == new
    assert f"split off into claim #{new.pk}" in _page(editor, claim)  # the timeline


def test_split_form_errors_and_refusals(editor, reviewer, outsider, project, claim):
    spans = appearing(project, claim, 2, by=editor)
    url = reverse("annotate:claim-split", args=[claim.pk])
    response = _client(editor).post(url, {"spans": [s.pk for s in spans]})
    assert response.status_code == 400
    assert "Leave at least one appearance" in response.content.decode()
    assert _client(editor).post(url, {"spans": ["999999"]}).status_code == 400
    assert _client(reviewer).post(url, {"spans": [spans[0].pk]}).status_code == 403
    assert _client(outsider).post(url, {"spans": [spans[0].pk]}).status_code == 404
    assert Claim.objects.count() == 1


def test_split_needs_csrf(editor, project, claim):
    spans = appearing(project, claim, 2, by=editor)
    client = _client(editor, enforce_csrf_checks=True)
    response = client.post(
        reverse("annotate:claim-split", args=[claim.pk]), {"spans": [spans[0].pk]}
    )
    assert response.status_code == 403
    assert Claim.objects.count() == 1


@pytest.fixture
def twin(editor):
    other = ProjectFactory(editors=[editor], articles=[ArticleFactory()], name="Sister desk")
    return ClaimFactory(project=other, created_by=editor, text="Twin <i>statement</i>")


def test_link_from_the_page_shows_on_both_claims(editor, reviewer, claim, twin):
    response = _client(editor).post(
        reverse("annotate:claim-link", args=[claim.pk]), {"other": twin.pk}
    )

    assert response.status_code == 302
    assert ClaimLink.objects.count() == 1
    page = _page(editor, claim)
    assert "Sister desk" in page and "Twin &lt;i&gt;statement&lt;/i&gt;" in page
    assert claim.text in _page(editor, twin)
    # The reviewer is no member of the sister project: not a trace of it.
    page = _page(reviewer, claim)
    assert "Sister desk" not in page and "Twin" not in page


def test_link_refused_to_an_editor_of_one_project(claim, twin, project):
    lone = UserFactory()
    project.memberships.create(user=lone, role="editor")
    twin.project.memberships.create(user=lone, role="reviewer")

    response = _client(lone).post(
        reverse("annotate:claim-link", args=[claim.pk]), {"other": twin.pk}
    )

    assert response.status_code == 400
    assert "Only a project editor may link claims across projects." in response.content.decode()
    assert not ClaimLink.objects.exists()


def test_unlink_from_the_page(editor, reviewer, claim, twin):
    link = services.claim_link_create(actor=editor, claim=claim, other=twin)
    url = reverse("annotate:claim-link-delete", args=[claim.pk, link.pk])
    assert _client(reviewer).post(url).status_code == 403
    assert _client(editor).post(url).status_code == 302
    assert not ClaimLink.objects.exists()


def test_reviewer_comments_escaped(reviewer, viewer, claim):
    url = reverse("annotate:claim-comment", args=[claim.pk])
    assert 'id="claim-comment-form"' not in _page(viewer, claim)
    assert _client(viewer).post(url, {"body": "x"}).status_code == 403
    assert _client(reviewer).post(url, {"body": "  "}).status_code == 400

    response = _client(reviewer).post(url, {"body": "<script>alert(1)</script> seen"})

    assert response.status_code == 302
    page = _page(viewer, claim)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; seen" in page
    assert "<script>alert(1)</script>" not in page
    assert ClaimComment.objects.get().author == reviewer


def test_comment_needs_csrf(reviewer, claim):
    client = _client(reviewer, enforce_csrf_checks=True)
    response = client.post(reverse("annotate:claim-comment", args=[claim.pk]), {"body": "x"})
    assert response.status_code == 403
    assert not ClaimComment.objects.exists()


@pytest.mark.parametrize("n", [1, 20])
def test_claim_page_queries_stay_flat(editor, project, claim, n, django_assert_max_num_queries):
    appearing(project, claim, 2, by=editor)
    for i in range(n):
        ClaimComment.objects.create(claim=claim, author=editor, body=f"note {i}")
        other = ProjectFactory(editors=[editor], articles=[])
        services.claim_link_create(
            actor=editor, claim=claim, other=ClaimFactory(project=other, created_by=editor)
        )
    client = _client(editor)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("annotate:claim", args=[claim.pk])).content.decode()
    assert len(re.findall(r'id="claim-comment-\d+"', page)) == n
    assert page.count("linked by ") == n


def test_split_links_and_comments_speak_the_readers_language(editor, project, claim, twin):
    """The sections' headings, buttons and link lines come from the catalogs; the other project's
    name and claim text stay isolated (<bdi>) inside the translated sentence."""
    appearing(project, claim, 2, by=editor)
    services.claim_link_create(actor=editor, claim=claim, other=twin)
    url = reverse("annotate:claim", args=[claim.pk])
    page = _client(editor).get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Separar apariciones en una nueva afirmación" in page
    assert "La misma declaración en otros proyectos" in page
    assert "Aún no hay comentarios." in page
    assert f"afirmación n.º {twin.pk}</a> de <bdi>Sister desk</bdi>: «<bdi" in page
    assert "vinculada por " in page and "linked by" not in page
