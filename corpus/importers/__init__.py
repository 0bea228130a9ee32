"""Turn files into article drafts: one parser module per format, chosen by name or by content."""

import glob
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from corpus.importers.base import ArticleDraft, ImportFailure, ParseError

FORMATS = ("auto", "text", "html", "jsonl")
_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".html": "html", ".htm": "html"}
_IMPORTABLE_SUFFIXES = {".txt", ".md", ".markdown", ".text", *_SUFFIX_FORMATS}


def _document_parsers() -> dict[str, Callable[..., ArticleDraft]]:
    # Imported lazily: trafilatura takes a second to load and most runs only read text or JSONL.
    from corpus.importers.html import parse_html
    from corpus.importers.scraped_text import parse_scraped_text

    return {"text": parse_scraped_text, "html": parse_html}


def expand_paths(paths: Sequence[str]) -> tuple[list[Path], list[ImportFailure]]:
    """Files named directly, found in folders (recursively) or matched by globs, each once."""
    files: dict[Path, None] = {}
    missing: list[ImportFailure] = []
    for given in paths:
        matches = [Path(m) for m in sorted(glob.glob(given, recursive=True))] or [Path(given)]
        for path in matches:
            if path.is_dir():
                files.update(dict.fromkeys(_importable_files_in(path)))
            elif path.is_file():
                files[path] = None
            else:
                missing.append(ImportFailure(given, _("no such file or folder")))
    return list(files), missing


def _importable_files_in(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in _IMPORTABLE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def detect_format(path: Path, head: str) -> str:
    """The format a file is in, from its suffix, else from how it starts."""
    if path.suffix.lower() in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[path.suffix.lower()]
    start = head.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html")):
        return "html"
    if start.startswith("{"):
        return "jsonl"
    return "text"


def _head(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return stream.read(1000).decode("utf-8", errors="replace")
    except OSError:
        return ""


def utf8_lines(path: Path, name: str) -> Iterator[str | ImportFailure]:
    """A file's lines, read as a stream so memory stays flat however long the file is.

    Split on b"\n" only: str.splitlines() would also break JSON strings holding U+2028.
    """
    try:
        with path.open("rb") as stream:
            yield from decoded_lines(stream, name)
    except OSError as error:
        yield ImportFailure(name, _("cannot read: %(strerror)s") % {"strerror": error.strerror})


def decoded_lines(raw_lines: Iterable[bytes], name: str) -> Iterator[str | ImportFailure]:
    """Each line as text, or a failure naming `name:line` for one that is not UTF-8, so that
    one bad byte fails its line and not the whole input."""
    for number, line in enumerate(raw_lines, start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            yield ImportFailure(f"{name}:{number}", _not_utf8(line, error))


def _not_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    return f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})"


def read_articles(
    path: Path, *, fmt: str = "auto", name: str = ""
) -> Iterator[ArticleDraft | ImportFailure]:
    """Drafts from one file, or failures naming the file (and line, for JSONL) as `name`
    (default: its path)."""
    from corpus.importers.jsonl import parse_jsonl

    name = name or str(path)
    chosen = fmt if fmt != "auto" else detect_format(path, _head(path))
    if chosen == "jsonl":
        yield from parse_jsonl(utf8_lines(path, name), source=name)
        return
    try:
        raw_bytes = path.read_bytes()
    except OSError as error:
        yield ImportFailure(name, _("cannot read: %(strerror)s") % {"strerror": error.strerror})
        return
    try:
        raw = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield ImportFailure(name, _not_utf8(raw_bytes, error))
        return
    try:
        yield _document_parsers()[chosen](raw, origin=path.name)
    except ParseError as error:
        yield ImportFailure(name, str(error))
