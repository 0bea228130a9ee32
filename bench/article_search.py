"""Article search over a large corpus: the articles page's query through the real selector.

    python bench/article_search.py [--articles 1000000] [--searches 240] [--rebuild]

Builds `--articles` articles in the PostgreSQL database h_search_bench on DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432/postgres): text drawn from per-language vocabularies
(English, Spanish, French, German, Portuguese; a Zipf law over common news words, then a long
tail of rare names), written with COPY, their search vectors computed by one UPDATE per language
with corpus.search's own expression, and the GIN index built after loading. A database already
holding that many articles is reused unless `--rebuild`. Then times `--searches` searches (a mix
of common and rare words, 2-3 words, phrases, accents left off) as the articles page runs them:
`article_search` over `article_catalogue(with_body=False)`, the pager's count and the first page
of 25. Prints p50/p95/p99 per kind and overall, and the index's size. Target: p95 < 100 ms.

`run(articles)` returns the figures as a dict, for other benchmarks (bench/claims.py); it runs
the work in a child process, which owns its Django setup.

Figures: see the README's search paragraph.
"""

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "h_search_bench"

COMMON = {
    "en": "government minister said election president police court people country year week "
    "report officials talks war health market prices energy border security vote party law "
    "city council budget climate trade company workers strike school hospital crisis economy "
    "inflation summit leaders agreement troops ceasefire refugees protest investigation",
    "es": "gobierno ministro dijo elecciones presidente policía tribunal gente país año semana "
    "informe funcionarios conversaciones guerra salud mercado precios energía frontera "
    "seguridad voto partido ley ciudad consejo presupuesto clima comercio empresa acción",
    "fr": "gouvernement ministre déclaré élections président police tribunal gens pays année "
    "semaine rapport responsables négociations guerre santé marché prix énergie frontière "
    "sécurité vote parti loi ville conseil budget climat commerce entreprise grève retraites",
    "de": "Regierung Minister sagte Wahlen Präsident Polizei Gericht Menschen Land Jahr Woche "
    "Bericht Beamte Gespräche Krieg Gesundheit Markt Preise Energie Grenze Sicherheit Partei",
    "pt": "governo ministro disse eleições presidente polícia tribunal pessoas país ano semana "
    "relatório funcionários negociações guerra saúde mercado preços energia fronteira",
}
FILLER = {
    "en": "the a of to in and on for with at by from that was were is has have it this",
    "es": "el la de que en y los las por con para una un del se su al lo",
    "fr": "le la les de des du et en un une pour par sur avec dans que qui au",
    "de": "der die das und in den von zu mit sich des auf für ist im dem nicht ein",
    "pt": "o a os as de do da em e que para com um uma por no na se",
}
LANGUAGES = [("en", 0.5), ("es", 0.2), ("fr", 0.15), ("de", 0.1), ("pt", 0.05)]
SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "za", "ni", "bel", "dor", "fa", "gu", "hen"]
SYLLABLES += ["ish", "jor", "kel", "mun", "nor", "pas", "quin"]
CITIES = ["Geneva", "Madrid", "Lyon", "Berlin", "Lisbon", "Boston", "Quito", "Dakar"]
PUBLISHERS = [f"{city} {kind}" for city in CITIES for kind in ("Times", "Post", "Daily", "Herald")]
BODY_SENTENCES = (3, 6)
VECTOR_RANGE = (
    20_000  # ids per UPDATE while building  # per paragraph, three paragraphs: ~100-230 words
)


def _rare_words(rng: random.Random, n: int) -> list[str]:
    """Made-up names and places: the long tail a real corpus has."""
    return [
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        for _ in range(n)
    ]


class Vocabulary:
    """Sentences of one language: fillers and common news words drawn by a Zipf law, a few rare
    names in each. Bodies are made of sentences picked from a pool (drawing every word of a
    million articles one by one would take most of an hour), then given rare names of their own.
    """

    def __init__(self, rng: random.Random, language: str, rare: list[str], pool: int) -> None:
        fillers, common = FILLER[language].split(), COMMON[language].split()
        weights = [1 / (rank + 1) for rank in range(len(common))]
        self.sentences = []
        for _ in range(pool):
            n = rng.randint(8, 18)
            words = [
                rng.choice(fillers) if rng.random() < 0.5 else rng.choices(common, weights)[0]
                for _ in range(n)
            ]
            for _ in range(rng.randint(0, 2)):
                words.insert(rng.randrange(n), rng.choice(rare))
            self.sentences.append(" ".join(words).capitalize() + ".")
        self.rare = rare

    def text(self, rng: random.Random, sentences: int) -> str:
        chosen = rng.choices(self.sentences, k=sentences)
        chosen[0] = f"{rng.choice(self.rare)} {rng.choice(self.rare)}: {chosen[0]}"
        return " ".join(chosen)


