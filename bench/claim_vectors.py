"""The embedding stage's costs: encoding claims, and exact cosine search over a project's vectors.

    python bench/claim_vectors.py [--claims 2000] [--sizes 10000,100000,300000] [--queries 200]
                                  [--threads 1] [--usearch]

1. Encoding, in a child process (fresh RSS): model load time, claims/s in batches (what the
   claim-embeddings job does), one sentence at a time (a query at match time), peak RSS.
2. Search: N random unit vectors (512 float32, as stored), one query: the matrix product and the
   top 50 (vectors.ProjectVectors.nearest), p50/p95 over --queries queries; the matrix's memory;
   building it from N stored byte strings (what a cache miss costs after the query). With
   --usearch (if installed) the same against usearch's HNSW index (f32 and i8), with its recall.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DIMENSION = 512
TOP = 50


def encoding(claims: int, threads: int) -> dict:
    """In this (child) process: load the model, encode `claims` sentences, report."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from annotate.claims import embeddings

    pairs = ROOT / "tests" / "fixtures" / "claims" / "evaluation.jsonl"
    texts = [json.loads(line)["text_a"] for line in pairs.read_text().splitlines()]
    sentences = [f"{texts[i % len(texts)]} ({i})" for i in range(claims)]
    started = time.perf_counter()
    encoder = embeddings.encoder()
    if threads != 1:
        encoder._model.threads = threads  # the package's own knob (threadpoolctl if present)
    encoder.encode(["warm up"])
    loaded_s = time.perf_counter() - started
    started = time.perf_counter()
    encoder.encode(sentences)
    batch_s = time.perf_counter() - started
    single = []
    for sentence in sentences[:200]:
        started = time.perf_counter()
        encoder.encode([sentence])
        single.append(time.perf_counter() - started)
    return {
        "model": encoder.name,
        "load_s": round(loaded_s, 2),
        "claims_per_s": round(claims / batch_s, 1),
        "one_sentence_ms_p50": round(float(np.percentile(single, 50)) * 1000, 2),
        "one_sentence_ms_p95": round(float(np.percentile(single, 95)) * 1000, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def unit_rows(n: int, rng: np.random.Generator) -> np.ndarray:
    rows = rng.standard_normal((n, DIMENSION), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def exact_search(size: int, queries: int, use_usearch: bool) -> dict:
    rng = np.random.default_rng(2021)
    matrix = unit_rows(size, rng)
    stored = [row.astype("<f4").tobytes() for row in matrix]
    started = time.perf_counter()
    rebuilt = np.vstack([np.frombuffer(raw, dtype="<f4") for raw in stored])
    build_s = time.perf_counter() - started
    if rebuilt.shape != matrix.shape:
        raise SystemExit("vectors did not round-trip through bytes")
    del stored
    # Queries near some stored rows (a claim and its paraphrase are close, not identical).
    picks = rng.integers(0, size, queries)
    probes = matrix[picks] + 0.5 * unit_rows(queries, rng)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    timings, exact_tops = [], []
    for probe in probes:
        started = time.perf_counter()
        similarities = matrix @ probe
        top = np.argpartition(-similarities, TOP - 1)[:TOP]
        timings.append(time.perf_counter() - started)
        exact_tops.append(set(top.tolist()))
    figures = {
        "vectors": size,
        "matrix_mb": round(matrix.nbytes / 2**20, 1),
        "from_bytes_s": round(build_s, 2),
        "exact_ms_p50": round(float(np.percentile(timings, 50)) * 1000, 2),
        "exact_ms_p95": round(float(np.percentile(timings, 95)) * 1000, 2),
    }
    if use_usearch:
        figures.update(usearch_search(matrix, probes, exact_tops))
    return figures


def usearch_search(matrix: np.ndarray, probes: np.ndarray, exact_tops: list[set]) -> dict:
    try:
        from usearch.index import Index
    except ImportError:
        return {"usearch": "not installed"}
    found = {}
    for dtype in ("f32", "i8"):
        index = Index(ndim=DIMENSION, metric="cos", dtype=dtype)
        started = time.perf_counter()
        index.add(np.arange(len(matrix)), matrix, threads=1)
        build_s = time.perf_counter() - started
        timings, recalls = [], []
        for probe, exact in zip(probes, exact_tops, strict=True):
            started = time.perf_counter()
            matches = index.search(probe, TOP, threads=1)
            timings.append(time.perf_counter() - started)
            recalls.append(len(exact & set(matches.keys.tolist())) / TOP)
        found[f"usearch_{dtype}"] = {
            "build_s": round(build_s, 1),
            "ms_p50": round(float(np.percentile(timings, 50)) * 1000, 2),
            "ms_p95": round(float(np.percentile(timings, 95)) * 1000, 2),
            "recall_at_50": round(float(np.mean(recalls)), 3),
            "memory_mb": round(index.memory_usage / 2**20, 1),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--usearch", action="store_true")
    parser.add_argument("--encoding-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.encoding_only:
        print(json.dumps(encoding(args.claims, args.threads)))
        return
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--encoding-only",
            "--claims",
            str(args.claims),
            "--threads",
            str(args.threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print("encoding:", child.stdout.strip().splitlines()[-1])
    for size in (int(value) for value in args.sizes.split(",")):
        print("search:", json.dumps(exact_search(size, args.queries, args.usearch)))
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
