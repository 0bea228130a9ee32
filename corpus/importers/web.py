"""Articles from web pages named by URL: fetched by corpus.fetch (which refuses internal
addresses), extracted like an uploaded HTML file."""

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.conf import settings
from trafilatura.utils import decode_file

from corpus.fetch import FetchRefused, page_fetch
from corpus.importers.base import ArticleDraft, ImportFailure, ParseError
from corpus.importers.html import parse_html

PARALLEL_FETCHES = 4


def read_url(url: str) -> ArticleDraft | ImportFailure:
    """The article at `url`: its HTML kept as raw text, the fetched URL as its source URL, and
    a date only if the page states one; or a failure naming the URL."""
    try:
        page = page_fetch(url)
    except FetchRefused as error:
        return ImportFailure(url, str(error))
    # A body that is itself gzip is decompressed no further than the fetch cap.
    raw = decode_file(page.content, max_size=settings.FETCH_MAX_BYTES)
    try:
        draft = parse_html(raw, origin=page.url)
    except ParseError as error:
        return ImportFailure(url, str(error))
    # The page's own canonical URL is its claim; the URL fetched is what the HTML came from.
    return replace(draft, source_url=page.url, location=url)


def read_urls(urls: Iterable[str]) -> Iterator[ArticleDraft | ImportFailure]:
    """read_url for each URL, in order, several fetched at a time: one request must not wait out
    every slow site's timeouts in turn."""
    with ThreadPoolExecutor(max_workers=PARALLEL_FETCHES, thread_name_prefix="fetch") as pool:
        yield from pool.map(read_url, urls)
