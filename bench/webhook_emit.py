"""What webhooks add to a write: span_create + verdict_submit timed in three setups.

    python bench/webhook_emit.py [--writes 300] [--rounds 3]

1. `webhook_emit` replaced by a no-op (the services as before webhooks);
2. the real emit, project without endpoints (one indexed query, nothing written);
3. the real emit, one endpoint subscribed to everything (event + delivery rows in the same
   transaction; the dispatch after commit is replaced by a no-op: sending is the workers').

On a throwaway SQLite file (or DATABASE_URL's PostgreSQL server, in a scratch database). Prints
the median per write (of `--rounds` rounds) for each setup.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent


def measure(writes: int, rounds: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from annotate.claims import services as claim_services
    from annotate.jobs import services as job_services
    from annotate.models import Membership, Project, WebhookEvent
    from annotate.projects.scales import PRESETS
    from annotate.review import services
    from annotate.review.services import SourceInput
    from annotate.review.services import spans as span_module
    from annotate.review.services import verdicts as verdict_module
    from annotate.webhooks import delivery, events
    from annotate.webhooks.models import SUBSCRIBABLE, WebhookEndpoint
    from corpus.models import Article

    delivery._schedule = lambda delivery_id, countdown_s: None  # no sending here
    users = get_user_model().objects
    editor = users.create(username="bench-editor")
    reviewer = users.create(username="bench-reviewer")
    body = " ".join(f"Claim {n:05d} was made." for n in range((writes + 5) * rounds * 3 * 2))

    def project(name: str) -> Project:
        made = Project.objects.create(
            name=name,
            slug=name,
            scale_preset="politifact",
            scale=PRESETS["politifact"].as_scale(),
            sources_required=False,
        )
        Membership.objects.create(project=made, user=editor, role="editor")
        Membership.objects.create(project=made, user=reviewer, role="reviewer")
        article = Article.objects.create(title=name, body=body, content_hash=name)
        made.articles.add(article)
        return made

    offsets = iter(range(0, len(body) - 40, 24))

    def one_write(target: Project) -> float:
        article = target.articles.get()
        start = next(offsets)
        began = time.perf_counter()
        span = services.span_create(
            project=target, article=article, actor=editor, start=start, end=start + 16
        )
        services.verdict_submit(
            span=span,
            reviewer=reviewer,
            expected_version=0,
            label=target.labels[0],
            sources=[SourceInput(url="https://example.org/r")],
        )
        return time.perf_counter() - began

    real_emit = events.webhook_emit
    modules = (span_module, verdict_module, claim_services, job_services)

    def use_emit(emit) -> None:
        for module in modules:
            module.webhook_emit = emit

    setups = []
    quiet, bare, hooked = project("none"), project("bare"), project("hooked")
    WebhookEndpoint.objects.create(
        project=hooked, url="https://hooks.example.org/", secret="x" * 64, events=SUBSCRIBABLE
    )
    setups = [
        ("emit replaced by a no-op", quiet, lambda **kwargs: None),
        ("real emit, no endpoint", bare, real_emit),
        ("real emit, 1 endpoint (2 events)", hooked, real_emit),
    ]
    results: dict[str, list[float]] = {name: [] for name, *_ in setups}
    for _ in range(rounds):
        for name, target, emit in setups:  # interleaved: drift hits all three alike
            use_emit(emit)
            for _ in range(5):  # warm-up
                one_write(target)
            timings = [one_write(target) for _ in range(writes)]
            results[name].append(statistics.median(timings))
    use_emit(real_emit)
    from django.db import connection

    print(f"{connection.vendor}: span_create + verdict_submit, median of {writes} writes")
    for name, medians in results.items():
        print(f"  {name:<34} {statistics.median(medians) * 1000:6.2f} ms per write pair")
    print(f"  events recorded: {WebhookEvent.objects.count()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    with scratch_database("bench_webhooks"):
        measure(args.writes, args.rounds)


if __name__ == "__main__":
    main()
