"""Property-based tests driven by the served OpenAPI schema, against a live server.

Every operation of `/api/v1/schema/` is called with generated valid and invalid input, as an editor
of a project with articles, spans, verdicts, sources, comments, an adjudication, predictions, a
webhook endpoint with a delivery and a done job, through a personal token; revisions and agreement
figures go through their jobs (202). Checks: no 5xx, and responses match the schema for the
documented status codes. Generation is seeded, so a run is repeatable; `SCHEMATHESIS_SEED=<n>`
explores other inputs.
"""

import os
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import token_create
from annotate.claims import services as claim_services
from annotate.models import Prediction
from annotate.quality import AgreementFilters
from annotate.quality.jobs import agreement_job_start
from annotate.review import services
from annotate.webhooks import services as webhook_services
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
    WebhookEndpointFactory,
)

# reset_sequences: the same ids every run, so a seeded run sends the same requests.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, reset_sequences=True)]

# Generated cases per operation in the fuzzing phase (the coverage phase adds its own, bounded,
# deterministic set): about 30 s for the whole schema on SQLite.
MAX_EXAMPLES = 10
# A fixed seed makes CI runs repeatable (same data ids, same requests); set SCHEMATHESIS_SEED to
# explore other inputs locally.
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "1"))

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# The schema documents success responses only (no 400/403/404 bodies), so the status code check
# makes sense only where no client error is possible.
STATUS_CHECKED = {"GET /api/v1/me/", "GET /api/v1/health/"}


@dataclass
class World:
    """The committed data the fuzzer works on, and the ids worth aiming at."""

    key: str
    editor_id: int
    editor_username: str
    # path template -> path parameters of real rows (the fuzzer's own guesses are mostly 404s)
    targets: dict[str, list[dict[str, int]]] = field(default_factory=dict)
    # spans the fuzzer may not delete, so later operations still have something to work on
    kept_span_ids: set[int] = field(default_factory=set)


@pytest.fixture
def world(transactional_db, settings) -> World:
    # Revisions and agreement figures of this small project go through their jobs (202) too.
    settings.REVISION_JOB_SPANS = 1
    settings.AGREEMENT_JOB_VERDICTS = 1
    editor, first, second, viewer = (UserFactory() for _ in range(4))
    articles = ArticleFactory.create_batch(3)
    project = ProjectFactory(
        editors=[editor], reviewers=[first, second], viewers=[viewer], articles=articles
    )
    kept, spare, own = [], [], []
    for article in articles:
        span = SpanFactory(project=project, article=article, created_by=first, text="Leaders met")
        kept.append(span)
        spare.append(
            SpanFactory(project=project, article=article, created_by=first, text="keep talking")
        )
        for reviewer in (first, second):
            SourceFactory(verdict=VerdictFactory(span=span, reviewer=reviewer))
        verdict = VerdictFactory(span=span, reviewer=editor, draft=article is articles[0])
        own += [
            (verdict, SourceFactory(verdict=verdict)),
            (verdict, SourceFactory(verdict=verdict)),
        ]
    services.comment_post(span=kept[0], author=first, body="Is the date right?")
    services.adjudicate(span=kept[1], editor=editor, label=project.labels[-1], rationale="Checked.")
    services.predictions_bulk_create(
        project=project,
        actor=editor,
        predictions=[
            services.PredictionInput(article_id=article.pk, model_name="claims-v1", quote="agreed")
            for article in articles
        ],
    )
    claims = [
        claim_services.claim_create(actor=first, span=span, text=f"Leaders met, {n}.")
        for n, span in enumerate(kept)
    ]
    endpoint = WebhookEndpointFactory(project=project)
    ping = webhook_services.webhook_test_send(endpoint=endpoint, actor=editor)
    # Run inline as it commits: a done job, whose figures GET .../agreement/ then serves.
    job = agreement_job_start(project=project, actor=editor, filters=AgreementFilters())
    # Someone else's project: its rows must answer 404, never 500.
    VerdictFactory(span=SpanFactory(), reviewer=UserFactory())

    span_ids = [{"id": span.pk} for span in kept + spare]
    return World(
        key=token_create(user=editor, name="schemathesis")[1],
        editor_id=editor.pk,
        editor_username=editor.username,
        kept_span_ids={span.pk for span in kept},
        targets={
            "/api/v1/articles/{id}/": [{"id": article.pk} for article in articles],
            "/api/v1/projects/{id}/": [{"id": project.pk}],
            "/api/v1/projects/{id}/members/{user_id}/": [
                {"id": project.pk, "user_id": user.pk} for user in (first, second, viewer)
            ],
            "/api/v1/spans/{id}/": span_ids,
            "DELETE /api/v1/spans/{id}/": [{"id": span.pk} for span in spare],
            "/api/v1/verdicts/{id}/": [{"id": verdict.pk} for verdict, _ in own],
            "/api/v1/verdicts/{id}/sources/{source_id}/": [
                {"id": verdict.pk, "source_id": source.pk} for verdict, source in own
            ],
            "/api/v1/claims/{id}/": [{"id": claim.pk} for claim in claims],
            "/api/v1/claims/{id}/appearances/{span_id}/": [
                {"id": claim.pk, "span_id": span.pk}
                for claim, span in zip(claims, kept, strict=True)
            ],
            "/api/v1/projects/{project_pk}/webhooks/": [{"project_pk": project.pk}],
            "/api/v1/projects/{project_pk}/webhooks/{id}/": [
                {"project_pk": project.pk, "id": endpoint.pk}
            ],
            "/api/v1/webhooks/{id}/": [{"id": endpoint.pk}],
            "/api/v1/webhooks/{id}/deliveries/{delivery_pk}/": [
                {"id": endpoint.pk, "delivery_pk": ping.pk}
            ],
            "/api/v1/jobs/{id}/": [{"id": job.pk}],
            "/api/v1/predictions/{id}/": [
                {"id": pk} for pk in Prediction.objects.values_list("pk", flat=True)
            ],
        },
    )


