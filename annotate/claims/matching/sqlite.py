"""SQLite's candidate pool: the FTS5 table annotate_claim_fts (migration 0009, kept in step by
triggers), any of the text's terms, ranked by bm25."""

from django.db import connection


def claim_pool(*, project_id: int, terms: list[str], size: int) -> dict[int, float]:
    """{claim id: -bm25 (higher is better)} of at most `size` claims of the project sharing a
    term with the text."""
    # Each term quoted: FTS5 reads it as a string, never as its query syntax.
    match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT claim.id, bm25(annotate_claim_fts) AS rank"
            " FROM annotate_claim_fts JOIN annotate_claim AS claim"
            " ON claim.id = annotate_claim_fts.rowid"
            " WHERE annotate_claim_fts MATCH %s AND claim.project_id = %s"
            " ORDER BY rank, claim.id LIMIT %s",
            [match, project_id, size],
        )
        return {pk: -rank for pk, rank in cursor.fetchall()}
