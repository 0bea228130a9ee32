"""A small known project for the export tests, and helpers to run an export into text.

Two articles: the FORMATS.md §1 emoji example, and one whose claim starts with "=" (a formula
in a spreadsheet). Spans: "talks went well" (two reviewers disagree, adjudicated Half True, two
comments), "Envoy" (agreed, True), "=SUM(A1)" (one submitted verdict and one draft: in review)
and an orphaned span. Every timestamp is fixed, so outputs are exact.
"""

import datetime
import io
import json
from dataclasses import dataclass

from annotate.models import Adjudication, Comment, Membership, Project, Source, Span, Verdict
from annotate.projects.scales import PRESETS
from datasets.exporters import dataset_export
from datasets.options import ExportOptions
from tests.factories import ArticleFactory, UserFactory

UTC = datetime.UTC
T0 = datetime.datetime(2021, 12, 8, 10, 0, tzinfo=UTC)
EMOJI_BODY = "Hi 👋 Envoy said talks went well."
FORMULA_BODY = "=SUM(A1) is what the minister wrote.\n\nNobody checked it."


@dataclass
class Known:
    project: Project
    editor: object
    rita: object
    rob: object
    emoji: object
    formula: object
    talks: Span
    envoy: Span
    sum_span: Span
    orphan: Span


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def _verdict(span, reviewer, label, minutes, *, rationale="", status="submitted", sources=()):
    verdict = Verdict.objects.create(
        span=span,
        reviewer=reviewer,
        label=label,
        rationale=rationale,
        confidence=4,
        status=status,
        version=1,
        submitted_at=at(minutes) if status == "submitted" else None,
    )
    Verdict.objects.filter(pk=verdict.pk).update(created_at=at(minutes), updated_at=at(minutes))
    for position, (url, stance, excerpt) in enumerate(sources):
        Source.objects.create(
            verdict=verdict, position=position, url=url, stance=stance, excerpt=excerpt
        )
    return verdict


def _span(project, article, start, end, creator, minutes, **extra):
    body = article.body
    span = Span.objects.create(
        project=project,
        article=article,
        start=start,
        end=end,
        quote=body[start:end],
        prefix=body[max(0, start - 32) : start],
        suffix=body[end : end + 32],
        created_by=creator,
        **extra,
    )
    Span.objects.filter(pk=span.pk).update(created_at=at(minutes))
    return span


def build_known_project(*, slug: str = "known", scale: str = "politifact") -> Known:
    editor = UserFactory(username=f"{slug}-eddie", email=f"{slug}-eddie@example.org")
    rita = UserFactory(username=f"{slug}-rita", email=f"{slug}-rita@example.org")
    rob = UserFactory(username=f"{slug}-rob", email=f"{slug}-rob@example.org")
    preset = PRESETS[scale]
    project = Project.objects.create(
        name=f"Known {slug}",
        slug=slug,
        scale_preset=scale,
        scale=preset.as_scale(),
        scale_is_ordinal=preset.ordinal,
        reviews_per_claim=2,
    )
    Project.objects.filter(pk=project.pk).update(created_at=T0)
    project.refresh_from_db()
    for user, role in ((editor, "editor"), (rita, "reviewer"), (rob, "reviewer")):
        membership = Membership.objects.create(project=project, user=user, role=role)
        Membership.objects.filter(pk=membership.pk).update(created_at=T0)
    # Articles are unique by body: another project's get its slug appended.
    tail = "" if slug == "known" else f" ({slug})"
    emoji = ArticleFactory(
        title="Envoy says talks went well",
        body=EMOJI_BODY + tail,
        raw_text=EMOJI_BODY + tail,
        source_url="https://example.org/a",
        published_on=datetime.date(2021, 12, 7),
        authors=[],
        publisher="Example Wire",
    )
    formula = ArticleFactory(
        title="+Formula headline",
        body=FORMULA_BODY + tail,
        raw_text=FORMULA_BODY + tail,
        source_url="",
    )
    project.articles.add(emoji, formula)

    talks = _span(project, emoji, 16, 31, editor, 1, claimant="Example Ministry", note="Key claim")
    v_rita = _verdict(
        talks,
        rita,
        "Half True",
        2,
        rationale="The readout confirms talks, not that they went well.",
        sources=[("https://example.org/readout", "refutes", "Talks were held.")],
    )
    v_rob = _verdict(
        talks, rob, "Mostly False", 3, sources=[("https://example.org/other", "context", "")]
    )
    adjudication = Adjudication.objects.create(
        span=talks, editor=editor, label="Half True", rationale="Rita's reading holds."
    )
    adjudication.considered_verdicts.set([v_rita, v_rob])
    Adjudication.objects.filter(pk=adjudication.pk).update(decided_at=at(10), updated_at=at(10))
    first = Comment.objects.create(span=talks, author=rita, body="Which readout?")
    reply = Comment.objects.create(span=talks, author=editor, parent=first, body="The 8 Dec one.")
    Comment.objects.filter(pk=first.pk).update(created_at=at(4))
    Comment.objects.filter(pk=reply.pk).update(created_at=at(5))

    envoy = _span(project, emoji, 5, 10, editor, 6)
    _verdict(envoy, rita, "True", 7, sources=[("https://example.org/envoy", "supports", "")])
    _verdict(envoy, rob, "True", 8)

    sum_span = _span(project, formula, 0, 8, rita, 11)
    _verdict(sum_span, rita, "False", 12, rationale="-5 is not the total", sources=[])
    _verdict(sum_span, rob, "Pants on Fire", 13, status="draft")

    orphan = _span(project, formula, 9, 16, editor, 14, orphaned=True)
    _verdict(orphan, rita, "True", 15)
    return Known(project, editor, rita, rob, emoji, formula, talks, envoy, sum_span, orphan)


