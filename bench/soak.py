"""Soak test: the deployment of docs/deploy.md on one machine, under load and faults, for minutes.

    python bench/soak.py [--duration 300] [--rate 100] [--export-rows 1000000]
                         [--import-articles 20000] [--json out.json] [--keep]

Recreates the database h_soak_bench (beside DATABASE_URL's server, default
postgres://postgres@127.0.0.1:5432/), migrates it and fills one project with COPY through
bench/api_load.py's data builder, sized so that its CSV export has --export-rows verdict rows.
Then it starts, each by PID: two gunicorn instances (ports 8140 and 8141, DEBUG off, Redis
cache), two Celery workers (prefork, the jobs' and the webhooks' queues), and a webhook receiver
(a stdlib http.server on 8142 that checks every signature and appends each delivery's event id
to a file); it registers a webhook endpoint for the receiver through the API.

For --duration seconds, an open-loop client drives bench/api_load.py's request mix at --rate
requests/s, spread over both ports (a refused connection fails over to the other port; anything
else counts as an error). Through their API doors (202 + job URL) it starts an export of the
project (CSV, one row per verdict) and a bulk import of --import-articles articles, and polls
them. On a schedule scaled to --duration (defaults in brackets, for 300 s): one worker is
killed with SIGKILL, its whole process group, while a job runs on it [from 30 s] and restarted
5 s later; the receiver is stopped for 60 s [120-180 s]; one gunicorn is stopped with SIGTERM
and started again [210 s]. `manage.py deliver_webhooks` and `requeue_lost_jobs` run every 60 s,
as the deploy guide's cron does. After the load it waits (within the 10-minute bound of the
whole run) for the jobs to finish and the outbox to drain.

Reports: p50/p95/p99 and errors per endpoint; the jobs (status, attempts, duration); duplicates
(export rows with the same verdict id, imported articles stored twice: must be 0); webhook
events expected (the outbox's deliveries to the receiver) vs delivered at least once vs
duplicates; the RSS of every process (with its children) at the start and the end of the load.
Every process is stopped, and the database dropped unless --keep, on any exit (Ctrl-C too).
"""

import argparse
import asyncio
import contextlib
import csv
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from api_load import (
    ACCESS_LOG_FORMAT,
    APP_ENV,
    NO_ANSWER,
    STATUS_NAMES,
    TITLES,
    HttpClient,
    Result,
    Traffic,
    _machine_jiffies,
    drive,
    generate,
    percentile,
    report_server_times,
    stop_gunicorn,
)
from import_corpus import write_corpus
from scratch import run_sql

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "h_soak_bench"
WEB_PORTS = (8140, 8141)
RECEIVER_PORT = 8142
REDIS_URL = "redis://127.0.0.1:6379/14"
BROKER_URL = "redis://127.0.0.1:6379/15"
HARD_LIMIT_S = 600  # the whole run, setup and drain included
SPANS_PER_ARTICLE = 10
REVIEWERS = 4  # verdicts per span: articles = export rows / (spans per article × reviewers)
SWEEP_EVERY_S = 60  # deliver_webhooks, as cron would run it
RESTART_AFTER_S = 5  # a killed worker comes back this much later
WORKER_CONCURRENCY = 2
WORKER_NICENESS = 10
FAILOVER_PAUSE_S = 1.0  # a port that refused a connection is skipped this long


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# The webhook receiver (a child process: python bench/soak.py --receiver PORT FILE)


def serve_receiver(port: int, record: Path) -> None:
    """Answer 204 to every POST and append `event_id signature_ok` to `record`."""
    secret = os.environ["SOAK_WEBHOOK_SECRET"].encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            timestamp = self.headers.get("X-Webhook-Timestamp", "")
            expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
            genuine = hmac.compare_digest(
                "sha256=" + expected.hexdigest(), self.headers.get("X-Webhook-Signature", "")
            )
            event_id = self.headers.get("X-Webhook-Id", "-")
            with lock:
                out.write(f"{event_id} {int(genuine)}\n")
                out.flush()
            self.send_response(204 if genuine else 400)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    import threading

    lock = threading.Lock()
    with record.open("a") as out:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            server.serve_forever()
        finally:
            server.server_close()


# ---------------------------------------------------------------------------------------------
# Processes


