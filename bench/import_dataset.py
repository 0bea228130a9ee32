"""Dataset import throughput: N annotated tasks in three formats through `import_dataset`.

    python bench/import_dataset.py [--tasks 10000] [--formats label-studio,doccano,native]
                                   [--sqlite]

Each task is one ~3,250-character article with 3 annotations (reviewers) x 3 regions, so 9
submitted verdicts per task (the peers' corpus of issue 12). The Label Studio JSON and doccano
JSONL files are generated; the native file is what `export_dataset --format native` writes for
the project the Label Studio import made. Each format is imported, in a fresh child process (its
peak RSS is its own) and a fresh database, with the `import_dataset` command into a fresh project,
then imported again (a no-op). Prints tasks/s for both runs and peak RSS. PostgreSQL: a
throwaway database beside the one DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/
postgres), dropped at the end; `--sqlite` adds a throwaway SQLite file.

Figures (PostgreSQL 15 on this 2-core machine, tasks/s first import / no-op re-import, peak RSS):
  before (store.py wrote row by row, ~55 queries per task, quadratic queue refresh), 300 tasks:
    label-studio 4 / 4, doccano 3 / 1, native 3 / 6 tasks/s; 112, 99, 99 MB
  batch restore (annotations_restore, 500 articles a batch, COPY), 10,000 tasks:
    label-studio 337 / 503, doccano 259 / 226, native 351 / 478 tasks/s; 162, 108, 120 MB
  now (file read once, restore rows as slotted records, history copied by the database,
  statistics kept current, collector paused), 10,000 tasks, two runs with other work
  sharing both cores (load average 2.5-4):
    label-studio 640-704 / 1,190-1,855, doccano 370-578 / 501-1,047,
    native 505-748 / 1,157-1,359 tasks/s; 144-152, 112-122, 120-130 MB
  the same code on a quiet machine (load average under 1), 10,000 tasks:
    label-studio 1,114 / 2,188, doccano 850 / 1,460, native 1,125 / 2,294 tasks/s
  The target, 5,000 / 10,000 tasks/s, is not met, and the first-import half cannot be here:
  bench/import_floor.py loads the same rows with binary COPY and no Python work, and PostgreSQL
  alone takes 3.55-3.9 s for them (2,530-2,816 tasks/s). Where a first import of 10,000 Label Studio
  tasks spends its time (py-spy): reading and checking the file ~25 %, building and sending the
  rows (COPY) ~30 %, the articles' own import (canonical body, validation, COPY) ~15 %, and
  PostgreSQL checking ~600,000 deferred foreign keys at commit ~2 s.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
REVIEWERS = 3
REGIONS = 3
LABELS = ["True", "Mostly True", "Half True", "Mostly False", "False", "Pants on Fire"]
WORDS = ["the", "summit", "leaders", "talks", "troops", "border", "ministry", "said", "officials"]
WORDS += ["claim", "security", "guarantees", "alliance", "sanctions", "statement", "reported"]
FLAVOUR = ["👋", "🇺🇦", "“quoted”", "café", "東京", "—"]
ALL_FORMATS = ["label-studio", "doccano", "native"]


def _task_text(rng: random.Random, n: int) -> tuple[str, list[tuple[int, int]]]:
    """A ~3,250-character text (code points) and REGIONS claim positions in it."""
    paragraphs, claims, size = [], [], 0
    while size < 3_250:
        words = [rng.choice(WORDS) for _ in range(rng.randint(30, 60))]
        words.insert(rng.randrange(len(words)), rng.choice(FLAVOUR))
        paragraphs.append(" ".join(words).capitalize() + ".")
        size += len(paragraphs[-1]) + 2
    text = f"Task {n}. " + "\n\n".join(paragraphs)
    step = len(text) // REGIONS
    for region in range(REGIONS):
        start = text.index(" ", region * step + 10) + 1
        end = text.index(" ", start + 40)
        claims.append((start, end))
    return text, claims


def write_files(folder: Path, tasks: int, seed: int = 2021) -> dict[str, Path]:
    """Label Studio JSON (one array) and doccano JSONL (a line per task and reviewer), streamed
    to disk; the native file is exported later from the Label Studio import."""
    rng = random.Random(seed)
    label_studio = folder / "tasks.json"
    doccano = folder / "tasks.jsonl"
    with label_studio.open("w", encoding="utf-8") as ls, doccano.open("w", encoding="utf-8") as dc:
        ls.write("[\n")
        for n in range(tasks):
            text, claims = _task_text(rng, n)
            annotations = []
            for reviewer in range(REVIEWERS):
                labels = [rng.choice(LABELS) for _ in claims]
                annotations.append(
                    {
                        "id": n * REVIEWERS + reviewer,
                        "completed_by": reviewer + 1,
                        "result": [
                            {
                                "id": f"r{n}-{region}",
                                "from_name": "label",
                                "to_name": "text",
                                "type": "labels",
                                "value": {
                                    "start": start,
                                    "end": end,
                                    "text": text[start:end],
                                    "labels": [label],
                                },
                            }
                            for region, ((start, end), label) in enumerate(
                                zip(claims, labels, strict=True)
                            )
                        ],
                    }
                )
                # doccano counts UTF-16 units; the file says code points (--offset-unit).
                line = {
                    "id": n,
                    "text": text,
                    "label": [[s, e, label] for (s, e), label in zip(claims, labels, strict=True)],
                    "reviewer": f"ls-{reviewer + 1}",
                }
                dc.write(json.dumps(line, ensure_ascii=False) + "\n")
            task = {"id": n + 1, "data": {"text": text}, "annotations": annotations}
            ls.write(("," if n else "") + json.dumps(task, ensure_ascii=False) + "\n")
        ls.write("]\n")
    return {"label-studio": label_studio, "doccano": doccano}


# --- child: one format into a fresh database ------------------------------------------------


def _make_project():
    from django.contrib.auth import get_user_model

    from annotate.models import Membership, Project
    from annotate.projects.scales import PRESETS

    editor = get_user_model().objects.create(username="editor", is_staff=True)
    project = Project.objects.create(
        name="Bench", slug="bench", scale_preset="politifact",
        scale=PRESETS["politifact"].as_scale(), scale_is_ordinal=True, reviews_per_claim=3,
    )  # fmt: skip
    Membership.objects.create(project=project, user=editor, role="editor")
    return project


def run_import(fmt: str, path: Path, native_out: str) -> None:
    """Migrate, import twice with the command, print one JSON line of figures."""
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    from annotate.models import Project, Verdict

    call_command("migrate", verbosity=0)
    if fmt != "native":  # a native file brings its project
        _make_project()
    args = ["--offset-unit", "codepoints"] if fmt == "doccano" else []
    figures = {}
    for run in ("first", "again"):
        out, err = StringIO(), StringIO()
        started = time.perf_counter()
        call_command(
            "import_dataset", str(path), "--project", "bench", "--format", fmt, *args,
            stdout=out, stderr=err,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        figures[run] = {"seconds": round(elapsed, 2), "summary": out.getvalue().splitlines()[-1]}
    project = Project.objects.get(slug="bench")
    figures["articles"] = project.articles.count()
    figures["verdicts"] = Verdict.objects.filter(span__project=project).count()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if native_out:
        from datasets.exporters import dataset_export
        from datasets.options import ExportOptions

        with open(native_out, "wb") as out_file:
            dataset_export(project=project, fmt="native", out=out_file, options=ExportOptions())
    print(json.dumps(figures))


def measure(label: str, url: str, fmt: str, path: Path, tasks: int, native_out: str = "") -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "",  # DEBUG would keep every query in memory
    }
    env.setdefault("SECRET_KEY", "bench-only")
    done = subprocess.run(
        [sys.executable, __file__, "--child", f"{fmt}:{path}:{native_out}"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"child {fmt} failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    first, again = figures["first"], figures["again"]
    print(
        f"{label:<10} {fmt:<12} first {tasks / first['seconds']:>8,.0f} tasks/s "
        f"({first['seconds']} s), re-import {tasks / again['seconds']:>8,.0f} tasks/s "
        f"({again['seconds']} s), peak RSS {figures['peak_rss_mb']} MB; "
        f"{figures['articles']} articles, {figures['verdicts']} verdicts stored"
    )
    for run in ("first", "again"):
        print(f"{'':<10} {run}: {figures[run]['summary']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--formats", default=",".join(ALL_FORMATS))
    parser.add_argument("--sqlite", action="store_true", help="also measure on SQLite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        fmt, path, native_out = args.child.split(":", 2)
        run_import(fmt, Path(path), native_out)
        return

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/import_dataset.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = write_files(folder, args.tasks)
        sizes = ", ".join(f"{fmt} {files[fmt].stat().st_size / 1e6:.1f} MB" for fmt in files)
        print(f"{args.tasks:,} tasks, {args.tasks * REVIEWERS * REGIONS:,} verdicts ({sizes})")
        files["native"] = folder / "native.jsonl"
        databases = [("PostgreSQL", None)]
        if args.sqlite:
            databases.append(("SQLite", f"sqlite:///{folder}/bench-{{fmt}}.sqlite3"))
        for label, sqlite in databases:
            # Native needs the Label Studio import's export: that import runs first.
            order = ["label-studio"] + [fmt for fmt in formats if fmt != "label-studio"]
            for fmt in order:
                native_out = str(files["native"]) if fmt == "label-studio" else ""
                if sqlite is not None:
                    measure(label, sqlite.format(fmt=fmt), fmt, files[fmt], args.tasks, native_out)
                    continue
                with scratch_postgres(base, "bench_import_dataset") as url:
                    measure(label, url, fmt, files[fmt], args.tasks, native_out)


if __name__ == "__main__":
    main()