def export(project, fmt: str, **options) -> str:
    """The export as text, through dataset_export."""
    out = io.BytesIO()
    dataset_export(project=project, fmt=fmt, out=out, options=ExportOptions(**options))
    return out.getvalue().decode("utf-8")


def json_lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


@dataclass
class KnownClaims:
    talks: object  # "talks went well" (adjudicated) and "=SUM(A1)": a final verdict of its own
    envoy: object  # "Envoy": appears once, no verdict, nothing adjudicated


def add_known_claims(known: Known) -> KnownClaims:
    """Two claims in the known project: one with two appearances (the dated emoji article and the
    undated formula one), a final verdict and match decisions; one without a verdict."""
    from annotate.models import Appearance, Claim, MatchDecision
    from corpus.models import Article

    # The factory dates articles by a session-wide sequence: undated, the order is fixed.
    Article.objects.filter(pk=known.formula.pk).update(published_on=None, publisher="")
    talks = Claim.objects.create(
        project=known.project,
        text="The envoy's talks went well",
        claimant="Example Ministry",
        language="en",
        created_by=known.editor,
        verdict_label="Mostly False",
        verdict_rationale="Only the talks are on record.",
        verdict_origin="editor",
        verdict_set_by=known.editor,
        verdict_set_at=at(20),
    )
    envoy = Claim.objects.create(
        project=known.project, text="Envoy", language="en", created_by=known.rita
    )
    Claim.objects.filter(pk__in=[talks.pk, envoy.pk]).update(created_at=at(16), updated_at=at(16))
    Appearance.objects.create(
        span=known.talks, claim=talks, link_method="created", linked_by=known.editor,
        linked_at=at(16),
    )  # fmt: skip
    Appearance.objects.create(
        span=known.sum_span, claim=talks, link_method="confirmed", linked_by=known.rita,
        score=0.625, linked_at=at(17),
    )  # fmt: skip
    Appearance.objects.create(
        span=known.envoy, claim=envoy, link_method="auto", score=0.875, linked_at=at(18)
    )
    MatchDecision.objects.create(
        span=known.sum_span, claim=talks, span_text=known.sum_span.quote, claim_text=talks.text,
        scores={"score": 0.625, "words": 0.5}, decision="confirmed", decided_by=known.rita,
        created_at=at(17),
    )  # fmt: skip
    MatchDecision.objects.create(
        span=known.envoy, claim=talks, span_text=known.envoy.quote, claim_text=talks.text,
        scores={"score": 0.25}, decision="rejected", decided_by=known.rob, created_at=at(19),
    )  # fmt: skip
    return KnownClaims(talks=talks, envoy=envoy)
