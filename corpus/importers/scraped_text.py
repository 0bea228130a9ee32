"""Scraped news pages saved as text/markdown: header lines, article paragraphs, then page trailer.

The rules describe page shapes (Global Research, WordPress blogs, TownNews sites carrying AP copy,
small news sites), not particular pages: a header of title/subtitle/byline/dateline lines, the
article's paragraphs, and a trailer (share prompts, copyright, bio box, comments) that is cut off.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from corpus.importers.base import ArticleDraft, ParseError
from corpus.text import canonical_body, collapse_spaces

# Markdown markup. Inline markup is cleaned per line: scrapers keep each link on one line.
_SEPARATOR = re.compile(r"(?:\\?[-*_=]\s*)+")  # ---, ***, \*\*\*, a lone *
_HEADING = re.compile(r"^#{1,6}\s+|\s+#+$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)")  # text may hold "[1]"
# An unescaped marker pair; underscores only at word edges, so handles like crg_globalresearch stay.
_EMPHASIS = re.compile(r"(?<![\\\w])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=[^\s\\])\1(?!\w)")
_ESCAPE = re.compile(r"\\+([!-/:-@\[-`{-~])")

_SENTENCE_END = re.compile(r"[.!?:;][\u201d\u2019\"')\]]*$")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
    rf"|(?P<dmy_day>\d{{1,2}})\s+(?P<dmy_month>{_MONTH}),?\s+(?P<dmy_year>\d{{4}})"
    r"|(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2}))\b",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# What may sit between a publisher (or nothing) and its date: "Global Research, Tuesday, ".
_DATE_LEAD = re.compile(
    r"(?:[\s,|•:\u2013\u2014-]|\b(?:posted|published|updated|on)\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)*$",
    re.IGNORECASE,
)

_BYLINE = re.compile(r"by\s+(?P<names>.+)", re.IGNORECASE)
_HANDLE = re.compile(r"[a-z0-9][a-z0-9_.-]*")  # a CMS account ("by mcardinal"), not a person
_PERSON = re.compile(
    r"[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|al|bin|da|de|del|der|di|du|la|le|van|von))*"
)
_NAME_SEPARATOR = re.compile(r"\s*(?:,|&|\band\b)\s*")
# "Chris Lange, FISM News": a credit line naming the author and the outlet.
_CREDIT = re.compile(
    r"(?P<name>[A-Z][\w.'\u2019-]+(?:\s+[A-Z][\w.'\u2019-]+){1,3}),\s+"
    r"(?P<publisher>[A-Z0-9][\w&'\u2019-]*(?:\s+[A-Z0-9&][\w.&'\u2019-]*){0,5})"
)

_PHOTO_DESK_SLUG = re.compile(r"\bAPTOPIX\b\s*")  # AP's photo-desk tag on picture stories
_CAPTION = re.compile(
    r"\((?:[\w .&'-]*\bPhoto(?:graph)?s?\b(?:\s*(?:[:/]|by\b)[^()]*)?"
    r"|(?:Reuters|AFP|EPA|UPI|Getty Images|Pool)\s*/[^()]*)\)$"
)
_TAXONOMY = re.compile(
    r"(?:region|theme|in-depth report|tags?|categor(?:y|ies)|filed under|topics?|keywords?):\s",
    re.IGNORECASE,
)
_CHROME = re.compile(
    r"can be read in \d+ languages|\btranslate website\b"
    r"|\b(?:daily|weekly|free|our|email) newsletter\b|^(?:to receive|sign up|subscribe)\b"
    r"|\bclick here\b|\bfollow us on (?:instagram|twitter|facebook|telegram|x|social media)\b"
    r"|^(?:please )?share(?: this)?(?: article| story| post)?(?: on\b| with\b|:|$)",
    re.IGNORECASE,
)
_CHROME_MAX_CHARS = 300  # prompts are short; a long paragraph that mentions one is article text
# The first of these ends the article: everything after it is page furniture or comments.
_TRAILER = re.compile(
    r"note to readers\b|.{0,40}\bclick the share buttons\b|(?:share|like) this:?$"
    r"|this (?:article|story|piece) (?:was )?(?:originally|first) (?:published|posted|appeared)"
    r"|the original source of this article is\b|copyright\s*(?:©|\(c\)|\d{4})|©"
    r"|featured image\b|become a (?:member|patron|subscriber)\b|comment on .{0,80}facebook page"
    r"|disclaimer:|about the author\b|articles by:"
    r"|(?:\(\d+\)|\d+|no) comments?$"
    r"|(?:\d+|one|no) (?:thoughts?|comments?|responses?|replies) (?:on|to)\b"
    r"|leave a (?:reply|comment)\b|welcome to the discussion\b"
    r"|fill in your details below\b|you are commenting using\b",
    re.IGNORECASE,
)
_BIO_FOLLOW_UP = re.compile(r"(?:He|She|They) (?:is|are)(?: also)? an? .*\bcontributor\b")


@dataclass
class _Header:
    """Metadata read from the lines above the article."""

    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    published_on: date | None = None


def parse_scraped_text(raw: str, *, origin: str) -> ArticleDraft:
    """Parse one scraped page (text/markdown) into a draft; ParseError without title or body."""
    header, rest = _read_header(_blocks(raw))
    if not header.title:
        raise ParseError(_("no title: the input has no text"))
    paragraphs = _article_paragraphs(rest, authors=header.authors)
    if not paragraphs:
        raise ParseError(_("no body text after the header"))
    return ArticleDraft(
        title=header.title,
        subtitle=header.subtitle,
        authors=tuple(header.authors),
        publisher=header.publisher,
        published_on=header.published_on,
        body=canonical_body("\n\n".join(paragraphs)),
        raw_text=raw,
        origin=origin,
    )


def _blocks(raw: str) -> list[list[str]]:
    """Blank-line separated blocks of cleaned, non-empty lines."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [cleaned for line in chunk.split("\n") if (cleaned := _clean_line(line))]
        if lines:
            blocks.append(lines)
    return blocks