def _process_table() -> dict[int, tuple[str, list[str]]]:
    """Every process: pid -> (its command name, the fields of /proc/PID/stat after it)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        table[int(entry.name)] = (head.split("(", 1)[-1], tail.split())
    return table


def _tree(table: dict[int, tuple[str, list[str]]], root: int) -> list[int]:
    """`root` and all its descendants that `table` holds."""
    children: dict[int, list[int]] = {}
    for pid, (_, fields) in table.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def process_tree_rss_kb(pid: int) -> int:
    """VmRSS of the process and all its descendants, in kB (0 if it is gone)."""
    total = 0
    for current in _tree(_process_table(), pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def cpu_seconds_by_group(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each process tree in `roots` (name -> pid), of every PostgreSQL
    process ("postgres"), and of this process ("client"). A process counts its children that
    ended (cutime), so that a retired gunicorn worker or an ended backend is not lost; one
    killed with its tree takes its CPU with it."""
    tick = os.sysconf("SC_CLK_TCK")
    table = _process_table()
    # utime stime cutime cstime
    own = {pid: sum(int(v) for v in fields[11:15]) / tick for pid, (_, fields) in table.items()}
    groups = {
        name: sum(own.get(pid, 0.0) for pid in _tree(table, root)) for name, root in roots.items()
    }
    groups["postgres"] = sum(own[pid] for pid, (name, _) in table.items() if name == "postgres")
    groups["client"] = time.process_time()
    return groups


@dataclass
class Service:
    """One long-running process of the deployment, restartable, stopped by its PID."""

    name: str
    command: list[str]
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen | None = None
    starts: int = 0
    rss_kb: dict[str, tuple[int, int]] = field(default_factory=dict)  # moment: (pid, kB)

    def start(self) -> None:
        self.starts += 1
        log_file = (self.logs / f"{self.name}.log").open("ab")
        # A session of its own: the whole group can be killed (a worker and its children), and
        # Ctrl-C reaches only this script, which stops everything in order.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process group: the host dies, nothing cleans up."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout_s: float = 10) -> None:
        if self.process is None:
            return
        if self.name.startswith("web"):
            stop_gunicorn(self.process)
        elif self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
        # Children left behind (a killed worker's pool) go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def measure(self, moment: str) -> None:
        if self.alive():
            self.rss_kb[moment] = (self.pid, process_tree_rss_kb(self.pid))


# ---------------------------------------------------------------------------------------------
# Load over two ports


class SpreadClient:
    """Round-robin over the web instances, as a load balancer would; a refused connection (an
    instance down) is retried at once on the next one, which is safe: nothing was sent."""

    def __init__(self, ports: tuple[int, ...]) -> None:
        self.clients = [HttpClient("127.0.0.1", port) for port in ports]
        self.down_until = [0.0] * len(ports)
        self.turn = 0
        self.failovers = 0
        self.phase = "load"

    async def request(self, method: str, path: str, **kwargs) -> tuple[int, bytes]:
        order = [(self.turn + n) % len(self.clients) for n in range(len(self.clients))]
        self.turn = (self.turn + 1) % len(self.clients)
        now = time.monotonic()
        order.sort(key=lambda index: self.down_until[index] > now)  # up ones first, stable
        for position, index in enumerate(order):
            client = self.clients[index]
            client.phase = self.phase
            try:
                return await client.request(method, path, **kwargs)
            except ConnectionRefusedError:
                self.down_until[index] = time.monotonic() + FAILOVER_PAUSE_S
                if position == len(order) - 1:
                    raise
                self.failovers += 1
        raise ConnectionRefusedError

    def close(self) -> None:
        for client in self.clients:
            client.close()


async def api(client: SpreadClient, method: str, path: str, token: str, body=None) -> tuple:
    """(status, parsed JSON or raw bytes); NO_ANSWER when no instance answered."""
    try:
        status, content = await asyncio.wait_for(
            client.request(method, path, token=token, body=body), 60
        )
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        return NO_ANSWER, b""
    try:
        return status, json.loads(content)
    except ValueError:
        return status, content


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class JobWatch:
    name: str
    url_path: str = ""
    started_at: float = 0.0
    state: dict = field(default_factory=dict)
    finished_at: float | None = None


