"""Claim suggestions at scale (issue 15): one new span against 1,000,000 spans and 300,000 claims.

    python bench/claims.py [--spans 1000000] [--claims 300000] [--queries 240] [--encode 3000]
                           [--database NAME] [--keep] [--articles-searched 1000000]
                           [--skip-article-search]

PostgreSQL only (DATABASE_URL names the server). Builds a throwaway database (`--database`,
default `bench_claims_<pid>`, dropped at the end unless `--keep`; a kept one that already holds
the data is reused as it is) and fills one project with COPY:

- articles of 20 passages each, in five languages (en 45 %, fr 15 %, es 15 %, de 15 %, ar 10 %);
- claims: statements generated from per-language vocabularies (who, a figure, an adjective and
  a noun, what happened, where, when), the words drawn with Zipf-like weights so that common
  words are common; 5 % of the claims are near-duplicates of another claim (the same statement
  in another wording, or with another figure), as a project holds before an editor merges them;
- spans: every claim's founding passage (its own wording), 150,000 more appearances of the
  claims (popular claims more often, in one of three other wordings), and the rest passages
  that are no claim (new statements from the same vocabularies); appearances link 45 % of the
  spans;
- vectors for every claim. Encoding 300,000 texts would take minutes to hours depending on the
  machine's load, so the real encoder (embeddings.encoder()) encodes `--encode` distinct claim
  texts, timed (the throughput printed is that of the claim-embeddings job's batches), and
  every other claim gets a vector derived from those real ones: the real vector of claim
  i mod N, plus 0.3 times another real vector and Gaussian noise (sigma 0.02 per dimension),
  renormalised. The vectors so lie where the model's vectors lie (the same cone of the
  512-dimension sphere, the same spread of cosines), which random vectors would not. They are
  not their claims' meaning, though: with vectors, the counts of what was suggested only show
  that the stage runs (the evaluation set, `claim_match_report`, measures quality).

Then the queries: `--queries` new spans (a third rewordings of existing claims, a third those
with another figure, a third statements that are no claim), each answered by
`claims.services.span_claims_suggest` (what span_create runs after its commit: candidates,
fused scores, the automatic link), each in a transaction rolled back afterwards so that every
run starts from the same data. Lexical stage alone (CLAIM_EMBEDDINGS off), then with vectors: the
first call (answered by words while a thread reads every vector into the process: timed, with
the RSS it added and the bytes of the arrays), then every query warm. Prints p50/p95/p99,
queries and CPU (this process and its PostgreSQL backend) per call, the embedding throughput and
the vector store's memory against the targets (p95 < 100 ms lexical, < 150 ms with vectors),
then the store's search against exact float32, float16 and int8 search of the same vectors.
Finally
`bench/article_search.py`'s `run(articles)` if importable. Figures: README, "Claims across
articles", *Benchmarks*.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from api_load import SPAN_COLUMNS, copy_rows
from scratch import run_sql

ROOT = Path(__file__).resolve().parent.parent
SPANS_PER_ARTICLE = 20
EXTRA_APPEARANCES_SHARE = 0.15  # of the spans: repeated appearances of claims
NEAR_DUPLICATE_SHARE = 0.05  # of the claims
TARGET_LEXICAL_P95_MS = 100
TARGET_VECTOR_P95_MS = 150
COPY_CHUNK = 50_000


def _names(text: str) -> list[str]:
    return text.split()


# Shared across languages: names and places are written alike.
SURNAMES = _names(
    "Biden Putin Macron Scholz Sánchez Meloni Erdogan Modi Lula Kishida Zelensky Sunak Trudeau "
    "Albanese Ramaphosa Milei Petro Boric Orbán Tusk Duda Fiala Rutte Costa Frederiksen Støre "
    "Kristersson Orpo Nehammer Amherd Varadkar Mitsotakis Christodoulides Abela Frieden Plenković "
    "Golob Vučić Rama Kurti Dačić Sandu Grossi Guterres Lagarde Powell Georgieva Banga Okonjo "
    "Tedros Borrell Leyen Michel Metsola Stoltenberg Blinken Lavrov Wang Jaishankar Baerbock "
    "Séjourné Albares Tajani Fidan Shoigu Austin Gerasimov Milley Sullivan Kuleba Yermak Peskov "
    "Zakharova Nebenzia Thomas Harris Pelosi McCarthy Schumer Johnson Cruz Sanders Warren Haley "
    "DeSantis Newsom Abbott Hochul Adams Khan Hidalgo Colau Ayuso Díaz Feijóo Abascal Puigdemont "
    "Mélenchon Bardella Attal Borne Darmanin Habeck Lindner Merz Weidel Wagenknecht Söder Laschet"
)
PLACES = _names(
    "Geneva Moscow Kyiv Washington Paris Berlin Madrid Rome Ankara Beijing Delhi Tokyo Brasília "
    "Ottawa Canberra Pretoria Lagos Nairobi Cairo Riyadh Tehran Baghdad Damascus Beirut Amman "
    "Jerusalem Gaza Doha Dubai Istanbul Warsaw Prague Vienna Budapest Bucharest Sofia Athens "
    "Lisbon Dublin London Brussels Amsterdam Copenhagen Oslo Stockholm Helsinki Tallinn Riga "
    "Vilnius Minsk Tbilisi Yerevan Baku Kharkiv Odesa Mariupol Donetsk Luhansk Crimea Sevastopol "
    "Kherson Zaporizhzhia Bakhmut Avdiivka Belgorod Kursk Kaliningrad Murmansk Vladivostok Seoul"
)


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    titles: list[str]
    adjectives: list[str]
    nouns: list[str]
    verbs: list[str]
    times: list[str]
    # Four wordings of one statement: {who} {n} {what} {did} {where} {when}.
    wordings: list[str]
    decimal: str


def _words(text: str) -> list[str]:
    return [word.strip() for word in text.split("|")]


LANGUAGES = [
    Language(
        "en",
        _words(
            "President|Minister|Senator|Governor|General|Spokesperson|Ambassador|Mayor|Chancellor"
        ),
        _words(
            "new|foreign|military|civilian|public|private|local|federal|regional|national|"
            "armed|displaced|unemployed|elderly|young|registered|illegal|temporary|"
            "wounded|missing|trained|retired|vaccinated|detained|evacuated|armoured"
        ),
        _words(
            "troops|soldiers|refugees|workers|jobs|homes|schools|hospitals|tanks|drones|missiles|"
            "voters|ballots|vaccines|doctors|nurses|teachers|students|farms|factories|bridges|"
            "barrels of oil|tonnes of grain|megawatts|dollars in aid|euros in loans|"
            "police officers|"
            "migrants|prisoners|journalists|companies|banks|contracts|flights|ships|trucks"
        ),
        _words(
            "were deployed|were destroyed|were built|were lost|were sent|were created|"
            "were closed|were opened|were seized|were delivered|were cut|were added|"
            "were evacuated|were registered|were approved|arrived|left|disappeared"
        ),
        _words(
            "last week|last month|last year|in 2021|in 2022|in 2023|since January|since the summit|"
            "this spring|over the summer|in the past decade|before the election|after the talks"
        ),
        [
            "{who} said {n} {what} {did} in {where} {when}.",
            "According to {who}, {n} {what} {did} in {where} {when}.",
            "{who} claimed that {n} {what} {did} in {where}.",
            "In {where}, {n} {what} {did} {when}, {who} told reporters.",
        ],
        ".",
    ),
    Language(
        "fr",
        _words("le président|la ministre|le sénateur|le général|le porte-parole|l'ambassadeur"),
        _words(
            "nouveaux|étrangers|militaires|civils|publics|privés|locaux|régionaux|nationaux|"
            "armés|déplacés|blessés|disparus|retraités|vaccinés|détenus|évacués|jeunes"
        ),
        _words(
            "soldats|réfugiés|emplois|logements|écoles|hôpitaux|chars|drones|missiles|électeurs|"
            "vaccins|médecins|enseignants|étudiants|usines|ponts|barils de pétrole|"
            "tonnes de blé|policiers|migrants|prisonniers|journalistes|entreprises|vols"
        ),
        _words(
            "ont été déployés|ont été détruits|ont été construits|ont été perdus|"
            "ont été envoyés|ont été créés|ont été fermés|ont été livrés|ont été supprimés|"
            "sont arrivés|sont partis|ont disparu"
        ),
        _words(
            "la semaine dernière|le mois dernier|l'an dernier|en 2021|en 2022|en 2023|"
            "depuis janvier|depuis le sommet|cet été|avant l'élection|après les négociations"
        ),
        [
            "Selon {who}, {n} {what} {did} à {where} {when}.",
            "{who} a affirmé que {n} {what} {did} à {where} {when}.",
            "{who} assure que {n} {what} {did} à {where}.",
            "À {where}, {n} {what} {did} {when}, a déclaré {who}.",
        ],
        ",",
    ),
    Language(
        "es",
        _words("el presidente|la ministra|el senador|el general|la portavoz|el embajador"),
        _words(
            "nuevos|extranjeros|militares|civiles|públicos|privados|locales|regionales|"
            "nacionales|armados|desplazados|heridos|desaparecidos|jubilados|vacunados|detenidos"
        ),
        _words(
            "soldados|refugiados|empleos|viviendas|escuelas|hospitales|tanques|drones|misiles|"
            "votantes|vacunas|médicos|maestros|estudiantes|fábricas|puentes|barriles de petróleo|"
            "toneladas de trigo|policías|migrantes|presos|periodistas|empresas|vuelos"
        ),
        _words(
            "fueron desplegados|fueron destruidos|fueron construidos|se perdieron|"
            "fueron enviados|se crearon|fueron cerrados|fueron entregados|se recortaron|"
            "llegaron|se marcharon|desaparecieron"
        ),
        _words(
            "la semana pasada|el mes pasado|el año pasado|en 2021|en 2022|en 2023|desde enero|"
            "desde la cumbre|este verano|antes de las elecciones|tras las negociaciones"
        ),
        [
            "Según {who}, {n} {what} {did} en {where} {when}.",
            "{who} afirmó que {n} {what} {did} en {where} {when}.",
            "{who} asegura que {n} {what} {did} en {where}.",
            "En {where}, {n} {what} {did} {when}, dijo {who}.",
        ],
        ",",
    ),
    Language(
        "de",
        _words("Präsident|Ministerin|Senator|General|Sprecherin|Botschafter|Kanzler"),
        _words(
            "neue|ausländische|militärische|zivile|öffentliche|private|lokale|regionale|"
            "nationale|bewaffnete|vertriebene|verletzte|vermisste|geimpfte|festgenommene|junge"
        ),
        _words(
            "Soldaten|Flüchtlinge|Arbeitsplätze|Wohnungen|Schulen|Krankenhäuser|Panzer|Drohnen|"
            "Raketen|Wähler|Impfdosen|Ärzte|Lehrer|Studenten|Fabriken|Brücken|Barrel Öl|"
            "Tonnen Weizen|Polizisten|Migranten|Gefangene|Journalisten|Unternehmen|Flüge"
        ),
        _words(
            "wurden stationiert|wurden zerstört|wurden gebaut|gingen verloren|wurden geschickt|"
            "wurden geschaffen|wurden geschlossen|wurden geliefert|wurden gestrichen|"
            "kamen an|verschwanden"
        ),
        _words(
            "letzte Woche|letzten Monat|letztes Jahr|2021|2022|2023|seit Januar|seit dem Gipfel|"
            "diesen Sommer|vor der Wahl|nach den Verhandlungen"
        ),
        [
            "Laut {who} {did} {when} in {where} {n} {what}.",
            "{who} sagte, {when} {did} in {where} {n} {what}.",
            "{who} behauptet, in {where} {did} {n} {what}.",
            "In {where} {did} {when} {n} {what}, sagte {who}.",
        ],
        ",",
    ),
    Language(
        "ar",
        _words("الرئيس|الوزير|السيناتور|الجنرال|المتحدث باسم الحكومة|السفير"),
        _words("جديد|أجنبي|عسكري|مدني|عام|خاص|محلي|إقليمي|وطني|مسلح|نازح|جريح|مفقود"),
        _words(
            "جندي|لاجئ|وظيفة|منزل|مدرسة|مستشفى|دبابة|طائرة مسيرة|صاروخ|ناخب|لقاح|طبيب|معلم|"
            "طالب|مصنع|جسر|برميل نفط|طن قمح|شرطي|مهاجر|سجين|صحفي|شركة|رحلة"
        ),
        _words("تم نشر|تم تدمير|تم بناء|فقد|تم إرسال|تم إنشاء|تم إغلاق|تم تسليم|وصل|اختفى"),
        _words(
            "الأسبوع الماضي|الشهر الماضي|العام الماضي|في 2021|في 2022|في 2023|منذ يناير|"
            "منذ القمة|هذا الصيف|قبل الانتخابات|بعد المفاوضات"
        ),
        [
            "قال {who} إنه {did} {n} {what} في {where} {when}.",
            "وفقا لـ{who}، {did} {n} {what} في {where} {when}.",
            "أكد {who} أنه {did} {n} {what} في {where}.",
            "في {where}، {did} {n} {what} {when}، بحسب {who}.",
        ],
        ",",
    ),
]
LANGUAGE_SHARES = [0.45, 0.15, 0.15, 0.15, 0.10]


def zipf(rng: np.random.Generator, n: int, size: int, exponent: float = 0.9) -> np.ndarray:
    """`size` indices below n, index i drawn with weight 1 / (i + 1) ** exponent."""
    weights = 1 / np.arange(1, n + 1) ** exponent
    return rng.choice(n, size=size, p=weights / weights.sum())


class Statements:
    """Statements as rows of slot indices (language, title, surname, adjective, noun, verb,
    place, time, figure), drawn in bulk with numpy, and their wordings."""

    SLOTS = 9

    def __init__(self, rng: np.random.Generator, count: int):
        languages = rng.choice(len(LANGUAGES), size=count, p=LANGUAGE_SHARES)
        columns = [languages]
        for sizes in (
            [len(lang.titles) for lang in LANGUAGES],
            [len(SURNAMES)] * len(LANGUAGES),
            [len(lang.adjectives) for lang in LANGUAGES],
            [len(lang.nouns) for lang in LANGUAGES],
            [len(lang.verbs) for lang in LANGUAGES],
            [len(PLACES)] * len(LANGUAGES),
            [len(lang.times) for lang in LANGUAGES],
        ):
            # Drawn for the largest vocabulary, then folded into each language's own.
            drawn = zipf(rng, max(sizes), count)
            columns.append(drawn % np.asarray(sizes)[languages])
        columns.append(self.figures(rng, count))
        self.rows = np.stack(columns, axis=1)

    @staticmethod
    def figures(rng: np.random.Generator, count: int) -> np.ndarray:
        """Figures as people state them: mostly round, some precise, a few with decimals
        (stored as tenths)."""
        mantissa = rng.integers(1, 100, size=count)
        scale = 10 ** rng.integers(0, 5, size=count)
        return mantissa * scale * 10

    def text(self, row: np.ndarray, wording: int = 0) -> tuple[str, str]:
        """(language code, the statement in that wording)."""
        lang = LANGUAGES[row[0]]
        who = f"{lang.titles[row[1]]} {SURNAMES[row[2]]}"
        tenths = int(row[8])
        if tenths % 10:
            figure = f"{tenths // 10}{lang.decimal}{tenths % 10}"
        else:
            figure = f"{tenths // 10:,}".replace(",", "\u00a0" if lang.decimal == "," else ",")
        what = f"{lang.adjectives[row[3]]} {lang.nouns[row[4]]}"
        text = lang.wordings[wording].format(
            who=who,
            n=figure,
            what=what,
            did=lang.verbs[row[5]],
            where=PLACES[row[6]],
            when=lang.times[row[7]],
        )
        return lang.code, text[0].upper() + text[1:]


def quote_spans(
    statements: Statements, rows: np.ndarray, wordings: np.ndarray
) -> list[tuple[str, str]]:
    return [statements.text(row, int(w)) for row, w in zip(rows, wordings, strict=True)]


# ---------------------------------------------------------------------------------------------
# Building the database


@dataclass
class Built:
    project_id: int
    query_span_ids: list[int]
    # "rewording of claim 12", "other figure of claim 7", "no claim"
    query_notes: list[str]
    encoded: int
    encode_s: float
    model: str | None


def build(args: argparse.Namespace) -> Built:
    """The project, its articles, claims, spans, appearances and vectors, by COPY."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from annotate.claims import embeddings
    from annotate.claims.matching import search_config_for
    from annotate.claims.models import Appearance, Claim, ClaimVector, ClaimVectorStamp
    from annotate.models import Span
    from annotate.projects.models import Project
    from annotate.projects.services import project_create
    from corpus.models import Article
    from corpus.services import articles_insert
    from corpus.text import content_hash

    rng = np.random.default_rng(args.seed)
    now = timezone.now()
    steps: dict[str, float] = {}

    @contextmanager
    def step(name: str):
        started = time.perf_counter()
        yield
        steps[name] = time.perf_counter() - started
        print(f"  {name}: {steps[name]:.1f} s", flush=True)

    with step("statements generated"):
        claim_count, span_count = args.claims, args.spans
        extra = int(span_count * EXTRA_APPEARANCES_SHARE)
        plain = span_count - claim_count - extra
        if plain < 0:
            raise SystemExit("--spans must exceed --claims by the repeated appearances")
        claims = Statements(rng, claim_count)
        # Near-duplicates: a claim restated (another wording, or another figure).
        duplicates = rng.choice(claim_count, size=int(claim_count * NEAR_DUPLICATE_SHARE))
        originals = rng.integers(0, claim_count, size=len(duplicates))
        claims.rows[duplicates] = claims.rows[originals]
        refigured = duplicates[: len(duplicates) // 2]
        claims.rows[refigured, 8] = Statements.figures(rng, len(refigured))
        claim_wording = np.zeros(claim_count, dtype=np.int64)
        claim_wording[duplicates[len(duplicates) // 2 :]] = 1
        claim_texts = quote_spans(claims, claims.rows, claim_wording)
        # Passages: founding ones, repeated appearances of popular claims, other statements.
        repeated = zipf(rng, claim_count, extra, exponent=0.6)
        others = Statements(rng, plain)
        passages = [*claim_texts]
        passages += quote_spans(claims, claims.rows[repeated], rng.integers(1, 4, size=extra))
        passages += quote_spans(others, others.rows, rng.integers(0, 4, size=plain))
        linked_claim = np.concatenate([np.arange(claim_count), repeated, -np.ones(plain, int)])
        # New spans to suggest for: rewordings of claims, with other figures, no claim.
        picked = rng.integers(0, claim_count, size=args.queries)
        query_rows = claims.rows[picked].copy()
        kinds = np.arange(args.queries) % 3
        query_rows[kinds == 1, 8] = Statements.figures(rng, int((kinds == 1).sum()))
        fresh = Statements(rng, args.queries)
        query_rows[kinds == 2] = fresh.rows[kinds == 2]
        queries = quote_spans(claims, query_rows, rng.integers(1, 4, size=args.queries))
        query_kinds = [("rewording", "other figure", "no claim")[k] for k in kinds]
        # Each query span's note says what it is, so that a kept database can be measured again.
        notes = {
            len(passages) + q: f"{kind} of claim {picked[q] + 1}" if kind != "no claim" else kind
            for q, kind in enumerate(query_kinds)
        }

    with step("users, project"), transaction.atomic():
        User = get_user_model()
        editor = User.objects.create(
            username="bench-editor", is_staff=True, password=UNUSABLE_PASSWORD_PREFIX
        )
        project = project_create(actor=editor, name="Claims benchmark", slug="claims-benchmark")

    # Spans grouped by language into articles of SPANS_PER_ARTICLE passages; the queries last,
    # in articles of their own.
    everything = passages + queries
    groups: dict[tuple[bool, str], list[int]] = {}
    for i, (code, _) in enumerate(everything):
        groups.setdefault((i >= len(passages), code), []).append(i)
    chunks = [
        indices[first : first + SPANS_PER_ARTICLE]
        for indices in groups.values()
        for first in range(0, len(indices), SPANS_PER_ARTICLE)
    ]
    with step("articles (COPY)"), transaction.atomic():
        article_ids: list[int] = []
        articles: list[Article] = []
        placed: list[list[tuple[int, int, int]]] = []  # (index in everything, start, end)
        for chunk in chunks:
            language = everything[chunk[0]][0]
            body, offsets = "", []
            for i in chunk:
                start = len(body)
                body += everything[i][1]
                offsets.append((i, start, len(body)))
                body += " "
            body = body.rstrip()
            articles.append(
                Article(
                    title=f"Bench article {len(placed)}",
                    publisher=f"Outlet {len(placed) % 17}",
                    language=language,
                    body=body,
                    raw_text=body,
                    content_hash=content_hash(body),
                    origin=f"bench/claims/{len(placed)}",
                )
            )
            placed.append(offsets)
            if len(articles) == 5_000:
                articles_insert(articles)
                article_ids += [a.pk for a in articles]
                articles = []
        articles_insert(articles)
        article_ids += [a.pk for a in articles]
        copy_rows(
            Project.articles.through,
            ["project", "article"],
            ((project.pk, article_id) for article_id in article_ids),
        )

    with step("claims, spans, appearances (COPY)"), transaction.atomic():
        claim_ids = np.arange(1, claim_count + 1)
        copy_rows(
            Claim,
            [
                "id",
                "project",
                "text",
                "claimant",
                "language",
                "search_config",
                "verdict_label",
                "verdict_rationale",
                "verdict_origin",
                "fresh_reviews",
                "created_by",
                "created_at",
                "updated_at",
            ],
            (
                (
                    int(claim_ids[i]),
                    project.pk,
                    text,
                    "",
                    code,
                    search_config_for(code),
                    "",
                    "",
                    "",
                    False,
                    editor.pk,
                    now,
                    now,
                )
                for i, (code, text) in enumerate(claim_texts)
            ),
        )
        status = Span._meta.get_field("review_status").get_default()
        span_of: dict[int, int] = {}

        def spans():
            span_id = 0
            for article_id, offsets in zip(article_ids, placed, strict=True):
                for index, start, end in offsets:
                    span_id += 1
                    span_of[index] = span_id
                    yield (
                        span_id,
                        article_id,
                        project.pk,
                        start,
                        end,
                        everything[index][1],
                        "",
                        "",
                        "",
                        notes.get(index, ""),
                        False,
                        0,
                        editor.pk,
                        now,
                        True,
                        status,
                    )

        copy_rows(
            Span,
            [*SPAN_COLUMNS, "review_status"],
            spans(),
        )
        appearances = (
            (
                n,
                span_of[index],
                int(claim_ids[linked_claim[index]]),
                "created" if index < claim_count else "confirmed",
                editor.pk,
                now,
            )
            for n, index in enumerate((i for i in range(len(passages)) if linked_claim[i] >= 0), 1)
        )
        linked = copy_rows(
            Appearance,
            ["id", "span", "claim", "link_method", "linked_by", "linked_at"],
            appearances,
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Claim, Span, Appearance]
            ):
                cursor.execute(statement)
    print(f"    {len(span_of):,} spans, {claim_count:,} claims, {linked:,} appearances")

    encoder = embeddings.encoder()
    encoded, encode_s = 0, 0.0
    if encoder is not None:
        with step("vectors: real encodings, derived ones (COPY)"), transaction.atomic():
            sample = min(args.encode, claim_count)
            encoder.encode(["warm up"])
            started = time.perf_counter()
            real = encoder.encode([text for _, text in claim_texts[:sample]])
            encode_s = time.perf_counter() - started
            encoded = sample
            print(f"    encoded {sample:,} claims in {encode_s:.1f} s", flush=True)
            ClaimVectorStamp.objects.update_or_create(project=project, defaults={"version": 1})

            def vectors():
                for first in range(0, claim_count, COPY_CHUNK):
                    ids = np.arange(first, min(first + COPY_CHUNK, claim_count))
                    derived = real[ids % sample] + 0.3 * real[rng.integers(0, sample, len(ids))]
                    derived += rng.normal(0, 0.02, derived.shape).astype(np.float32)
                    derived[ids < sample] = real[ids[ids < sample]]
                    derived /= np.linalg.norm(derived, axis=1, keepdims=True)
                    for i, vector in zip(ids, derived, strict=True):
                        digest = hashlib.sha256(claim_texts[i][1].encode()).hexdigest()
                        yield (
                            int(claim_ids[i]),
                            project.pk,
                            encoder.name,
                            encoder.dimension,
                            digest,
                            embeddings.to_bytes(vector),
                            now,
                            1,
                        )

            copy_rows(
                ClaimVector,
                [
                    "claim",
                    "project",
                    "model",
                    "dimension",
                    "text_sha256",
                    "vector",
                    "computed_at",
                    "version",
                ],
                vectors(),
            )
    with step("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    query_span_ids = [span_of[len(passages) + q] for q in range(args.queries)]
    return Built(
        project_id=project.pk,
        query_span_ids=query_span_ids,
        query_notes=[notes[len(passages) + q] for q in range(args.queries)],
        encoded=encoded,
        encode_s=encode_s,
        model=encoder.name if encoder is not None else None,
    )


def built_already(args: argparse.Namespace) -> Built | None:
    """A kept database's project, if it was built (the query spans are the last ones)."""
    from annotate.claims.models import ClaimVector
    from annotate.models import Span
    from annotate.projects.models import Project

    project = Project.objects.filter(slug="claims-benchmark").first()
    if project is None:
        return None
    queries = list(
        Span.objects.filter(project=project)
        .order_by("-pk")
        .values_list("pk", "note")[: args.queries]
    )[::-1]
    model = ClaimVector.objects.filter(project=project).values_list("model", flat=True).first()
    return Built(project.pk, [pk for pk, _ in queries], [note for _, note in queries], 0, 0, model)


# ---------------------------------------------------------------------------------------------
# Measuring


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def store_bytes(store) -> int:
    """The bytes of every numpy array the vector store holds."""
    return sum(value.nbytes for value in vars_of(store) if isinstance(value, np.ndarray))


def vars_of(store) -> list:
    return [getattr(store, name) for name in getattr(store, "__slots__", ())] or list(
        vars(store).values()
    )


def percentiles(timings_ms: list[float]) -> dict[str, float]:
    ordered = sorted(timings_ms)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


def suggest_timed(span_ids: list[int]) -> tuple[list[float], list[int], list[list[int]]]:
    """span_claims_suggest for each span, rolled back; (ms, queries, claims suggested) per
    call."""
    from django.db import connection, transaction

    from annotate.claims.services import span_claims_suggest
    from annotate.models import Span

    timings, queries, found = [], [], []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu_started, db_started = time.process_time(), cpu_seconds(backend)
    for span_id in span_ids:
        span = Span.objects.get(pk=span_id)
        counted = []

        def count(execute, sql, params, many, context, counted=counted):
            counted.append(sql)
            return execute(sql, params, many, context)

        with transaction.atomic(), connection.execute_wrapper(count):
            started = time.perf_counter()
            candidates = span_claims_suggest(span=span)
            timings.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
        queries.append(len(counted))
        found.append([candidate.claim.pk for candidate in candidates])
    # CPU a call, this process and its PostgreSQL backend: what the work costs, whatever else
    # the shared machine runs (wall time waits for a core as well).
    CPU_MS[:] = [
        (time.process_time() - cpu_started) * 1000 / len(span_ids),
        (cpu_seconds(backend) - db_started) * 1000 / len(span_ids),
    ]
    return timings, queries, found


CPU_MS = [0.0, 0.0]  # the last suggest_timed's mean CPU a call: (app, PostgreSQL)


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process on this machine (PostgreSQL runs here in the bench)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(title: str, timings: list[float], queries: list[int], target: float) -> dict:
    figures = percentiles(timings)
    verdict = "met" if figures["p95"] < target else "MISSED"
    print(
        f"  {title}: p50 {figures['p50']} ms, p95 {figures['p95']} ms, p99 {figures['p99']} ms"
        f" (max {figures['max']}), {min(queries)}-{max(queries)} queries a call;"
        f" target p95 < {target} ms: {verdict}; CPU a call: {CPU_MS[0]:.0f} ms here,"
        f" {CPU_MS[1]:.0f} ms in PostgreSQL; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return figures | {"cpu_app_ms": round(CPU_MS[0]), "cpu_db_ms": round(CPU_MS[1])}


def quality(notes: list[str], found: list[list[int]]) -> None:
    """How many rewordings had their claim suggested (first), how many spans with another
    figure or no claim got a suggestion at all."""
    counts: dict[str, list[int]] = {}
    for note, suggested in zip(notes, found, strict=True):
        kind, _, claim = note.partition(" of claim ")
        hit = bool(suggested) and (kind != "rewording" or int(claim) in suggested)
        first = bool(suggested) and claim.isdigit() and suggested[0] == int(claim)
        counts.setdefault(kind, [0, 0, 0])
        counts[kind][0] += 1
        counts[kind][1] += hit
        counts[kind][2] += first
    print(
        f"    suggestions: {statistics.mean(len(s) for s in found):.2f} a span;",
        "; ".join(
            f"{kind}: {hit} of {total} {'found their claim' if kind == 'rewording' else 'got one'}"
            + (f" ({first} first)" if kind == "rewording" else "")
            for kind, (total, hit, first) in sorted(counts.items())
        ),
    )


def measure(args: argparse.Namespace, built: Built) -> dict:
    from django.conf import settings
    from django.test.utils import override_settings

    from annotate.claims import embeddings
    from annotate.claims.matching import vectors as vector_store
    from annotate.models import Span

    results: dict = {}
    spans = built.query_span_ids
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    with override_settings(CLAIM_EMBEDDINGS=False):
        suggest_timed(spans[:5])  # connections, caches, plans
        timings, queries, found = suggest_timed(spans)
    results["lexical"] = report("lexical stage alone", timings, queries, TARGET_LEXICAL_P95_MS)
    quality(built.query_notes, found)
    if not settings.CLAIM_EMBEDDINGS or embeddings.encoder() is None:
        print("  no encoder: the vector stage was not measured")
        return results
    vector_store.vectors_forget()
    before = rss_bytes()
    started = time.perf_counter()
    first_ms, first_queries, _ = suggest_timed(spans[:1])
    vector_store.vectors_wait()  # a large project's vectors are read in a thread
    first_s = time.perf_counter() - started
    added = rss_bytes() - before
    store = vector_store.project_vectors(
        project_id=built.project_id, model=built.model, dimension=embeddings.DIMENSION
    )
    array_bytes = store_bytes(store)
    print(
        f"  first call with vectors: {first_ms[0]:.0f} ms, {first_queries[0]} queries (lexical"
        f" while a thread reads every vector: {first_s:.1f} s); RSS +{added / 2**20:.0f} MB;"
        f" the store's arrays {array_bytes / 2**20:.0f} MB for {len(store.claim_ids):,} vectors"
    )
    results["vector_store"] = {
        "first_call_ms": round(first_ms[0]),
        "first_read_s": round(first_s, 1),
        "rss_added_mb": round(added / 2**20),
        "array_mb": round(array_bytes / 2**20),
    }
    timings, queries, found = suggest_timed(spans)
    results["fused"] = report("with vectors", timings, queries, TARGET_VECTOR_P95_MS)
    quality(built.query_notes, found)
    # The search alone, for the README's table.
    encoder = embeddings.encoder()
    probes = encoder.encode([Span.objects.get(pk=pk).quote for pk in spans[: min(len(spans), 100)]])
    searched = []
    for probe in probes:
        started = time.perf_counter()
        store.nearest(probe, 50)
        searched.append((time.perf_counter() - started) * 1000)
    results["search_only"] = percentiles(searched)
    print(
        f"    the nearest-vector search alone: p50 {results['search_only']['p50']} ms,"
        f" p95 {results['search_only']['p95']} ms"
    )
    results["search_variants"] = search_variants(store, probes[:30])
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return results


def search_variants(store, probes: np.ndarray) -> dict:
    """The store's search (sign bits, then float16 cosines) against exact float32 search of the
    same vectors, and exact search in numpy over float16 or int8 (one scale per vector): time,
    memory and the share of float32's top 50 each finds. Prints and returns them."""
    top = 50
    exact_matrix = store.matrix.astype(np.float32)
    exact = [set(np.argpartition(-(exact_matrix @ p), top - 1)[:top].tolist()) for p in probes]
    scales = np.abs(exact_matrix).max(axis=1, keepdims=True) / 127
    index_of = {int(claim_id): i for i, claim_id in enumerate(store.claim_ids)}

    def ranked(similarities: np.ndarray) -> set[int]:
        return set(np.argpartition(-similarities, top - 1)[:top].tolist())

    variants = {
        "float32, exact": (exact_matrix.nbytes, lambda p: ranked(exact_matrix @ p)),
        "the store: sign bits, then float16": (
            store.matrix.nbytes + store.signs.nbytes,
            lambda p: {index_of[claim_id] for claim_id in store.nearest(p, top)},
        ),
        "float16, exact in numpy": (store.matrix.nbytes, lambda p: ranked(store.matrix @ p)),
        "int8, exact in numpy": (
            exact_matrix.size,
            lambda p: ranked(
                np.matmul(
                    np.round(exact_matrix / scales).astype(np.int8),
                    np.round(p * 127).astype(np.int8),
                    dtype=np.int32,
                )
                * scales[:, 0]
            ),
        ),
    }
    figures = {}
    for name, (size, search) in variants.items():
        timings, recalls = [], []
        for probe, expected in zip(probes, exact, strict=True):
            started = time.perf_counter()
            found = search(probe)
            timings.append((time.perf_counter() - started) * 1000)
            recalls.append(len(expected & found) / top)
            if name.endswith("in numpy") and len(timings) == 3:
                break  # seconds a query: three tell enough
        figures[name] = {
            "mb": round(size / 2**20),
            **percentiles(timings),
            "recall_at_50": round(float(np.mean(recalls)), 3),
        }
        print(
            f"    {name}: {figures[name]['mb']} MB, p50 {figures[name]['p50']} ms,"
            f" p95 {figures[name]['p95']} ms, finds {figures[name]['recall_at_50']:.3f}"
            " of the exact top 50"
        )
    return figures


def throughput(sample: int) -> float:
    """Claims encoded a second, in the job's batches, over `sample` of the project's claims."""
    from annotate.claims import embeddings
    from annotate.claims.models import Claim

    encoder = embeddings.encoder()
    if encoder is None:
        return 0.0
    texts = list(Claim.objects.order_by("pk").values_list("text", flat=True)[:sample])
    encoder.encode(["warm up"])
    started = time.perf_counter()
    encoder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def article_search(articles: int) -> None:
    try:
        from article_search import run
    except ImportError:
        print("article search: bench/article_search.py not found, skipped")
        return
    figures = run(articles)
    print("article search:", ", ".join(f"{key} {value}" for key, value in figures.items()))


@contextmanager
def database(server_url: str, name: str, keep: bool):
    """Point DATABASE_URL at `name` on the server, created if missing; dropped afterwards unless
    kept. Yields whether it existed."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if not found:
        run_sql(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
    try:
        yield bool(found)
    finally:
        if not keep:
            run_sql(
                admin,
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--encode", type=int, default=3_000, help="claims encoded for real")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database", default=f"bench_claims_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--articles-searched", type=int, default=1_000_000)
    parser.add_argument("--skip-article-search", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    with database(server, args.database, args.keep) as existed:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        built = built_already(args) if existed else None
        if built is None:
            started = time.perf_counter()
            built = build(args)
            print(f"built in {time.perf_counter() - started:.0f} s")
            if built.encoded:
                print(
                    f"embedding throughput: {built.encoded / built.encode_s:,.0f} claims/s"
                    f" ({built.encoded:,} claims in batches of the job's size, {built.model})"
                )
        else:
            print(f"reusing {args.database} (built before)")
            print(f"embedding throughput: {throughput(args.encode):,.0f} claims/s")
        measure(args, built)
        from django.db import connections

        connections.close_all()
    if not args.skip_article_search:
        article_search(args.articles_searched)


if __name__ == "__main__":
    main()