def targets_for(world: World, method: str, path: str) -> list[dict[str, int]]:
    """Real path parameters for an operation: by method and path, else by the longest prefix."""
    if f"{method} {path}" in world.targets:
        return world.targets[f"{method} {path}"]
    prefixes = [p for p in world.targets if p.startswith("/") and path.startswith(p[:-1])]
    return world.targets[max(prefixes, key=len)] if prefixes else []


@pytest.fixture
def api_schema(live_server, world):
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {world.key}"},
            # No example database: nothing written to disk, and no replay of old failures.
            "generation": {"database": "none"},
        }
    )
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/", config=config)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, aim a well-formed guess at a real row instead."""
        operation = context.operation
        targets = targets_for(world, operation.method.upper(), operation.path)
        # Parameters arrive serialized; only well-formed ids are swapped, invalid ones stay.
        if not targets or not all(str(v).isdigit() for v in (path_parameters or {}).values()):
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters),
            st.sampled_from(targets).map(
                lambda real: {**path_parameters, **{k: str(v) for k, v in real.items()}}
            ),
        )

    return schema


def locks_the_caller_out(case, world: World) -> bool:
    """Writes that would leave the rest of the run with 403s and 404s (all legitimate)."""
    method, path = case.method.upper(), case.operation.path
    params = {name: str(value) for name, value in (case.path_parameters or {}).items()}
    if method == "DELETE" and path == "/api/v1/spans/{id}/":
        return params.get("id") in {str(pk) for pk in world.kept_span_ids}
    if path == "/api/v1/projects/{id}/members/{user_id}/":
        return params.get("user_id") == str(world.editor_id)
    if method == "POST" and path == "/api/v1/projects/{id}/members/":
        return isinstance(case.body, dict) and case.body.get("username") == world.editor_username
    return False


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
# Each example is an HTTP round trip: no deadline, and no health check that times generation.
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_api_answers_within_its_schema(case, world):
    if locks_the_caller_out(case, world):
        return
    checks = CHECKS + ([status_code_conformance] if case.operation.label in STATUS_CHECKED else [])
    case.call_and_validate(checks=checks)
