"""The lexical matching stage: the pair score (the same on every database), the thresholds it
was measured for, and candidate retrieval on SQLite (FTS5) and PostgreSQL (full-text search on
each claim's stored tsvector)."""

import json
from pathlib import Path

import pytest
from django.db import connection

from annotate.claims.matching import (
    AUTOLINK_MIN_WORDS,
    claim_candidates,
    numbers,
    pair_score,
    word_count,
)
from annotate.claims.matching.text import negated
from annotate.models import Claim, Project
from tests.factories import ClaimFactory, ProjectFactory

PAIRS = Path(__file__).resolve().parents[2] / "fixtures" / "claims" / "pairs.jsonl"
TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."


def _pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100,000 troops", {"100000"}),
        ("100 000 troops", {"100000"}),
        ("1,000,000 people", {"1000000"}),
        ("3,5 per cent or 3.5", {"3.5"}),
        ("in 2021 100 people", {"2021", "100"}),
        ("no figures here", set()),
        ("نحو 100 ألف جندي", {"100000"}),
        ("4 آلاف جندي", {"4000"}),
        ("2,5 milliards de dollars", {"2500000000"}),
        ("2.500 millones de dólares", {"2500000000"}),
        ("2.5 billion dollars", {"2500000000"}),
        ("at 3:35 p.m. EST", {"15", "35"}),
        ("à 15 h 35", {"15", "35"}),
    ],
)
def test_numbers_are_normalised(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Putin asked for the call.", False),
        ("Putin did not ask for the call.", True),
        ("Putin denies planning an attack.", True),
        ("Moscou n'a déplacé aucun soldat.", True),
        ("Biden dijo que no enviaría tropas.", True),
        ("Biden werde keine Truppen schicken.", True),
        ("قال بايدن إنه لن يرسل قوات", True),
        ("قال بايدن إنه سيرسل قوات", False),
        ("Biden ruled out sending troops.", True),
        ("Le nord de l'Ukraine.", False),
    ],
)
def test_negation_is_read_in_the_evaluation_languages(text, expected):
    assert negated(text) is expected


def test_pair_score_is_one_for_the_same_text():
    scored = pair_score(TROOPS, TROOPS)
    assert scored.score == 1.0
    assert scored.shared_numbers == ["100000"]
    assert "troops" in scored.shared_words


def test_pair_score_ignores_case_and_accents():
    assert pair_score("Café diplomacy WORKED", "cafe diplomacy worked").score == 1.0


def test_disagreeing_numbers_lower_the_score_and_say_so():
    scored = pair_score(TROOPS.replace("100,000", "175,000"), TROOPS)
    assert scored.score < 0.5
    assert scored.numbers_only_in_text == ["175000"]
    assert scored.numbers_only_in_claim == ["100000"]


def test_a_negation_lowers_the_score():
    said = "Putin asked for the call with Biden."
    assert (
        pair_score("Putin did not ask for the call with Biden.", said).score
        < pair_score("Putin asked for the call with Biden today.", said).score
    )


def test_unrelated_texts_score_low():
    assert pair_score("The football club signed a striker.", TROOPS).score < 0.1


def test_default_thresholds_hold_on_the_hand_made_pairs():
    """The project defaults, measured on tests/fixtures/claims/pairs.jsonl (see its README):
    auto-linking is never wrong there, suggesting finds most same-claim pairs."""
    project = Project()
    suggest, autolink = project.match_suggest_threshold, project.match_autolink_threshold
    pairs = _pairs()
    assert len(pairs) >= 30
    scored = [(pair, pair_score(pair["text"], pair["claim"]).score) for pair in pairs]
    same = [pair for pair in pairs if pair["same"]]
    suggested = [pair for pair, score in scored if score >= suggest]
    linked = [
        pair
        for pair, score in scored
        if score >= autolink and word_count(pair["text"]) >= AUTOLINK_MIN_WORDS
    ]
    assert all(pair["same"] for pair in linked) and len(linked) >= 4
    assert sum(pair["same"] for pair in suggested) / len(same) >= 0.85
    assert sum(pair["same"] for pair in suggested) / len(suggested) >= 0.85
    assert not any(pair["kind"] == "different_numbers" for pair in suggested)


