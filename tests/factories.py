import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotate.models import (
    Appearance,
    Claim,
    Job,
    Membership,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
    WebhookEndpoint,
)
from annotate.projects.scales import PRESETS
from annotate.review.anchoring import quote_context
from annotate.review.services.status import span_status_refresh
from annotate.webhooks.models import SUBSCRIBABLE
from corpus.models import Article
from corpus.search import search_config_for
from corpus.text import content_hash

# An emoji (two UTF-16 code units, one code point) before a passage that occurs twice.
EMOJI_BODY = "Officials said 👋 talks went well on day one.\n\nLater, talks went well again."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Summit talks, part {n}")
    authors = factory.LazyFunction(lambda: ["Ada Reporter"])
    publisher = "Wire Service"
    # Within 2021 however many articles a session makes: tests date their own articles from 2022.
    published_on = factory.Sequence(
        lambda n: datetime.date(2021, 1, 1) + datetime.timedelta(n % 365)
    )
    language = "en"
    body = factory.Sequence(
        lambda n: f"Leaders met on day {n}.\n\nThey agreed to “keep talking” — café diplomacy."
    )
    raw_text = factory.SelfAttribute("body")
    content_hash = factory.LazyAttribute(lambda article: content_hash(article.body))
    origin = factory.Sequence(lambda n: f"article-{n}.txt")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A PolitiFact-scale project; `editors=[...]`, `reviewers=[...]`, `viewers=[...]` add members
    and `articles=[...]` puts articles in it."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Fact-check desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")
    scale_preset = "politifact"
    scale = factory.LazyFunction(PRESETS["politifact"].as_scale)
    scale_is_ordinal = True
    reviews_per_claim = 2
    blind_review = True
    sources_required = True

    @factory.post_generation
    def editors(project, create, extracted, **kwargs):
        _add_members(project, create, extracted, Membership.Role.EDITOR)

    @factory.post_generation
    def reviewers(project, create, extracted, **kwargs):
        _add_members(project, create, extracted, Membership.Role.REVIEWER)

    @factory.post_generation
    def viewers(project, create, extracted, **kwargs):
        _add_members(project, create, extracted, Membership.Role.VIEWER)

    @factory.post_generation
    def articles(project, create, extracted, **kwargs):
        if create and extracted:
            project.articles.add(*extracted)


def _add_members(project, create, users, role):
    if create and users:
        Membership.objects.bulk_create(
            Membership(project=project, user=user, role=role) for user in users
        )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.REVIEWER


def _first_sentence_end(body: str) -> int:
    return body.index(".") + 1 if "." in body else len(body)


def _span_start(span) -> int:
    if span.text is None:
        return 0
    position = -1
    for _ in range(span.occurrence):
        position = span.article.body.index(span.text, position + 1)
    return position


def _span_end(span) -> int:
    if span.text is None:
        return _first_sentence_end(span.article.body)
    return span.start + len(span.text)


class SpanFactory(factory.django.DjangoModelFactory):
    """A valid span of its article's body: `text` (and `occurrence`) pick the passage, else the
    body's first sentence; the article is put in the project."""

    class Meta:
        model = Span
        skip_postgeneration_save = True

    class Params:
        text = None
        occurrence = 1

    project = factory.SubFactory(ProjectFactory)
    article = factory.SubFactory(ArticleFactory)
    created_by = factory.SubFactory(UserFactory)
    start = factory.LazyAttribute(_span_start)
    end = factory.LazyAttribute(_span_end)
    quote = factory.LazyAttribute(lambda span: span.article.body[span.start : span.end])
    prefix = factory.LazyAttribute(
        lambda span: quote_context(span.article.body, span.start, span.end)[0]
    )
    suffix = factory.LazyAttribute(
        lambda span: quote_context(span.article.body, span.start, span.end)[1]
    )

    @factory.post_generation
    def in_project(span, create, extracted, **kwargs):
        if create:
            span.project.articles.add(span.article)


