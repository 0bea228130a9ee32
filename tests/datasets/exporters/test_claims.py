"""Claims in the exports (issue 15): one ClaimReview per claim with its appearances, and the
claim id column of CSV and FEVER."""

import csv
import io

import pytest

from tests.datasets.exports import add_known_claims, export, json_lines

pytestmark = pytest.mark.django_db


def test_claimreview_one_review_per_claim_with_first_appearance_and_every_appearance(known):
    claims = add_known_claims(known)
    # An adjudicated appearance of the claim makes no review of its own.
    from annotate.models import Adjudication

    Adjudication.objects.create(span=known.sum_span, editor=known.editor, label="False")

    lines = json_lines(
        export(
            known.project,
            "claimreview",
            review_url="https://checks.example.org/claims/{claim}",
            organization="Example Checks",
        )
    )

    assert lines == [
        {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": "https://checks.example.org/claims/cl-1",
            "claimReviewed": claims.talks.text,
            "datePublished": "2021-12-08",
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {
                "@type": "Rating",
                "alternateName": "Mostly False",  # the claim's final verdict
                "ratingValue": 3,
                "bestRating": 6,
                "worstRating": 1,
            },
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": "Example Ministry"},
                "datePublished": "2021-12-07",
                "firstAppearance": {
                    "@type": "CreativeWork",
                    "headline": "Envoy says talks went well",
                    "url": "https://example.org/a",
                    "publisher": {"@type": "Organization", "name": "Example Wire"},
                    "datePublished": "2021-12-07",
                },
                "appearance": [
                    {
                        "@type": "CreativeWork",
                        "headline": "Envoy says talks went well",
                        "url": "https://example.org/a",
                        "publisher": {"@type": "Organization", "name": "Example Wire"},
                        "datePublished": "2021-12-07",
                    },
                    # undated, so after; no URL or publisher known: left out
                    {"@type": "CreativeWork", "headline": "+Formula headline"},
                ],
            },
        }
    ]


def _check_google_claimreview(review: dict) -> None:
    """FORMATS.md §4e: Google's required and recommended fields and their types."""
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"]
    assert isinstance(review["url"], str) and review["url"]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"]
    if "ratingValue" in rating:
        assert 1 <= rating["worstRating"] < rating["bestRating"]
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert "appearance" in item or "firstAppearance" in item
    works = item.get("appearance", [])
    works = works if isinstance(works, list) else [works]
    if "firstAppearance" in item:
        works = [*works, item["firstAppearance"]]
    for work in works:
        assert work["@type"] == "CreativeWork"
        if "datePublished" in work:
            assert len(work["datePublished"]) == 10
    if "author" in item:
        assert item["author"]["name"]


def test_claimreview_claim_without_verdict_takes_its_adjudication_and_spans_keep_theirs(known):
    claims = add_known_claims(known)
    from annotate.models import Adjudication, Appearance, Claim

    # The envoy claim gets an adjudicated appearance but no final verdict; "talks went well"
    # leaves its claim, which keeps only the undated formula appearance and its own verdict.
    Adjudication.objects.create(span=known.envoy, editor=known.editor, label="True")
    Appearance.objects.filter(span=known.talks).delete()
    Claim.objects.filter(pk=claims.talks.pk).update(
        verdict_label="", verdict_origin="", verdict_set_at=None, verdict_set_by=None
    )

    lines = json_lines(export(known.project, "claimreview"))

    # talks: a span review as before; talks claim: no verdict and no adjudicated appearance,
    # left out; envoy claim: rated by its appearance's adjudication, url from its ref.
    assert [(line["claimReviewed"], line["url"]) for line in lines] == [
        ("talks went well", "urn:fc:known:s-2"),  # envoy (s-1) now adjudicated too
        ("Envoy", "urn:fc:known:cl-2"),
    ]
    assert lines[1]["reviewRating"]["alternateName"] == "True"
    assert "firstAppearance" in lines[1]["itemReviewed"]
    for line in lines:
        _check_google_claimreview(line)


def test_claimreview_leaves_out_claims_outside_the_selected_articles(known):
    add_known_claims(known)

    lines = json_lines(export(known.project, "claimreview", articles=(known.formula.pk,)))

    # Only the formula article: the talks claim appears there once (undated: no first
    # appearance, no date guessed).
    (review,) = lines
    assert review["itemReviewed"]["appearance"] == [
        {"@type": "CreativeWork", "headline": "+Formula headline"}
    ]
    assert "firstAppearance" not in review["itemReviewed"]
    _check_google_claimreview(review)


def test_csv_appends_claim_id_column(known):
    add_known_claims(known)

    rows = list(csv.reader(io.StringIO(export(known.project, "csv", labels="all"))))

    header = rows[0]
    assert header[-1] == "claim_id" and header[:2] == ["project_id", "article_id"]
    assert header.index("adjudicated_by") == len(header) - 2
    claim_of = {row[header.index("quote")]: row[-1] for row in rows[1:]}
    assert claim_of == {"Envoy": "cl-2", "talks went well": "cl-1", "'=SUM(A1)": "cl-1"}


def test_csv_claim_id_is_empty_without_claims(known):
    rows = list(csv.DictReader(io.StringIO(export(known.project, "csv"))))

    assert rows and {row["claim_id"] for row in rows} == {""}


def test_fever_lines_carry_claim_id(known):
    add_known_claims(known)
    from annotate.models import Appearance

    Appearance.objects.filter(span=known.envoy).delete()

    lines = json_lines(export(known.project, "fever", labels="all"))

    assert {(line["claim"], line["claim_id"]) for line in lines} == {
        ("talks went well", "cl-1"),
        ("Envoy", None),
        ("=SUM(A1)", "cl-1"),
    }


def _schema_org_offline(url, options=None):
    """schema.org's context without the network: its vocabulary as `@vocab` (the terms used
    here are all plain schema.org properties and types)."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": "https://schema.org/"}},
    }


def test_claimreview_parses_as_json_ld(known):
    from pyld import jsonld

    add_known_claims(known)
    (review,) = json_lines(
        export(known.project, "claimreview", review_url="https://checks.example.org/{claim}")
    )

    (expanded,) = jsonld.expand(review, {"documentLoader": _schema_org_offline})

    s = "https://schema.org/"
    assert expanded["@type"] == [f"{s}ClaimReview"]
    assert expanded[f"{s}claimReviewed"] == [{"@value": "The envoy's talks went well"}]
    (claim,) = expanded[f"{s}itemReviewed"]
    assert claim["@type"] == [f"{s}Claim"]
    (first,) = claim[f"{s}firstAppearance"]
    assert first["@type"] == [f"{s}CreativeWork"]
    assert first[f"{s}url"] == [{"@value": "https://example.org/a"}]
    assert first[f"{s}publisher"][0][f"{s}name"] == [{"@value": "Example Wire"}]
    assert len(claim[f"{s}appearance"]) == 2
    (rating,) = expanded[f"{s}reviewRating"]
    assert rating[f"{s}alternateName"] == [{"@value": "Mostly False"}]
    # And it is a graph: every statement reads back as RDF.
    quads = jsonld.to_rdf(
        review, {"documentLoader": _schema_org_offline, "format": "application/n-quads"}
    )
    assert f"<{s}firstAppearance>" in quads and f"<{s}ClaimReview>" in quads
