"""A web site on 127.0.0.1 for tests of fetching by URL: `LocalSite.page(path, ...)` sets what a
path answers; the server runs in a thread for the test's duration."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: bytes


class LocalSite:
    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        # Answers given once each, in order, before the path's lasting one (a 500, then 200).
        self.queued: dict[str, list[Answer]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.posts: list[Posted] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                site.posts.append(Posted(self.path, dict(self.headers.items()), body))
                self.do_GET()

            def do_GET(self):
                site.requests.append((self.path, self.headers.get("Host", "")))
                queued = site.queued.get(self.path)
                if queued:
                    answer = queued.pop(0)
                else:
                    answer = site.answers.get(self.path, Answer(status=404, body=b"not here"))
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                self.send_response(answer.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def page(self, path: str, body: str | bytes = b"", **fields) -> str:
        """Serve `body` (or a redirect, status...) at `path`; the page's full URL."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        self.answers[path] = Answer(body=raw, **fields)
        return self.url + path

    def then(self, path: str, *answers: Answer) -> None:
        """Answer the next requests to `path` with these, once each, before its page."""
        self.queued.setdefault(path, []).extend(answers)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.page(path, status=status, headers={"Location": location})

    def __enter__(self) -> "LocalSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def article_page(title: str, paragraphs: list[str], *, canonical: str = "") -> str:
    """An HTML news page trafilatura extracts: a title, paragraphs, site chrome around them."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{link}</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>© Local News</footer></body></html>"
    )