@pytest.mark.django_db
class TestCandidates:
    """Retrieval through the database in use; the same expectations on SQLite and PostgreSQL."""

    def test_the_same_claim_ranks_first(self):
        project = ProjectFactory()
        troops = ClaimFactory(project=project, text=TROOPS)
        ClaimFactory(project=project, text="The call was requested by Putin.")
        ClaimFactory(project=project, text="Troops are exercising far from any border.")
        found = claim_candidates(
            project=project,
            text="Moscow has amassed roughly 100,000 troops at the border, officials said.",
            language="en",
        )
        assert found[0].claim == troops
        assert found[0].score > 0.6
        assert found[0].why["shared_numbers"] == ["100000"]
        assert "troops" in found[0].why["shared_words"]
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)

    def test_a_paraphrase_sharing_some_words_is_found(self):
        project = ProjectFactory()
        call = ClaimFactory(
            project=project, text="The call was requested by Putin ahead of the January talks."
        )
        found = claim_candidates(
            project=project,
            text="Putin asked for the phone call with Biden ahead of the January talks.",
            language="en",
        )
        assert [c.claim for c in found] == [call]
        assert found[0].score >= project.match_suggest_threshold

    def test_only_claims_of_the_project(self):
        ClaimFactory(text=TROOPS)
        assert claim_candidates(project=ProjectFactory(), text=TROOPS, language="en") == []

    def test_the_index_follows_every_write(self):
        # Whatever the door (here a bare UPDATE and DELETE): triggers on SQLite, the expression
        # indexes on PostgreSQL.
        project = ProjectFactory()
        claim = ClaimFactory(project=project, text="Leaders agreed to keep talking.")
        Claim.objects.filter(pk=claim.pk).update(text=TROOPS)
        assert [c.claim for c in claim_candidates(project=project, text=TROOPS, language="en")]
        assert not claim_candidates(project=project, text="leaders agreed talking", language="en")
        Claim.objects.filter(pk=claim.pk).delete()
        assert not claim_candidates(project=project, text=TROOPS, language="en")

    def test_query_syntax_is_text(self):
        project = ProjectFactory()
        ClaimFactory(project=project, text='He said "NEAR" OR NOT (x) * ^ : - AND')
        found = claim_candidates(
            project=project, text='"NEAR" OR NOT (x) * ^ : - AND', language="en"
        )
        assert len(found) <= 1

    def test_limit_and_exclusion(self):
        project = ProjectFactory()
        claims = [ClaimFactory(project=project, text=f"{TROOPS} Day {n}.") for n in range(5)]
        assert len(claim_candidates(project=project, text=TROOPS, language="en", limit=3)) == 3
        left = claim_candidates(project=project, text=TROOPS, language="en", exclude={claims[0].pk})
        assert claims[0] not in [c.claim for c in left]

    def test_no_words_no_candidates(self):
        project = ProjectFactory()
        ClaimFactory(project=project, text=TROOPS)
        assert claim_candidates(project=project, text=" … the of ", language="en") == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_stems_in_the_claims_language_and_falls_back_to_one_lexeme():
    assert connection.vendor == "postgresql"
    project = ProjectFactory()
    stemmed = ClaimFactory(project=project, text="Officials are requesting guarantees.")
    # "guarantee" ~ "guarantees" by the english configuration's stemmer
    found = claim_candidates(
        project=project, text="An official requested a guarantee", language="en"
    )
    assert [c.claim for c in found] == [stemmed]
    # One lexeme in common, none shares two: any one is enough
    misspelt = ClaimFactory(project=project, text="Stoltenberg reaffirmed")
    found = claim_candidates(project=project, text="Stoltenbergs reafirmed", language="en")
    assert misspelt in [c.claim for c in found]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_pairs_the_lexemes_not_the_words():
    # "fueron" is a stop word of the spanish configuration: paired as a word, it vanished from
    # its pair and left "hospitales" alone in the query, which then matched every claim about
    # hospitals.
    project = ProjectFactory()
    built = ClaimFactory(
        project=project, language="es", text="Los hospitales fueron construidos en Madrid."
    )
    closed = ClaimFactory(project=project, language="es", text="Los hospitales cerraron.")
    found = claim_candidates(
        project=project,
        text="El senador asegura que los hospitales fueron construidos",
        language="es",
    )
    assert [c.claim for c in found] == [built]
    assert closed not in [c.claim for c in found]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_leaves_out_the_words_most_claims_share():
    # 300 claims say "officials reported"; once ANALYZE has counted them, those words are this
    # corpus's stop words and the three rarer words of the text choose the candidates.
    project = ProjectFactory()
    for n in range(300):
        ClaimFactory(project=project, text=f"Officials reported item {n} delivered.")
    target = ClaimFactory(project=project, text="Officials reported Lagarde raised rates sharply.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotate_claim")
    found = claim_candidates(
        project=project, text="Officials reported that Lagarde raised rates.", language="en"
    )
    assert found[0].claim == target
    assert len(found) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_has_the_search_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'annotate_claim'"
            " AND indexname IN ('claim_search_vector_idx', 'claim_text_trgm_idx')"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "claim_search_vector_idx",
            "claim_text_trgm_idx",
        ]


@pytest.mark.django_db
def test_sqlite_keeps_an_fts5_table_in_step():
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only")
    claim = ClaimFactory(text=TROOPS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM annotate_claim_fts WHERE annotate_claim_fts MATCH 'amassed'"
        )
        assert cursor.fetchall() == [(claim.pk,)]
