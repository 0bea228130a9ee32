"""Claims across articles in the browser's pages: the reader's claim box (suggestions recorded as
shown, confirm, reject, new claim, close with the claim's verdict, unlink), the claim page and the
list of checked claims; who may use each door, CSRF, blind review and flat query counts."""

import pytest
from django.test import Client
from django.urls import reverse

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, MatchDecision
from annotate.models import Adjudication
from tests.factories import ArticleFactory, ClaimFactory, SpanFactory, VerdictFactory

pytestmark = pytest.mark.django_db

TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."
SAID = f"Officials said so. {TROOPS} Nothing else."
REPEATED = f"Analysts agree. {TROOPS} Talks follow."


def _client(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _reader(span) -> str:
    return reverse("annotate:reader", args=[span.project_id, span.article_id]) + f"?span={span.pk}"


def _span_in_new_article(project, author, body=SAID):
    article = ArticleFactory(body=body, language="en", title="Troops at the border")
    project.articles.add(article)
    return SpanFactory(project=project, article=article, created_by=author, text=TROOPS)


@pytest.fixture
def founded(project, editor):
    """A claim founded on a span of one article."""
    return services.claim_create(actor=editor, span=_span_in_new_article(project, editor))


@pytest.fixture
def repeat(project, editor, founded):
    """The same sentence highlighted in another article, not linked yet (auto-link aside)."""
    span = _span_in_new_article(project, editor, body=REPEATED)
    Appearance.objects.filter(span=span).delete()  # the suggestion run may have auto-linked it
    return span


# The reader's claim box -----------------------------------------------------------------------


def test_reader_suggests_the_claim_and_records_it_shown_once(reviewer, repeat, founded):
    client = _client(reviewer)
    page = client.get(_reader(repeat)).content.decode()
    assert f'id="claim-suggestion-{founded.pk}"' in page
    assert f'id="claim-confirm-{founded.pk}"' in page
    assert f'id="claim-reject-{founded.pk}"' in page
    assert 'id="claim-new"' in page
    assert "shared numbers: 100000" in page or "shared numbers: 100,000" in page
    shown = MatchDecision.objects.filter(span=repeat, claim=founded, decision="shown")
    assert shown.count() == 1
    assert shown.get().decided_by == reviewer
    client.get(_reader(repeat))
    assert shown.count() == 1


def test_confirm_links_the_span_and_the_panel_shows_the_claim(reviewer, editor, repeat, founded):
    services.claim_verdict_set(actor=editor, claim=founded, label="False")
    client = _client(reviewer)
    response = client.post(
        reverse("annotate:claim-confirm", args=[repeat.pk]), {"claim": founded.pk}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?span={repeat.pk}#panel")
    appearance = Appearance.objects.get(span=repeat)
    assert (appearance.claim, appearance.linked_by) == (founded, reviewer)
    page = client.get(response["Location"]).content.decode()
    assert f"Linked to claim #{founded.pk}." in page
    assert 'id="claim-link"' in page
    # Blind review: the reviewer has not judged this span yet.
    assert "Already checked" not in page
    VerdictFactory(span=repeat, reviewer=reviewer, label="False", status="submitted")
    page = client.get(response["Location"]).content.decode()
    assert "Already checked: <strong" in page
    assert ">False</strong>, 2 appearances, adjudicated" in page


def test_reject_records_a_decision_and_hides_the_suggestion(reviewer, repeat, founded):
    client = _client(reviewer)
    response = client.post(
        reverse("annotate:claim-reject", args=[repeat.pk]), {"claim": founded.pk}
    )
    assert response.status_code == 302
    assert MatchDecision.objects.filter(span=repeat, decision="rejected").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert f"Suggestion of claim #{founded.pk} rejected." in page
    assert f'id="claim-suggestion-{founded.pk}"' not in page


def test_new_claim_from_the_passage(reviewer, repeat):
    response = _client(reviewer).post(reverse("annotate:claim-new", args=[repeat.pk]))
    assert response.status_code == 302
    claim = Claim.objects.get(appearances__span=repeat)
    assert claim.text == TROOPS


def test_queue_mode_is_kept(reviewer, repeat, founded):
    response = _client(reviewer).post(
        reverse("annotate:claim-confirm", args=[repeat.pk]), {"claim": founded.pk, "queue": "1"}
    )
    assert response["Location"].endswith("&queue=1#panel")


def test_refusals_come_back_as_messages(reviewer, editor, repeat, founded):
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    client = _client(reviewer)
    response = client.post(
        reverse("annotate:claim-confirm", args=[repeat.pk]), {"claim": founded.pk}, follow=True
    )
    assert "The claim could not be linked" in response.content.decode()


@pytest.mark.parametrize("door", ["claim-confirm", "claim-reject", "claim-new", "claim-unlink"])
def test_writes_refuse_viewers_and_non_members(door, viewer, outsider, repeat, founded):
    url = reverse(f"annotate:{door}", args=[repeat.pk])
    assert _client(viewer).post(url, {"claim": founded.pk}).status_code == 403
    assert _client(outsider).post(url, {"claim": founded.pk}).status_code == 404
    assert not Appearance.objects.filter(span=repeat).exists()


def test_a_claim_of_another_project_is_not_found(reviewer, repeat):
    foreign = ClaimFactory()
    response = _client(reviewer).post(
        reverse("annotate:claim-confirm", args=[repeat.pk]), {"claim": foreign.pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("door", ["claim-confirm", "claim-new", "claim-reuse"])
def test_claim_box_forms_need_csrf(door, editor, repeat, founded):
    client = _client(editor, enforce_csrf_checks=True)
    url = reverse(f"annotate:{door}", args=[repeat.pk])
    assert client.post(url, {"claim": founded.pk}).status_code == 403
    assert not Appearance.objects.filter(span=repeat).exists()


def test_viewers_see_the_linked_claim_but_no_suggestions(viewer, repeat, founded, editor):
    page = _client(viewer).get(_reader(repeat)).content.decode()
    assert "claim-suggestion" not in page and 'id="claim-new"' not in page
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    page = _client(viewer).get(_reader(repeat)).content.decode()
    assert 'id="claim-link"' in page and "claim-unlink" not in page


# Closing with the claim's verdict ---------------------------------------------------------------


def test_editor_closes_a_linked_appearance_with_the_claims_verdict(editor, repeat, founded):
    services.claim_verdict_set(actor=editor, claim=founded, label="False")
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    client = _client(editor)
    page = client.get(_reader(repeat)).content.decode()
    assert "Close with the claim's verdict (False)" in page
    response = client.post(reverse("annotate:claim-reuse", args=[repeat.pk]))
    assert response.status_code == 302
    assert Adjudication.objects.get(span=repeat).label == "False"
    page = client.get(response["Location"]).content.decode()
    assert 'id="claim-reused"' in page and 'id="claim-reuse"' not in page
    assert "Closed with the claim&#x27;s final verdict." in page


def test_reuse_is_offered_to_editors_only(reviewer, editor, repeat, founded):
    services.claim_verdict_set(actor=editor, claim=founded, label="False")
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    VerdictFactory(span=repeat, reviewer=reviewer, label="False", status="submitted")
    page = _client(reviewer).get(_reader(repeat)).content.decode()
    assert 'id="claim-reuse"' not in page
    response = _client(reviewer).post(reverse("annotate:claim-reuse", args=[repeat.pk]))
    assert response.status_code == 403


# The claim page ----------------------------------------------------------------------------------


def test_claim_page_shows_appearances_and_timeline(editor, repeat, founded):
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    services.claim_verdict_set(actor=editor, claim=founded, label="False", rationale="No.")
    page = _client(editor).get(reverse("annotate:claim", args=[founded.pk])).content.decode()
    assert page.count('id="appearance-') == 2
    assert "Troops at the border" in page
    assert f"?span={repeat.pk}#panel" in page
    assert "claim founded" in page
    assert f"span #{repeat.pk} linked (confirmed by a member)" in page
    assert "final verdict set: False" in page
    assert 'id="claim-verdict-form"' in page and 'id="claim-merge-form"' in page


def test_claim_page_blind_review_hides_the_final_verdict(reviewer, editor, repeat, founded):
    services.claim_verdict_set(actor=editor, claim=founded, label="False", rationale="Secret")
    url = reverse("annotate:claim", args=[founded.pk])
    page = _client(reviewer).get(url).content.decode()
    assert 'id="claim-verdict-hidden"' in page
    assert "Secret" not in page and "final verdict set: False" not in page
    assert 'id="claim-verdict-form"' not in page
    first = founded.appearances.get().span
    VerdictFactory(span=first, reviewer=reviewer, label="True", status="submitted")
    page = _client(reviewer).get(url).content.decode()
    assert 'id="claim-verdict"' in page and "Secret" in page


def test_claim_page_refuses_non_members(outsider, founded):
    url = reverse("annotate:claim", args=[founded.pk])
    assert _client(outsider).get(url).status_code == 404


def test_editor_edits_sets_the_verdict_and_merges(editor, project, repeat, founded):
    client = _client(editor)
    other = services.claim_create(actor=editor, span=repeat)
    response = client.post(
        reverse("annotate:claim-edit", args=[founded.pk]),
        {"text": "Russia massed 100,000 troops.", "claimant": "NATO", "language": "en"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("annotate:claim-verdict", args=[founded.pk]),
        {"label": "Mostly True", "rationale": "Roughly."},
    )
    assert response.status_code == 302
    response = client.post(reverse("annotate:claim-merge", args=[founded.pk]), {"merge": other.pk})
    assert response.status_code == 302
    founded.refresh_from_db()
    assert (founded.text, founded.claimant, founded.verdict_label) == (
        "Russia massed 100,000 troops.",
        "NATO",
        "Mostly True",
    )
    assert founded.appearances.count() == 2
    assert not Claim.objects.filter(pk=other.pk).exists()


def test_claim_page_forms_report_errors(editor, founded):
    client = _client(editor)
    response = client.post(reverse("annotate:claim-verdict", args=[founded.pk]), {"label": "Nope"})
    assert response.status_code == 400
    response = client.post(reverse("annotate:claim-merge", args=[founded.pk]), {"merge": 999999})
    assert response.status_code == 400
    assert "No such claim." in response.content.decode()


@pytest.mark.parametrize("door", ["claim-edit", "claim-verdict", "claim-merge"])
def test_claim_page_writes_refuse_reviewers_and_non_members(door, reviewer, outsider, founded):
    url = reverse(f"annotate:{door}", args=[founded.pk])
    data = {"text": "x", "language": "en", "label": "True", "merge": founded.pk}
    assert _client(reviewer).post(url, data).status_code == 403
    assert _client(outsider).post(url, data).status_code == 404


def test_unlink_from_the_claim_page(editor, repeat, founded):
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    response = _client(editor).post(
        reverse("annotate:claim-unlink", args=[repeat.pk]), {"claim": founded.pk, "next": "claim"}
    )
    assert response["Location"] == reverse("annotate:claim", args=[founded.pk])
    assert not Appearance.objects.filter(span=repeat).exists()


# The checked-claims list -------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(editor, project, repeat, founded):
    services.appearance_link(actor=editor, span=repeat, claim=founded)
    services.claim_verdict_set(actor=editor, claim=founded, label="False")
    lonely = ClaimFactory(project=project, text="Geneva talks start in January.")
    url = reverse("annotate:checked-claims", args=[project.pk])
    client = _client(editor)
    page = client.get(url).content.decode()
    assert page.index(TROOPS[:40]) < page.index("Geneva talks")  # most appearances first
    assert TROOPS[:40] not in client.get(url, {"q": "geneva"}).content.decode()
    only_settled = client.get(url, {"has_verdict": "true"}).content.decode()
    assert "Geneva" not in only_settled and TROOPS[:40] in only_settled
    assert "Geneva" in client.get(url, {"has_verdict": "false"}).content.decode()
    assert "Geneva" not in client.get(url, {"label": "False"}).content.decode()
    newest = client.get(url, {"sort": "-created"}).content.decode()
    assert newest.index("Geneva talks") < newest.index(TROOPS[:40])
    assert lonely.pk


def test_list_filters_do_not_unblind(reviewer, editor, project, founded):
    services.claim_verdict_set(actor=editor, claim=founded, label="False")
    url = reverse("annotate:checked-claims", args=[project.pk])
    page = _client(reviewer).get(url, {"label": "False"}).content.decode()
    assert "No claims match." in page


def test_project_page_links_the_list(reviewer, project):
    page = _client(reviewer).get(reverse("annotate:project", args=[project.pk])).content.decode()
    assert reverse("annotate:checked-claims", args=[project.pk]) in page


def test_list_refuses_non_members(outsider, project):
    url = reverse("annotate:checked-claims", args=[project.pk])
    assert _client(outsider).get(url).status_code == 404


@pytest.mark.parametrize("n", [1, 30])
def test_list_queries_stay_flat(editor, project, n, django_assert_max_num_queries):
    for index in range(n):
        span = SpanFactory(project=project, article=ArticleFactory(), created_by=editor)
        claim = ClaimFactory(project=project, text=f"Claim number {index} about troops.")
        Appearance.objects.create(span=span, claim=claim, link_method="imported", linked_by=editor)
    client = _client(editor)
    url = reverse("annotate:checked-claims", args=[project.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count('class="quote-cell"') == n


def test_reader_queries_stay_flat_with_linked_spans(editor, project, count_queries):
    body = " ".join(f"Sentence {i} says leaders met." for i in range(25))
    article = ArticleFactory(body=body, language="en")
    project.articles.add(article)
    claim = ClaimFactory(project=project, text="Leaders met.")

    def link(index):
        text = f"Sentence {index} says leaders met."
        span = SpanFactory(project=project, article=article, created_by=editor, text=text)
        Appearance.objects.create(span=span, claim=claim, link_method="imported", linked_by=editor)
        return span

    first = link(0)
    client = _client(editor)
    response, one = count_queries(client, _reader(first))
    assert 'id="claim-link"' in response.content.decode()
    for index in range(1, 20):
        link(index)
    response, many = count_queries(client, _reader(first))
    assert response.content.decode().count("data-span-id=") == 20
    assert many == one