def build(url: str, articles: int, seed: int = 7) -> float:
    """Fill the bench database: COPY, vectors by UPDATE, then indexes. Seconds taken."""
    import psycopg

    from corpus.search import ARTICLE_VECTORS, STORED_CONFIG_NOTE_SQL, search_config_for

    started = time.perf_counter()
    rng = random.Random(seed)
    rare = _rare_words(rng, 50_000)
    vocabularies = {lang: Vocabulary(rng, lang, rare, 20_000) for lang, _ in LANGUAGES}
    codes, weights = zip(*LANGUAGES, strict=True)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute("TRUNCATE corpus_article CASCADE")
        for index in ("article_search_idx", "article_unindexed_idx", "article_publisher_idx",
                      "article_published_on_idx"):  # fmt: skip
            connection.execute(f"DROP INDEX IF EXISTS {index}")
        columns = "title, subtitle, authors, publisher, published_on, source_url, language, "
        columns += "body, raw_text, content_hash, origin, created_at, updated_at"
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY corpus_article ({columns}) FROM STDIN") as copy,
        ):
            for n in range(articles):
                lang = rng.choices(codes, weights=weights)[0]
                words = vocabularies[lang]
                body = "\n\n".join(words.text(rng, rng.randint(*BODY_SENTENCES)) for _ in range(3))
                day = 1 + n % 28
                copy.write_row([
                    words.text(rng, 1)[:120],
                    words.text(rng, 1)[:200],
                    "[]",
                    rng.choice(PUBLISHERS),
                    f"20{10 + n % 15}-{1 + n % 12:02d}-{day:02d}",
                    "",
                    lang,
                    body,
                    "",  # the raw text plays no part in search
                    hashlib.sha256(f"{n}:{body}".encode()).hexdigest(),
                    f"bench-{n}",
                    "2026-01-01T00:00:00Z",
                    "2026-01-01T00:00:00Z",
                ])  # fmt: skip
        loaded = time.perf_counter()
        print(f"loaded {articles:,} articles in {loaded - started:.0f} s", file=sys.stderr)

        # Vectors in id order, every language mixed, as search_index fills them (batches by
        # id): the new row versions then lie in import order. One UPDATE per language instead
        # laid the table out by language, and a scan for a Spanish word crossed every English
        # row first. Two connections, one per core, take alternate ranges of ids.
        config = (
            "CASE language "
            + " ".join(f"WHEN '{code}' THEN '{search_config_for(code)}'" for code in codes)
            + " END"
        )
        vector = ARTICLE_VECTORS.vector_sql % {"config": config}
        first, last = connection.execute("SELECT min(id), max(id) FROM corpus_article").fetchone()
        ranges = [(start, start + VECTOR_RANGE) for start in range(first, last + 1, VECTOR_RANGE)]

        def vectors_for(own_ranges: list[tuple[int, int]]) -> None:
            with psycopg.connect(url, autocommit=True) as own:
                for start, stop in own_ranges:
                    own.execute(
                        f"UPDATE corpus_article SET search_vector = {vector}"  # noqa: S608
                        " WHERE id >= %s AND id < %s",
                        [start, stop],
                    )

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(vectors_for, [ranges[0::2], ranges[1::2]]))
        for code in codes:  # as search_index notes the configurations it stores vectors in
            connection.execute(
                STORED_CONFIG_NOTE_SQL,
                [search_config_for(code)],
            )
        vectors = time.perf_counter()
        print(f"vectors in {vectors - loaded:.0f} s", file=sys.stderr)
        connection.execute("VACUUM corpus_article")
        connection.execute(
            "CREATE INDEX article_search_idx ON corpus_article USING gin (search_vector)"
            " WHERE search_vector IS NOT NULL"
        )
        connection.execute(
            "CREATE INDEX article_unindexed_idx ON corpus_article (id) WHERE search_vector IS NULL"
        )
        connection.execute("CREATE INDEX article_publisher_idx ON corpus_article (publisher)")
        connection.execute("CREATE INDEX article_published_on_idx ON corpus_article (published_on)")
        connection.execute("ANALYZE corpus_article")
        print(f"indexes in {time.perf_counter() - vectors:.0f} s", file=sys.stderr)
    return time.perf_counter() - started