class Soak:
    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        self.args = args
        self.scratch = scratch
        self.services: dict[str, Service] = {}
        self.events: list[str] = []  # what happened when, for the report
        self.jobs: dict[str, JobWatch] = {}
        self.started = 0.0
        self.sweeps = 0
        self.rss_series: list[dict] = []  # {t_s, service: MB, ...} every 5 s
        self.machine: list[dict] = []  # {t_s, load_average, busy share of all cores}
        self.cpu: dict[str, float] = {}  # CPU seconds over the load, by process tree
        self.hard_deadline = time.monotonic() + HARD_LIMIT_S

    def note(self, text: str) -> None:
        line = f"t={time.monotonic() - self.started:6.1f} s  {text}"
        self.events.append(line)
        log(line)

    def at(self, share: float) -> float:
        return self.args.duration * share

    # -- processes ---------------------------------------------------------------------------

    def define_services(self, env: dict[str, str]) -> None:
        python = sys.executable
        bin_dir = Path(python).parent
        logs = self.scratch / "logs"
        logs.mkdir()
        for number, port in enumerate(WEB_PORTS, 1):
            self.services[f"web{number}"] = Service(
                f"web{number}",
                [
                    str(bin_dir / "gunicorn"),
                    "config.wsgi",
                    "-c",
                    "config/gunicorn.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--access-logfile",
                    str(self.scratch / "access.log"),  # both instances, a line each
                    "--access-logformat",
                    ACCESS_LOG_FORMAT,
                ],
                env,
                logs,
            )
        for number in (1, 2):
            self.services[f"worker{number}"] = Service(
                f"worker{number}",
                [
                    # As docs/deploy.md runs them: below the web processes' CPU priority, so
                    # that a job yields the cores to requests rather than competing for them.
                    "nice",
                    "-n",
                    str(WORKER_NICENESS),
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-l",
                    "info",
                    "-Q",
                    "celery,webhooks",
                    "-c",
                    str(WORKER_CONCURRENCY),
                    "-n",
                    f"soak-{number}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env,
                logs,
            )
        self.services["receiver"] = Service(
            "receiver",
            [python, __file__, "--receiver", str(RECEIVER_PORT), str(self.receipts)],
            dict(env),  # and SOAK_WEBHOOK_SECRET, once the endpoint is registered
            logs,
        )

    @property
    def receipts(self) -> Path:
        return self.scratch / "receipts.txt"

    async def wait_web(self, name: str, timeout_s: float = 90) -> None:
        service = self.services[name]
        port = WEB_PORTS[int(name[-1]) - 1]
        client = HttpClient("127.0.0.1", port)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if not service.alive():
                    raise RuntimeError(f"{name} exited; see {service.logs / name}.log")
                try:
                    status, _ = await client.request("GET", "/api/v1/health/")
                    if status == 200:
                        return
                except OSError:
                    pass
                await asyncio.sleep(0.3)
        finally:
            client.close()
        raise RuntimeError(f"{name} did not answer /api/v1/health/ in {timeout_s} s")

    def stop_all(self) -> None:
        """Stop every process at once (each waits for its own graceful exit)."""

        def stop(service: Service) -> None:
            try:
                service.stop()
            except Exception as error:  # keep stopping the others
                log(f"stopping {service.name}: {error}")

        with ThreadPoolExecutor(len(self.services) or 1) as pool:
            list(pool.map(stop, self.services.values()))

    # -- faults and chores -------------------------------------------------------------------

    async def kill_worker_mid_job(self) -> None:
        await asyncio.sleep(self.at(0.1))
        deadline = time.monotonic() + self.at(0.3)
        victim = None
        while victim is None and time.monotonic() < deadline:
            running = [
                watch
                for watch in self.jobs.values()
                if watch.state.get("status") == "running" and watch.state.get("done")
            ]
            for watch in running:
                victim = self.worker_running(watch)
                if victim:
                    break
            if victim is None:
                await asyncio.sleep(0.5)
        if victim is None:
            self.note("fault skipped: no job was running on a worker to kill it under")
            return
        service = self.services[victim]
        states = {
            n: (w.state.get("status"), w.state.get("done"), w.state.get("total"))
            for n, w in self.jobs.items()
        }
        await asyncio.to_thread(service.kill)
        self.note(f"SIGKILL {victim} (pid {service.pid}, with its pool); jobs then: {states}")
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(service.start)
        self.note(f"{victim} started again (pid {service.pid})")

    def worker_running(self, watch: JobWatch) -> str | None:
        """The worker that received the job's task and has not finished it. Celery's log does
        not show a task's arguments, so tasks are told apart by order: the export job is queued
        first and the import job second, so they are the first and second run_job received."""
        received = []
        for name in ("worker1", "worker2"):
            text = (self.scratch / "logs" / f"{name}.log").read_text(errors="replace")
            for line in text.splitlines():
                if "Task annotate.jobs.run_job[" in line and line.rstrip().endswith("received"):
                    task = line.split("run_job[", 1)[1].split("]", 1)[0]
                    received.append((line[1:24], name, task, f"run_job[{task}] succeeded" in text))
        received.sort()
        position = list(self.jobs).index(watch.name)
        if position >= len(received) or received[position][3]:
            return None
        return received[position][1]

    async def receiver_outage(self) -> None:
        await asyncio.sleep(self.at(0.4))
        receiver = self.services["receiver"]
        await asyncio.to_thread(receiver.stop)
        down_s = min(60.0, self.at(0.2))
        self.note(f"receiver stopped for {down_s:.0f} s")
        await asyncio.sleep(down_s)
        await asyncio.to_thread(receiver.start)
        self.note(f"receiver started again (pid {receiver.pid})")

    async def restart_web(self) -> None:
        await asyncio.sleep(self.at(0.7))
        web = self.services["web2"]
        self.note(f"web2 SIGTERM (pid {web.pid})")
        await asyncio.to_thread(web.stop)
        self.note("web2 stopped")
        await asyncio.to_thread(web.start)
        await self.wait_web("web2")
        self.note(f"web2 serving again (pid {web.pid})")

    async def sweep(self, until: float) -> None:
        """`manage.py deliver_webhooks` and `requeue_lost_jobs` every SWEEP_EVERY_S, as the
        deploy guide's cron runs them."""
        env = self.services["worker1"].env
        while time.monotonic() < until:
            await asyncio.sleep(min(SWEEP_EVERY_S, max(0.0, until - time.monotonic())))
            for command in ("deliver_webhooks", "requeue_lost_jobs"):
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "manage.py", command, cwd=ROOT, env=env,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                )  # fmt: skip
                output, _ = await process.communicate()
                said = output.decode(errors="replace").strip().splitlines()[-1:]
                if said and not said[0].endswith(" 0"):
                    self.note(f"{command}: {said[0]}")
            self.sweeps += 1

    # -- jobs --------------------------------------------------------------------------------

    async def start_jobs(self, client: SpreadClient, setup, corpus: Path) -> None:
        editor = setup.readers[0]
        project = setup.project_id
        await asyncio.sleep(self.at(0.02))
        watch = self.jobs["export"] = JobWatch("export", started_at=time.monotonic())
        status, body = await api(
            client, "GET", f"/api/v1/projects/{project}/export/?format=csv&async=1", editor
        )
        if status != 202:
            self.note(f"export job refused: {status} {str(body)[:300]}")
        else:
            watch.url_path, watch.state = urlsplit(body["url"]).path, body
            self.note(f"export job {body['id']} queued")
        await asyncio.sleep(self.at(0.03))
        watch = self.jobs["import"] = JobWatch("import", started_at=time.monotonic())
        status, body = await asyncio.to_thread(self.post_import, project, editor, corpus)
        if status != 202:
            self.note(f"import job refused: {status} {str(body)[:300]}")
        else:
            watch.url_path, watch.state = urlsplit(body["url"]).path, body
            self.note(f"import job {body['id']} queued ({self.args.import_articles} articles)")

    def post_import(self, project: int, token: str, corpus: Path) -> tuple[int, object]:
        """POST the JSON Lines file to the bulk door (a blocking request: it is tens of MB)."""
        import http.client

        for port in WEB_PORTS:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            try:
                connection.request(
                    "POST",
                    f"/api/v1/articles/bulk/?project={project}",
                    body=corpus.read_bytes(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/x-ndjson",
                        "Accept": "application/json",
                    },
                )
                response = connection.getresponse()
                content = response.read()
                try:
                    return response.status, json.loads(content)
                except ValueError:
                    return response.status, content[:300]
            except ConnectionRefusedError:
                continue
            finally:
                connection.close()
        return NO_ANSWER, b""

    async def poll_jobs(self, client: SpreadClient, token: str, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(1)
            for watch in list(self.jobs.values()):  # start_jobs adds while this awaits
                if not watch.url_path or watch.finished_at is not None:
                    continue
                status, body = await api(client, "GET", watch.url_path, token)
                if status != 200:
                    continue
                before = (watch.state.get("status"), watch.state.get("attempts"))
                watch.state = body
                if (body["status"], body["attempts"]) != before:
                    self.note(
                        f"{watch.name} job: {body['status']}, attempt {body['attempts']}, "
                        f"{body['done']}/{body['total']}"
                        + (f", error: {body['error'][:200]}" if body.get("error") else "")
                    )
                if body["status"] in ("done", "failed", "cancelled"):
                    watch.finished_at = time.monotonic()
            if (
                self.jobs
                and all(w.finished_at is not None or not w.url_path for w in self.jobs.values())
                and len(self.jobs) == 2
            ):
                return

    # -- rss ---------------------------------------------------------------------------------

    async def sample_rss(self, until: float) -> None:
        """Every 5 s: each process tree's RSS (the peak, and a series for the JSON report) and
        the machine's load, which other work on it shares."""
        busy, total = _machine_jiffies()
        while time.monotonic() < until:
            await asyncio.sleep(5)
            moment = round(time.monotonic() - self.started)
            sample: dict[str, int] = {}
            for service in self.services.values():
                if service.alive():
                    pid, kb = service.pid, process_tree_rss_kb(service.pid)
                    sample[service.name] = kb // 1024
                    peak = service.rss_kb.get("peak", (pid, 0))
                    if kb > peak[1]:
                        service.rss_kb["peak"] = (pid, kb)
            self.rss_series.append({"t_s": moment, **sample})
            if moment <= self.args.duration:
                now_busy, now_total = _machine_jiffies()
                self.machine.append(
                    {
                        "t_s": moment,
                        "load_average": os.getloadavg()[0],
                        "busy": round((now_busy - busy) / max(1, now_total - total), 2),
                    }
                )
                busy, total = now_busy, now_total


def guarded(soak: Soak, coroutine) -> asyncio.Task:
    """A task whose failure is told at once (and in the report), not lost in gather()."""

    async def body():
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception as error:
            soak.note(f"harness error in {coroutine.__name__}: {error!r}")
            traceback.print_exc()

    return asyncio.create_task(body())


async def run(soak: Soak, setup, corpus: Path) -> dict:
    args = soak.args
    await asyncio.gather(soak.wait_web("web1"), soak.wait_web("web2"))
    log("2 gunicorn instances serving, 2 workers and the receiver started")

    client = SpreadClient(WEB_PORTS)
    load_client = SpreadClient(WEB_PORTS)
    traffic = Traffic(setup=setup, rng=random.Random(2021))
    # Warm-up (not counted): the workers' imports, connections, caches.
    load_client.phase = "warmup"
    await drive(load_client, traffic, rate=args.rate, duration=3)
    load_client.phase = "load"

    soak.started = time.monotonic()
    for service in soak.services.values():
        service.measure("start")
    cpu_start = cpu_seconds_by_group({n: sv.pid for n, sv in soak.services.items() if sv.alive()})
    jiffies_start = _machine_jiffies()
    hard_end = soak.hard_deadline - 90  # leave time for the report (a 1M-row file to read)
    chores = [
        guarded(soak, soak.start_jobs(client, setup, corpus)),
        guarded(soak, soak.kill_worker_mid_job()),
        guarded(soak, soak.receiver_outage()),
        guarded(soak, soak.restart_web()),
        guarded(soak, soak.sweep(hard_end)),
        guarded(soak, soak.sample_rss(hard_end)),
    ]
    poller = guarded(soak, soak.poll_jobs(client, setup.readers[0], hard_end))
    began_loop = asyncio.get_running_loop().time()
    results, window_s, worst_lag_ms = await drive(
        load_client, traffic, rate=args.rate, duration=args.duration
    )
    for service in soak.services.values():
        service.measure("end")
    cpu_end = cpu_seconds_by_group({n: sv.pid for n, sv in soak.services.items() if sv.alive()})
    busy, _ = (now - then for now, then in zip(_machine_jiffies(), jiffies_start, strict=True))
    soak.cpu = {name: round(cpu_end[name] - cpu_start.get(name, 0.0), 1) for name in cpu_end}
    soak.cpu["machine"] = round(busy / os.sysconf("SC_CLK_TCK"), 1)
    soak.note(f"load over: {len(results)} requests in {window_s:.1f} s")

    # Drain: the jobs finish and the outbox empties (or the hard bound comes).
    from annotate.webhooks.models import WebhookDelivery

    while time.monotonic() < hard_end:
        pending = await asyncio.to_thread(
            lambda: WebhookDelivery.objects.filter(status="pending").count()
        )
        if poller.done() and pending == 0:
            break
        await asyncio.sleep(2)
    soak.note(f"drain over ({'complete' if poller.done() else 'jobs still running'})")
    for task in [*chores, poller]:
        task.cancel()
    await asyncio.gather(*chores, poller, return_exceptions=True)
    client.close()
    load_client.close()
    return {
        "results": results,
        "window_s": window_s,
        "worst_lag_ms": worst_lag_ms,
        "failovers": load_client.failovers,
        "began": began_loop,
    }


# ---------------------------------------------------------------------------------------------
# Checks after the run (in this process, on the database)


def export_duplicates(job_state: dict, media_root: Path) -> dict:
    """Rows of the export file and how many share a verdict id with an earlier row."""
    from annotate.models import Job

    job = Job.objects.get(pk=job_state["id"])
    if job.status != Job.Status.DONE or not job.result_file:
        return {"rows": None, "duplicates": None}
    rows, seen, duplicates = 0, set(), 0
    with (media_root / job.result_file.name).open(newline="", encoding="utf-8") as stored:
        reader = csv.reader(stored)
        column = next(reader).index("verdict_id")
        for row in reader:
            rows += 1
            if row[column] in seen:
                duplicates += 1
            seen.add(row[column])
    return {"rows": rows, "duplicates": duplicates}


def import_duplicates(project_id: int, first_new_article: int) -> dict:
    """Articles stored by the import (ids past those seeded) and duplicates among them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT content_hash), count(DISTINCT title) "
            "FROM corpus_article WHERE id >= %s",
            [first_new_article],
        )
        articles, hashes, titles = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(DISTINCT article_id) FROM annotate_project_articles "
            "WHERE project_id = %s AND article_id >= %s",
            [project_id, first_new_article],
        )
        links, linked = cursor.fetchone()
    return {
        "articles": articles,
        "duplicates": (articles - hashes) + (articles - titles) + (links - linked),
        "in_project": linked,
    }


def webhook_figures(endpoint_id: int, receipts: Path) -> dict:
    from django.db.models import Count

    from annotate.webhooks.models import WebhookDelivery, WebhookEndpoint

    deliveries = WebhookDelivery.objects.filter(endpoint_id=endpoint_id, redelivery=False)
    expected = set(str(event) for event in deliveries.values_list("event_id", flat=True))
    lines = receipts.read_text().split("\n") if receipts.exists() else []
    received = [line.split() for line in lines if line.strip()]
    genuine = [event for event, ok in received if ok == "1"]
    distinct = set(genuine)
    statuses = dict(deliveries.values_list("status").annotate(n=Count("pk")).order_by())
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    return {
        "events_expected": len(expected),
        "delivered_at_least_once": len(expected & distinct),
        "undelivered": len(expected - distinct),
        "receipts": len(received),
        "bad_signatures": len(received) - len(genuine),
        "duplicates": len(genuine) - len(distinct),
        "unexpected": len(distinct - expected),
        "delivery_rows_by_status": statuses,
        "endpoint_active": endpoint.active,
        "endpoint_disabled_reason": endpoint.disabled_reason,
    }


def endpoint_figures(results: list[Result]) -> dict:
    figures = {}
    for endpoint, title in TITLES.items():
        mine = [result for result in results if result.endpoint == endpoint]
        latencies = sorted(result.latency_ms for result in mine)
        errors: dict[str, int] = {}
        for result in mine:
            if not 200 <= result.status < 300:
                key = STATUS_NAMES.get(result.status, str(result.status))
                errors[key] = errors.get(key, 0) + 1
        figures[title] = {
            "count": len(mine),
            "p50_ms": round(percentile(latencies, 0.5), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "errors": sum(errors.values()),
            "errors_by_status": errors,
        }
    return figures


def latency_over_time(results: list[Result], began: float, step_s: float) -> list[dict]:
    """p50/p95 and errors of all requests by the window they finished in: faults show up."""
    windows: dict[int, list[Result]] = {}
    for result in results:
        windows.setdefault(int((result.finished_at - began) // step_s), []).append(result)
    rows = []
    for index in sorted(windows):
        latencies = sorted(result.latency_ms for result in windows[index])
        rows.append(
            {
                "from_s": round(index * step_s),
                "requests": len(latencies),
                "p50_ms": round(percentile(latencies, 0.5), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "errors": sum(not 200 <= result.status < 300 for result in windows[index]),
            }
        )
    return rows


def print_report(report: dict) -> None:
    print()
    print(
        f"soak: {report['duration_s']:g} s at {report['rate']:g} requests/s on "
        f"{report['cpus']} cores (load average at the end {report['load_average']:.1f})"
    )
    print(f"{'endpoint':<15} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for title, row in report["endpoints"].items():
        detail = f"  {row['errors_by_status']}" if row["errors"] else ""
        print(
            f"{title:<15} {row['count']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} "
            f"{row['p99_ms']:>8} {row['errors']:>7}{detail}"
        )
    answered = sum(row["count"] - row["errors"] for row in report["endpoints"].values())
    print(
        f"answered 2xx: {answered} of {sum(row['count'] for row in report['endpoints'].values())}"
        f" ({answered / max(report['window_s'], 1):.1f}/s over {report['window_s']} s); "
        f"requests failed over to the other port: {report['failovers']}"
    )
    print("all requests by when they finished (s from the start of the load):")
    for row in report["latency_over_time"]:
        print(
            f"  {row['from_s']:>4} s  {row['requests']:>5} requests  p50 {row['p50_ms']:>8} ms  "
            f"p95 {row['p95_ms']:>8} ms  errors {row['errors']}"
        )
    print("jobs:")
    for name, job in report["jobs"].items():
        print(f"  {name:<7} {job}")
    print("duplicates: " + json.dumps(report["duplicates"]))
    print("webhooks: " + json.dumps(report["webhooks"]))
    print(f"{'process':<10} {'start pid':>9} {'start MB':>9} {'end pid':>8} {'end MB':>8} "
          f"{'change':>7} {'peak MB':>8}")  # fmt: skip
    for name, rss in report["rss"].items():
        start, end, peak = rss.get("start"), rss.get("end"), rss.get("peak")
        change = (
            f"{(end[1] - start[1]) / start[1]:+.0%}"
            if start and end and start[0] == end[0] and start[1]
            else "restarted"
        )
        cells = [
            f"{start[0]:>9} {start[1] / 1024:>9.0f}" if start else f"{'-':>9} {'-':>9}",
            f"{end[0]:>8} {end[1] / 1024:>8.0f}" if end else f"{'-':>8} {'-':>8}",
        ]
        peak_mb = f"{peak[1] / 1024:>8.0f}" if peak else f"{'-':>8}"
        print(f"{name:<10} {' '.join(cells)} {change:>7} {peak_mb}")
    print("RSS by process tree, MB, every minute (restarts show as a new start):")
    names = list(report["rss"])
    print("  " + f"{'t s':>5} " + " ".join(f"{name:>9}" for name in names))
    step = max(1, round(60 / 5))
    for sample in report["rss_series_mb"][::step] + report["rss_series_mb"][-1:]:
        cells = " ".join(f"{sample.get(name, '-'):>9}" for name in names)
        print(f"  {sample['t_s']:>5} {cells}")
    if cpu := report.get("cpu_s"):
        parts = {name: seconds for name, seconds in cpu.items() if name != "machine"}
        print(
            f"CPU seconds over the load ({cpu['machine']:.0f} s used of the cores' "
            f"{os.cpu_count() * report['duration_s']:.0f}; a killed or restarted process's "
            "share before that is not counted): "
            + ", ".join(f"{name} {seconds:.0f}" for name, seconds in parts.items())
            + f", other {cpu['machine'] - sum(parts.values()):.0f}"
        )
    machine = report["machine"]
    print(
        f"machine during the load: load average {machine['load_average_mean']} on average "
        f"(max {machine['load_average_max']:.1f}), all cores {machine['busy_mean']:.0%} busy"
    )
    print("timeline:")
    for line in report["timeline"]:
        print(f"  {line}")
    print("result:", "PASS" if not report["problems"] else "FAIL: " + "; ".join(report["problems"]))


def problems_of(report: dict) -> list[str]:
    problems = []
    for name, job in report["jobs"].items():
        if job.get("status") != "done":
            problems.append(f"{name} job {job.get('status')}")
    for name, figures in report["duplicates"].items():
        if figures.get("duplicates"):
            problems.append(f"{figures['duplicates']} duplicate {name} rows")
    hooks = report["webhooks"]
    if hooks["undelivered"]:
        problems.append(f"{hooks['undelivered']} webhook events never delivered")
    if hooks["bad_signatures"]:
        problems.append(f"{hooks['bad_signatures']} bad signatures")
    for name, rss in report["rss"].items():
        start, end = rss.get("start"), rss.get("end")
        if start and end and start[0] == end[0] and end[1] > start[1] * 1.2:
            problems.append(f"{name} RSS grew {(end[1] - start[1]) / start[1]:+.0%}")
    return problems


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--rate", type=float, default=100, help="requests per second")
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="verdicts seeded")
    parser.add_argument("--import-articles", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--receiver", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(int(args.receiver[0]), Path(args.receiver[1]))
        return 0
    if args.duration + 120 > HARD_LIMIT_S:
        parser.error(f"--duration leaves no time for setup and drain within {HARD_LIMIT_S} s")

    began = time.monotonic()
    # The hard bound: SIGALRM unwinds like Ctrl-C, through the finally blocks below.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("hard time limit reached"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    signal.alarm(HARD_LIMIT_S)
    sys.path.insert(0, str(ROOT))
    parts = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x")
    admin_url = parts._replace(path="/postgres").geturl()
    database_url = parts._replace(path=f"/{DATABASE}").geturl()
    scratch = Path(tempfile.mkdtemp(prefix="soak-"))
    media_root = scratch / "media"
    env = {
        **os.environ,
        **APP_ENV,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "soak-only-not-secret",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "WEBHOOK_QUEUE": "webhooks",
        "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "1",  # the receiver is on 127.0.0.1
        "MEDIA_ROOT": str(media_root),
        "EXPORT_JOB_THRESHOLD": str(max(1, args.export_rows // 2)),
        "WEB_CONCURRENCY": "2",
        # docs/deploy.md: a pool process past its steady state (~105 MB here) plus headroom
        # after a job is replaced, rather than keeping the job's memory.
        "WORKER_MAX_MEMORY_MB": "200",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }
    for name in ("DEBUG", "DJANGO_DEBUG", "JOBS_RUN_INLINE"):
        env.pop(name, None)
    os.environ.clear()
    os.environ.update(env)

    import redis
    from psycopg import sql

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
    run_sql(admin_url, drop)
    run_sql(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    for url in (REDIS_URL, BROKER_URL):
        redis.Redis.from_url(url).flushdb()  # our own two databases: last run's queues go
    soak = Soak(args, scratch)
    soak.hard_deadline = began + HARD_LIMIT_S
    try:
        import django

        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        log(f"database {DATABASE}: migrated in {time.perf_counter() - started:.1f} s")
        articles = -(-args.export_rows // (SPANS_PER_ARTICLE * REVIEWERS))
        setup = generate(
            argparse.Namespace(
                articles=articles, chars=2_000, spans_per_article=SPANS_PER_ARTICLE,
                reviewers=REVIEWERS, pool=200, reviewed=0.0, seed=2021,
            )
        )  # fmt: skip
        from corpus.models import Article

        first_new_article = (
            Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        corpus = scratch / "import.jsonl"
        write_corpus(corpus, articles=args.import_articles, chars=1_000, seed=16)
        connections.close_all()
        log(
            f"setup done in {time.monotonic() - began:.0f} s; "
            f"import file {corpus.stat().st_size / 1e6:.0f} MB"
        )

        secret_holder: dict = {}
        soak.define_services(env)
        outcome = asyncio.run(register_and_run(soak, setup, corpus, secret_holder))
        results = outcome["results"]
        from annotate.models import Job

        jobs = {}
        for name, watch in soak.jobs.items():
            job = Job.objects.filter(pk=watch.state.get("id")).first()
            if job is None:
                jobs[name] = {"status": "not started"}
                continue
            jobs[name] = {
                "id": job.pk,
                "status": job.status,
                "attempts": job.attempts,
                "done": job.done,
                "total": job.total,
                "seconds_from_request": round(watch.finished_at - watch.started_at, 1)
                if watch.finished_at
                else None,
                "error": job.error[:200],
            }
        report = {
            "duration_s": args.duration,
            "rate": args.rate,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "endpoints": endpoint_figures(results),
            "window_s": round(outcome["window_s"], 1),
            "failovers": outcome["failovers"],
            "latency_over_time": latency_over_time(
                results, outcome["began"], max(10.0, args.duration / 10)
            ),
            "jobs": jobs,
            "duplicates": {
                "export": export_duplicates(soak.jobs["export"].state, media_root)
                if "export" in soak.jobs and soak.jobs["export"].state
                else {},
                "import": import_duplicates(setup.project_id, first_new_article),
            },
            "webhooks": webhook_figures(secret_holder["endpoint"], soak.receipts),
            "rss": {name: service.rss_kb for name, service in soak.services.items()},
            "rss_series_mb": soak.rss_series,
            "cpu_s": soak.cpu,
            "machine": {
                "load_average_mean": round(
                    sum(m["load_average"] for m in soak.machine) / max(1, len(soak.machine)), 1
                ),
                "load_average_max": max((m["load_average"] for m in soak.machine), default=0),
                "busy_mean": round(
                    sum(m["busy"] for m in soak.machine) / max(1, len(soak.machine)), 2
                ),
                "series": soak.machine,
            },
            "sweeps": soak.sweeps,
            "timeline": soak.events,
        }
        report["problems"] = problems_of(report)
        print_report(report)
        report_server_times(scratch / "access.log")
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str))
        return 1 if report["problems"] else 0
    finally:
        signal.alarm(0)
        soak.stop_all()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            run_sql(admin_url, drop)
        log(f"processes stopped{'' if args.keep else ', database dropped'}; logs in {scratch}")


async def register_and_run(soak: Soak, setup, corpus: Path, holder: dict) -> dict:
    """Register the receiver's endpoint through the API (its secret comes back), then run."""
    web1 = soak.services["web1"]
    web1.start()
    await soak.wait_web("web1")
    client = SpreadClient(WEB_PORTS[:1])
    status, body = await api(
        client,
        "POST",
        f"/api/v1/projects/{setup.project_id}/webhooks/",
        setup.readers[0],
        {
            "url": f"http://127.0.0.1:{RECEIVER_PORT}/hook",
            "events": ["verdict.submitted", "span.created", "job.finished"],
            "description": "soak receiver",
        },
    )
    client.close()
    if status != 201:
        raise RuntimeError(f"webhook endpoint refused: {status} {body}")
    holder["endpoint"] = body["id"]
    soak.services["receiver"].env["SOAK_WEBHOOK_SECRET"] = body["secret"]
    for name, service in soak.services.items():
        if name != "web1":
            service.start()
    return await run(soak, setup, corpus)


if __name__ == "__main__":
    sys.exit(main())
