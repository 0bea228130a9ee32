"""`make serve`'s gunicorn settings (config/gunicorn.py) let a slow client finish a long streamed
export (issue 13): a sync worker heartbeats only between requests, and was killed at the timeout
mid-download. This starts gunicorn itself on a free port, with a 3 s timeout, over a throwaway
SQLite file, and reads a ~12 MB export at ~1.5 MB/s through a small receive buffer: the server
stays blocked in its writes for several seconds past the timeout."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

TIMEOUT_S = 3
ARTICLES = 400
BODY_CHARS = 30_000  # 400 x 30,000 = 12 MB: well past the kernel's socket buffers
READ_BYTES_PER_S = 1_500_000

SETUP = f"""
from accounts.services import token_create
from annotate.models import Membership, Project
from annotate.projects.scales import PRESETS
from corpus.models import Article
from corpus.text import content_hash
from django.contrib.auth import get_user_model

editor = get_user_model().objects.create(username="editor")
project = Project.objects.create(
    name="Slow", slug="slow", scale_preset="politifact",
    scale=PRESETS["politifact"].as_scale(), scale_is_ordinal=True,
)
Membership.objects.create(project=project, user=editor, role="editor")
filler = "Leaders met and agreed to keep talking. " * ({BODY_CHARS} // 40)
bodies = [f"Article {{n}}. {{filler}}" for n in range({ARTICLES})]
articles = Article.objects.bulk_create(
    Article(title=f"Article {{n}}", body=body, raw_text=body, content_hash=content_hash(body),
            origin=f"a-{{n}}.txt", language="en")
    for n, body in enumerate(bodies)
)
project.articles.add(*articles)
print("SERVE-TEST", project.pk, token_create(user=editor, name="slow reader")[1])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(port: int, server: subprocess.Popen, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited: {server.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


def _serving_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A migrated throwaway SQLite site's environment, one gunicorn worker, DEBUG off."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "GUNICORN_THREADS"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "serve-test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        **settings,
    }
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def _gunicorn(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """`make serve`'s gunicorn (config/gunicorn.py) on a free port; its process and port."""
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return server, port


class SmallBufferConnection(http.client.HTTPConnection):
    """A connection whose receive buffer is small, so the server's writes block on the reader."""

    def connect(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)
        self.sock.settimeout(60)
        self.sock.connect((self.host, self.port))


def test_slow_reader_gets_the_whole_streamed_export_past_the_worker_timeout(tmp_path: Path):
    env = _serving_env(tmp_path, GUNICORN_TIMEOUT=str(TIMEOUT_S))
    made = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SETUP],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    marked = next(line for line in made.stdout.splitlines() if line.startswith("SERVE-TEST "))
    _, project_id, token = marked.split()
    server, port = _gunicorn(env)
    try:
        _wait_until_listening(port, server)
        connection = SmallBufferConnection("127.0.0.1", port)
        connection.request(
            "GET",
            f"/api/v1/projects/{project_id}/export/?format=native",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        assert response.status == 200
        received = bytearray()
        started = time.monotonic()
        try:
            while chunk := response.read(READ_BYTES_PER_S // 10):
                received += chunk
                time.sleep(0.1)
        except http.client.IncompleteRead:
            # What a sync worker does (GUNICORN_THREADS=1 turns gthread back into sync).
            pytest.fail(f"download cut after {len(received):,} bytes: the worker was killed")
        elapsed_s = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)  # only the server this test started
        _, log = server.communicate(timeout=30)
    assert elapsed_s > 2 * TIMEOUT_S, f"read in {elapsed_s:.1f} s: not slow enough to prove it"
    lines = received.decode("utf-8").splitlines()
    assert len(lines) == 1 + ARTICLES  # the project line, then every article: nothing cut
    assert lines[-1].startswith('{"article":')
    assert "Using worker: gthread" in log
    assert "WORKER TIMEOUT" not in log


def _workers(master: subprocess.Popen) -> set[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def test_a_worker_that_took_a_large_body_is_replaced_after_answering(tmp_path: Path):
    """Its memory stayed 115-210 MB larger for good (bench/soak.py); the next worker starts
    afresh. A small body changes nothing."""
    server, port = _gunicorn(_serving_env(tmp_path))

    def post(body: bytes) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/api/v1/articles/", body, {"Content-Type": "application/json"})
        status = connection.getresponse().status
        connection.close()
        return status

    try:
        _wait_until_listening(port, server)
        first = _workers(server)
        assert post(b"{}") == 401  # anonymous: refused, a small body
        time.sleep(1)
        assert _workers(server) == first
        large = b'{"title": "' + b"x" * 1_200_000 + b'"}'
        assert post(large) == 401  # answered first
        deadline = time.monotonic() + 30
        while (_workers(server) in (first, set())) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _workers(server) and not _workers(server) & first
        _wait_until_listening(port, server)
        assert post(b"{}") == 401  # the new worker serves
    finally:
        server.send_signal(signal.SIGTERM)  # only the server this test started
        _, log = server.communicate(timeout=30)
    assert f"Replacing the worker after a {len(large)}-byte request" in log