class PredictionFactory(factory.django.DjangoModelFactory):
    """An open machine prediction of a passage, picked as SpanFactory picks one (`text`,
    `occurrence`); the article is put in the project."""

    class Meta:
        model = Prediction
        skip_postgeneration_save = True

    class Params:
        text = None
        occurrence = 1

    project = factory.SubFactory(ProjectFactory)
    article = factory.SubFactory(ArticleFactory)
    created_by = factory.SubFactory(UserFactory)
    start = factory.LazyAttribute(_span_start)
    end = factory.LazyAttribute(_span_end)
    quote = factory.LazyAttribute(lambda p: p.article.body[p.start : p.end])
    model_name = factory.Sequence(lambda n: f"claim-model-{n}")
    score = 0.87

    @factory.post_generation
    def in_project(prediction, create, extracted, **kwargs):
        if create:
            prediction.project.articles.add(prediction.article)


class VerdictFactory(factory.django.DjangoModelFactory):
    """A submitted verdict with the scale's first label; `draft=True` for an unlabelled draft."""

    class Meta:
        model = Verdict

    class Params:
        draft = factory.Trait(status=Verdict.Status.DRAFT, label="")

    span = factory.SubFactory(SpanFactory)
    reviewer = factory.SubFactory(UserFactory)
    label = factory.LazyAttribute(lambda verdict: verdict.span.project.labels[0])
    rationale = "Checked against the official record."
    status = Verdict.Status.SUBMITTED
    submitted_at = factory.LazyAttribute(
        lambda verdict: timezone.now() if verdict.status == Verdict.Status.SUBMITTED else None
    )
    version = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the verdict services do: the span's stored status follows its verdicts.
        verdict = super()._create(model_class, *args, **kwargs)
        span_status_refresh(project=verdict.span.project, span_ids=[verdict.span_id])
        return verdict


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    verdict = factory.SubFactory(VerdictFactory)
    position = factory.Sequence(lambda n: n)
    url = factory.Sequence(lambda n: f"https://example.org/evidence/{n}")
    title = factory.Sequence(lambda n: f"Official record {n}")
    excerpt = "The figure was published in the annual report."
    stance = Source.Stance.SUPPORTS


class JobFactory(factory.django.DjangoModelFactory):
    """A queued job of the tests' countdown kind (tests/annotate/jobs/kinds.py), created as a
    row only: nothing runs it unless a test does."""

    class Meta:
        model = Job

    kind = "test-countdown"
    project = factory.SubFactory(ProjectFactory)
    created_by = factory.SubFactory(UserFactory)
    params = factory.LazyFunction(lambda: {"steps": 3})


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim with no appearance (AppearanceFactory links spans to it)."""

    class Meta:
        model = Claim

    project = factory.SubFactory(ProjectFactory)
    text = factory.Sequence(lambda n: f"Leaders agreed on day {n} to keep talking.")
    language = "en"
    search_config = factory.LazyAttribute(lambda claim: search_config_for(claim.language))
    created_by = factory.SubFactory(UserFactory)


class AppearanceFactory(factory.django.DjangoModelFactory):
    """A span confirmed as an appearance of a claim of its project (one made if not given)."""

    class Meta:
        model = Appearance

    span = factory.SubFactory(SpanFactory)
    claim = factory.SubFactory(ClaimFactory, project=factory.SelfAttribute("..span.project"))
    link_method = Appearance.LinkMethod.CONFIRMED
    linked_by = factory.SelfAttribute("span.created_by")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An active endpoint of a project subscribed to every event (a row: no URL check)."""

    class Meta:
        model = WebhookEndpoint

    project = factory.SubFactory(ProjectFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.org/{n}")
    secret = factory.Sequence(lambda n: f"{n:064x}")
    events = factory.LazyFunction(lambda: list(SUBSCRIBABLE))