def searches(n: int, seed: int = 11) -> list[tuple[str, str]]:
    """(kind, query): common words, rare words, 2-3 words, phrases, words without accents."""
    rng = random.Random(seed)
    rare = _rare_words(random.Random(7), 50_000)  # the very tail build() drew from
    common = [w for lang, _ in LANGUAGES for w in COMMON[lang].split()]
    plain = {"é": "e", "í": "i", "ó": "o", "á": "a", "ç": "c", "ä": "a", "ü": "u", "ã": "a"}
    accented = [w for w in common if any(ch in w for ch in plain)]
    kinds = []
    for i in range(n):
        kind = ("common", "rare", "two or three words", "phrase", "no accents")[i % 5]
        if kind == "common":
            query = rng.choice(common)
        elif kind == "rare":
            query = rng.choice(rare)
        elif kind == "two or three words":
            query = " ".join(rng.sample(common, rng.randint(2, 3)))
        elif kind == "phrase":
            lang = rng.choice(("en", "es", "fr"))
            query = '"' + " ".join(rng.sample(COMMON[lang].split()[:12], 2)) + '"'
        else:
            query = "".join(plain.get(ch, ch) for ch in rng.choice(accented))
        kinds.append((kind, query))
    return kinds


def measure(count: int) -> dict:
    """Time the searches through the real selector, as the articles page runs them."""
    from django.core.paginator import Paginator
    from django.db import connection

    from corpus.selectors import article_catalogue, article_search

    figures: dict[str, list[float]] = {}
    found = []
    for kind, query in searches(count):
        started = time.perf_counter()
        page = Paginator(
            article_search(articles=article_catalogue(with_body=False), text=query), 25
        ).get_page(1)
        rows = list(page.object_list)
        elapsed_ms = (time.perf_counter() - started) * 1000
        figures.setdefault(kind, []).append(elapsed_ms)
        found.append(page.paginator.count)
        if page.paginator.count and not rows:
            sys.exit(f"{query!r}: {page.paginator.count} matches but an empty first page")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('article_search_idx'), pg_total_relation_size("
            "'corpus_article'), count(*) FROM corpus_article"
        )
        index_bytes, table_bytes, articles = cursor.fetchone()
    every = [ms for values in figures.values() for ms in values]

    def percentiles(values: list[float]) -> dict:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}

    return {
        "articles": articles,
        "searches": len(every),
        "all": percentiles(every),
        "by_kind": {kind: percentiles(values) for kind, values in figures.items()},
        "median_matches": int(statistics.median(found)),
        "index_mb": round(index_bytes / 2**20, 1),
        "table_mb": round(table_bytes / 2**20, 1),
    }


def _bench_url(base: str) -> str:
    return urlsplit(base)._replace(path=f"/{DATABASE}").geturl()


def _child(articles: int, count: int, rebuild: bool) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.core.management import call_command

    from corpus.models import Article

    call_command("migrate", verbosity=0)
    build_s = None
    if rebuild or Article.objects.count() != articles:
        build_s = round(build(os.environ["DATABASE_URL"], articles), 1)
    if count == 0:
        print(json.dumps({"build_s": build_s}))
        return
    figures = measure(count)
    figures["build_s"] = build_s
    print(json.dumps(figures))


def run(articles: int = 1_000_000, count: int = 240, rebuild: bool = False) -> dict:
    """Build (or reuse) the bench database and time the searches; the figures."""
    from scratch import run_sql

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/article_search.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    admin = urlsplit(base)._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
    if not exists:
        run_sql(admin, f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "DATABASE_URL": _bench_url(base), "DEBUG": ""}
    env.setdefault("SECRET_KEY", "bench-only")
    args = [sys.executable, __file__, "--child", "--articles", str(articles)]
    args += ["--searches", str(count)] + (["--rebuild"] if rebuild else [])
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"article search bench failed:\n{done.stderr[-3000:]}")
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=240)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        _child(args.articles, args.searches, args.rebuild)
        return
    figures = run(args.articles, args.searches, args.rebuild)
    if figures["build_s"] is not None:
        print(f"built {args.articles:,} articles in {figures['build_s']} s")
    if not args.searches:
        return
    print(
        f"{figures['articles']:,} articles, {figures['searches']} searches (median "
        f"{figures['median_matches']:,} matches): p50 {figures['all']['p50']} ms, "
        f"p95 {figures['all']['p95']} ms, p99 {figures['all']['p99']} ms; GIN index "
        f"{figures['index_mb']} MB, table {figures['table_mb']} MB"
    )
    for kind, cuts in figures["by_kind"].items():
        print(f"  {kind:<20} p50 {cuts['p50']} / p95 {cuts['p95']} / p99 {cuts['p99']} ms")


if __name__ == "__main__":
    main()