def _clean_line(line: str) -> str:
    """The line's text without markdown markup, escapes, NBSPs or runs of spaces."""
    text = line.strip()
    if _SEPARATOR.fullmatch(text):
        return ""
    text = _LINK.sub(r"\1", _IMAGE.sub("", _HEADING.sub("", text)))
    previous = ""
    while previous != text:  # nested emphasis (**_x_**) needs one pass per level
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return collapse_spaces(_ESCAPE.sub(r"\1", text))


def _read_header(blocks: list[list[str]]) -> tuple[_Header, list[str]]:
    """Consume header lines; return the header and the remaining blocks as paragraphs."""
    header = _Header()
    position = 0
    for index, block in enumerate(blocks):
        for offset, line in enumerate(block):
            if not _take_header_line(header, line, position=position):
                rest = [block[offset:], *blocks[index + 1 :]]
                return header, [" ".join(lines) for lines in rest]
            position += 1
    return header, []


def _take_header_line(header: _Header, line: str, *, position: int) -> bool:
    """Record what a header line says; False once the line is article text."""
    if position == 0:
        header.title = collapse_spaces(_PHOTO_DESK_SLUG.sub("", line))
        return True
    if _TRAILER.match(line):
        return False  # a page with no article: the body reader stops here too
    if _is_chrome(line) or _CAPTION.search(line):
        return True  # dropped; a caption's date is about the photo, never the article
    if _take_byline(header, line) or _take_dateline(header, line):
        return True
    # A credit line is checked before the subtitle: both are short lines without a full stop.
    if not header.authors and (credit := _CREDIT.fullmatch(line)):
        header.authors.append(credit["name"])
        header.publisher = header.publisher or credit["publisher"]
        return True
    if position == 1 and _is_subtitle(line):
        header.subtitle = line
        return True
    return False


def _is_subtitle(line: str) -> bool:
    """A short headline-like line: no sentence-final punctuation, not starting lowercase."""
    return len(line) <= 160 and not line[:1].islower() and not _SENTENCE_END.search(line)


def _take_byline(header: _Header, line: str) -> bool:
    """Read "By Name[, Name and Name][ | date]" into authors; a lone lowercase handle is skipped."""
    match = _BYLINE.fullmatch(line)
    if not match:
        return False
    names, published_on = match["names"], None
    if dated := _DATE.search(names):
        published_on = _date_from(dated)
        names = _DATE_LEAD.sub("", names[: dated.start()])
    people = [name for name in _NAME_SEPARATOR.split(names) if name]
    is_poster = _HANDLE.fullmatch(names) is not None
    if not is_poster and not (people and all(_PERSON.fullmatch(name) for name in people)):
        return False  # "By the end of the year, ..." is a sentence, not a byline
    header.published_on = header.published_on or published_on
    if not is_poster:
        header.authors.extend(name for name in people if name not in header.authors)
    return True


def _take_dateline(header: _Header, line: str) -> bool:
    """Read "[Publisher, ][Posted on ]Month DD, YYYY[ by Name]" into publisher and date."""
    match = _DATE.search(line)
    if not match:
        return False
    publisher = _DATE_LEAD.sub("", line[: match.start()])
    tail = line[match.end() :].strip()
    if len(publisher) > 60 or re.search(r"[.!?;]\s", publisher):
        return False  # a sentence mentioning a date, not a dateline
    if tail and not _take_byline(header, tail):
        return False
    header.publisher = header.publisher or publisher
    header.published_on = header.published_on or _date_from(match)
    return True


def _date_from(match: re.Match[str]) -> date | None:
    """The calendar date a _DATE match names, or None if there is no such day."""
    if match["iso_year"]:
        year, month, day = int(match["iso_year"]), int(match["iso_month"]), int(match["iso_day"])
    else:
        month_name = match["month"] or match["dmy_month"]
        year = int(match["year"] or match["dmy_year"])
        month = _MONTHS.index(month_name[:3].lower()) + 1
        day = int(match["day"] or match["dmy_day"])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _is_chrome(text: str) -> bool:
    """Translation banners, newsletter/follow/share prompts and taxonomy lines."""
    if len(text) > _CHROME_MAX_CHARS:
        return False
    return bool(_CHROME.search(text) or _TAXONOMY.match(text))


def _article_paragraphs(paragraphs: list[str], *, authors: list[str]) -> list[str]:
    """The article's own paragraphs: up to the first trailer marker, without chrome or captions."""
    kept = []
    for paragraph in paragraphs:
        if _TRAILER.match(paragraph):
            break
        if not _is_chrome(paragraph) and not _CAPTION.search(paragraph):
            kept.append(paragraph)
    return _join_split_sentences(_drop_author_bio(kept, authors=authors))


def _drop_author_bio(paragraphs: list[str], *, authors: list[str]) -> list[str]:
    """Without a closing bio box ("<Author> is a/an ...", then "He is a ... contributor")."""
    end = len(paragraphs)
    while end and _BIO_FOLLOW_UP.match(paragraphs[end - 1]):
        end -= 1
    bio_starts = tuple(f"{name} {verb} " for name in authors for verb in ("is a", "is an"))
    if end and bio_starts and paragraphs[end - 1].startswith(bio_starts):
        return paragraphs[: end - 1]
    return paragraphs


def _join_split_sentences(paragraphs: list[str]) -> list[str]:
    """Rejoin sentences the scraper split: an open ending followed by a lowercase start."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and paragraph[:1].islower() and not _SENTENCE_END.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined
