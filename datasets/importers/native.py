"""Native JSONL (FORMATS.md §4a; written by datasets.exporters.native) read into records.

Line 1 describes the project: scale, settings, `people` (in the order an import must create them
so that pseudonyms come out the same) and `members`. Claim lines follow (stored after the
articles, their appearances and match decisions read from the spans). Every further line is
one article with its spans, verdicts (sources inside), comments and adjudication. Offsets are
code points of the body; each span's `quote` is checked against them (and the offsets read again
as UTF-16 units should a hand-edited file need it). Everything the exporter writes is kept,
timestamps and verdict versions included, so that exporting an import gives the same bytes; the
`id`s are the export's own and only link verdicts to adjudications, replies to comments and
appearances to claims; span `status` is derived.
"""

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from config.json_input import json_decode, json_error_reason
from datasets.importers.base import (
    MAX_STORED_INT,
    AdjudicationRecord,
    AppearanceRecord,
    ArticleDraft,
    ArticleRecord,
    ClaimLinkRecord,
    ClaimRecord,
    CommentRecord,
    DecisionRecord,
    ImportFailure,
    MemberRecord,
    ParseError,
    ProjectHeader,
    ReviewerRef,
    SourceRecord,
    SpanRecord,
    VerdictRecord,
    is_stored_int,
    json_lines,
    normalisation_note,
    place_span,
)
from datasets.importers.offsets import CanonicalText, OffsetUnit, UnitIndex, read_quoted_span
from datasets.records import NATIVE_STANCES, SCHEMA

# The file's stance words (FORMATS.md §4a) back to the model's; files written before the
# native format followed §4a say `context`, and are still read.
_STANCES = {written: stance for stance, written in NATIVE_STANCES.items()} | {"context": "context"}


def read_native_header(path: Path) -> ProjectHeader:
    """The project line of a native file; raises ParseError naming the file."""
    name = str(path)
    try:
        with path.open("rb") as stream:
            first = stream.readline().decode("utf-8-sig")
    except OSError as error:
        raise ParseError(
            _("%(name)s: cannot read: %(strerror)s") % {"name": name, "strerror": error.strerror}
        ) from error
    except UnicodeDecodeError as error:
        raise ParseError(
            _("%(name)s:1: not UTF-8 text (offset %(start)s)")
            % {"name": name, "start": error.start}
        ) from error
    try:
        entry = json_decode(first)
    except json.JSONDecodeError as error:
        raise ParseError(
            _("%(name)s:1: %(json_error_reason)s")
            % {"name": name, "json_error_reason": json_error_reason(error)}
        ) from None
    try:
        _check_schema(entry)
        if entry.get("type") != "project":
            raise ParseError(_("the first line must be the project line"))
        return _header(_object(entry, "project"))
    except ParseError as error:
        raise ParseError(_("%(name)s:1: %(error)s") % {"name": name, "error": error}) from None


def read_native(path: Path) -> Iterator[ArticleRecord | ClaimRecord | ImportFailure]:
    """Records for the claim and article lines of one file, failures naming `file:line`."""
    for line in json_lines(path):
        if isinstance(line, ImportFailure):
            yield line
            continue
        try:
            entry = line.value
            _check_schema(entry)
            if entry.get("type") == "project":
                if line.number != 1:
                    raise ParseError(_("a project line after the first line"))
                continue
            if entry.get("type") == "claim":
                yield _claim(_object(entry, "claim"), location=line.location)
                continue
            if entry.get("type") != "article":
                raise ParseError(_("unknown line type %(get)r") % {"get": entry.get("type")})
            yield _article(entry, location=line.location, origin=path.name)
        except ParseError as error:
            yield ImportFailure(line.location, str(error))


def _check_schema(entry: Any) -> None:
    if not isinstance(entry, dict):
        raise ParseError(_("a line must be a JSON object"))
    if entry.get("schema") != SCHEMA:
        raise ParseError(
            _("'schema' must be %(schema)r, got %(get)r")
            % {"schema": SCHEMA, "get": entry.get("schema")}
        )


def _header(project: dict) -> ProjectHeader:
    scale = _object(project, "scale")
    labels = scale.get("labels")
    if not isinstance(labels, list) or not all(isinstance(entry, dict) for entry in labels):
        raise ParseError(_("'project.scale.labels' must be a list of objects"))
    settings = project.get("settings") or {}
    if not isinstance(settings, dict):
        raise ParseError(_("'project.settings' must be an object"))
    members = project.get("members") or []
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise ParseError(_("'project.members' must be a list of objects"))
    return ProjectHeader(
        slug=_text(project, "id", where="project", required=True),
        name=_text(project, "name", where="project", required=True),
        scale=labels,
        description=_text(project, "description", where="project"),
        scale_preset=str(scale.get("preset") or ""),
        scale_is_ordinal=scale.get("ordinal") is True,
        settings=settings,
        created_at=_timestamp(project.get("created_at"), "project.created_at"),
        people=tuple(_strings(project, "people", where="project")),
        members=tuple(
            MemberRecord(
                person=_text(member, "person", where="project.members", required=True),
                role=_text(member, "role", where="project.members", required=True),
                joined_at=_timestamp(member.get("joined_at"), "project.members.joined_at"),
            )
            for member in members
        ),
    )


def _article(entry: dict, *, location: str, origin: str) -> ArticleRecord:
    article = _object(entry, "article")
    body = _text(article, "body", where="article", required=True)
    text = CanonicalText(body)
    record = ArticleRecord(
        location=location,
        draft=ArticleDraft(
            title=_text(article, "title", where="article", required=True),
            subtitle=_text(article, "subtitle", where="article"),
            body=body,
            raw_text=body,
            origin=_text(article, "origin", where="article") or origin,
            authors=tuple(_strings(article, "authors", where="article")),
            publisher=_text(article, "publisher", where="article"),
            published_on=_date(article.get("published_on"), "article.published_on"),
            source_url=_text(article, "url", where="article"),
            language=_text(article, "language", where="article"),
            location=location,
        ),
        notes=normalisation_note(text),
    )
    units = UnitIndex(body)
    spans = entry.get("spans") or []
    if not isinstance(spans, list):
        raise ParseError(_("'spans' must be a list"))
    record.spans = [_span(given, n, text, units, record.notes) for n, given in enumerate(spans)]
    return record


def _span(
    given: Any, number: int, text: CanonicalText, units: UnitIndex, notes: list[str]
) -> SpanRecord:
    where = f"spans[{number}]"
    if not isinstance(given, dict):
        raise ParseError(_("%(where)s must be a JSON object") % {"where": where})
    start, end = given.get("start"), given.get("end")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
        raise ParseError(_("%(where)s: 'start' and 'end' must be integers") % {"where": where})
    quote = _text(given, "quote", where=where, required=True)
    orphaned = given.get("orphaned") is True
    if orphaned:
        # Its quote is no longer in the body at these offsets: they are kept as they were.
        if not 0 <= start < end <= MAX_STORED_INT:
            raise ParseError(
                _("%(where)s: needs 0 <= start < end, got [%(start)s, %(end)s]")
                % {"where": where, "start": start, "end": end}
            )
        placed = (start, end, quote)
    else:
        reading = read_quoted_span(units, start, end, quote)
        if reading is None:
            raise ParseError(
                _("%(where)s: [%(start)s, %(end)s] does not hold the span's quote")
                % {"where": where, "start": start, "end": end}
            )
        if reading[2] is OffsetUnit.UTF16:
            notes.append(
                _("%(where)s: [%(start)s, %(end)s] were UTF-16 units; converted")
                % {"where": where, "start": start, "end": end}
            )
        placed = place_span(text, reading[0], reading[1], where=where, notes=notes)
    verdicts = given.get("verdicts") or []
    if not isinstance(verdicts, list):
        raise ParseError(_("%(where)s: 'verdicts' must be a list") % {"where": where})
    anchor_errors = given.get("anchor_errors") or 0
    if not is_stored_int(anchor_errors, minimum=0):
        raise ParseError(_("%(where)s: 'anchor_errors' must be a whole number") % {"where": where})
    creator = given.get("created_by")
    return SpanRecord(
        start=placed[0],
        end=placed[1],
        quote=placed[2],
        verdicts=[_verdict(v, f"{where}.verdicts[{n}]") for n, v in enumerate(verdicts)],
        claimant=_text(given, "claimant", where=where),
        note=_text(given, "note", where=where),
        created_by=_reviewer(creator, f"{where}.created_by") if creator is not None else None,
        orphaned=orphaned,
        prefix=given["prefix"] if isinstance(given.get("prefix"), str) else None,
        suffix=given["suffix"] if isinstance(given.get("suffix"), str) else None,
        anchor_errors=anchor_errors,
        created_at=_timestamp(given.get("created_at"), f"{where}.created_at"),
        comments=_comments(given.get("comments"), f"{where}.comments"),
        adjudication=_adjudication(given.get("adjudication"), f"{where}.adjudication"),
        appearance=_appearance(given.get("appearance"), f"{where}.appearance"),
        decisions=_decisions(given.get("match_decisions"), f"{where}.match_decisions"),
    )


def _claim(claim: dict, *, location: str) -> ClaimRecord:
    where = "claim"
    verdict = claim.get("verdict")
    if verdict is not None and not isinstance(verdict, dict):
        raise ParseError("'claim.verdict' must be a JSON object or null")
    verdict = verdict or {}
    comments = claim.get("comments") or []
    links = claim.get("links") or []
    if not isinstance(comments, list) or not all(isinstance(c, dict) for c in comments):
        raise ParseError("'claim.comments' must be a list of objects")
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        raise ParseError("'claim.links' must be a list of objects")
    return ClaimRecord(
        location=location,
        ref=_text(claim, "id", where=where, required=True),
        text=_text(claim, "text", where=where, required=True),
        claimant=_text(claim, "claimant", where=where),
        language=_text(claim, "language", where=where),
        fresh_reviews=claim.get("fresh_reviews") is True,
        created_by=_reviewer(claim.get("created_by"), "claim.created_by"),
        created_at=_timestamp(claim.get("created_at"), "claim.created_at"),
        updated_at=_timestamp(claim.get("updated_at"), "claim.updated_at"),
        verdict_label=_text(verdict, "label", where="claim.verdict"),
        verdict_rationale=_text(verdict, "rationale", where="claim.verdict"),
        verdict_origin=_text(verdict, "origin", where="claim.verdict"),
        verdict_by=_maybe_reviewer(verdict.get("by"), "claim.verdict.by"),
        verdict_at=_timestamp(verdict.get("set_at"), "claim.verdict.set_at"),
        comments=tuple(
            (
                _reviewer(c.get("author"), f"claim.comments[{n}]"),
                _text(c, "body", where=f"claim.comments[{n}]", required=True),
                _timestamp(c.get("created_at"), f"claim.comments[{n}].created_at"),
            )
            for n, c in enumerate(comments)
        ),
        links=tuple(
            ClaimLinkRecord(
                project=_text(link, "project", where=f"claim.links[{n}]", required=True),
                claim=_text(link, "claim", where=f"claim.links[{n}]", required=True),
                text=_text(link, "text", where=f"claim.links[{n}]"),
                by=_reviewer(link.get("by"), f"claim.links[{n}].by"),
                at=_timestamp(link.get("at"), f"claim.links[{n}].at"),
            )
            for n, link in enumerate(links)
        ),
        decisions=tuple(_decisions(claim.get("decisions"), "claim.decisions")),
    )


def _appearance(given: Any, where: str) -> AppearanceRecord | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        raise ParseError(f"{where} must be a JSON object or null")
    score = given.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise ParseError(f"{where}: 'score' must be a number or null")
    return AppearanceRecord(
        claim=_text(given, "claim", where=where, required=True),
        method=_text(given, "method", where=where, required=True),
        by=_maybe_reviewer(given.get("by"), f"{where}.by"),
        at=_timestamp(given.get("at"), f"{where}.at"),
        score=score,
        reused_by=_maybe_reviewer(given.get("reused_by"), f"{where}.reused_by"),
        reused_at=_timestamp(given.get("reused_at"), f"{where}.reused_at"),
        settles_claim=given.get("settles_claim") is True,
    )


def _decisions(given: Any, where: str) -> list[DecisionRecord]:
    if not given:
        return []
    if not isinstance(given, list):
        raise ParseError(f"{where} must be a list")
    decisions = []
    for number, decision in enumerate(given):
        path = f"{where}[{number}]"
        if not isinstance(decision, dict):
            raise ParseError(f"{path} must be a JSON object")
        scores = decision.get("scores") or {}
        if not isinstance(scores, dict):
            raise ParseError(f"{path}: 'scores' must be an object")
        decisions.append(
            DecisionRecord(
                claim=_text(decision, "claim", where=path, required=True),
                decision=_text(decision, "decision", where=path, required=True),
                by=_maybe_reviewer(decision.get("by"), f"{path}.by"),
                at=_timestamp(decision.get("at"), f"{path}.at"),
                span_text=_text(decision, "span_text", where=path),
                claim_text=_text(decision, "claim_text", where=path),
                scores=scores,
            )
        )
    return decisions


def _maybe_reviewer(value: Any, where: str) -> ReviewerRef | None:
    return None if value is None else _reviewer(value, where)


def _verdict(given: Any, where: str) -> VerdictRecord:
    if not isinstance(given, dict):
        raise ParseError(_("%(where)s must be a JSON object") % {"where": where})
    status = given.get("status", "submitted")
    if status not in {"submitted", "draft"}:
        raise ParseError(_("%(where)s: 'status' must be submitted or draft") % {"where": where})
    confidence = given.get("confidence")
    if confidence is not None and not (isinstance(confidence, int) and 1 <= confidence <= 5):
        raise ParseError(_("%(where)s: 'confidence' must be 1 to 5 or null") % {"where": where})
    version = given.get("version", 1)
    if not is_stored_int(version, minimum=1):
        raise ParseError(
            _("%(where)s: 'version' must be a positive whole number") % {"where": where}
        )
    sources = given.get("sources") or []
    if not isinstance(sources, list):
        raise ParseError(_("%(where)s: 'sources' must be a list") % {"where": where})
    return VerdictRecord(
        reviewer=_reviewer(given.get("reviewer"), where),
        label=_text(given, "label", where=where),
        rationale=_text(given, "rationale", where=where),
        status=status,
        confidence=confidence,
        submitted_at=_timestamp(given.get("submitted_at"), f"{where}.submitted_at"),
        sources=tuple(_source(s, f"{where}.sources[{n}]") for n, s in enumerate(sources)),
        where=where,
        ref=str(given.get("id") or ""),
        version=version,
        created_at=_timestamp(given.get("created_at"), f"{where}.created_at"),
        updated_at=_timestamp(given.get("updated_at"), f"{where}.updated_at"),
    )


def _source(given: Any, where: str) -> SourceRecord:
    if not isinstance(given, dict):
        raise ParseError(_("%(where)s must be a JSON object") % {"where": where})
    stance = given.get("stance") or "context"
    if stance not in _STANCES:
        raise ParseError(
            _("%(where)s: 'stance' must be supports, refutes or neutral") % {"where": where}
        )
    return SourceRecord(
        url=_text(given, "url", where=where, required=True),
        title=_text(given, "title", where=where),
        excerpt=_text(given, "excerpt", where=where),
        stance=_STANCES[stance],
        accessed_on=_date(given.get("accessed_on"), f"{where}.accessed_on"),
    )


def _comments(given: Any, where: str) -> list[CommentRecord]:
    """Comments in file order; a reply names the `id` of an earlier comment as its `parent`."""
    if not given:
        return []
    if not isinstance(given, list):
        raise ParseError(_("%(where)s must be a list") % {"where": where})
    comments: list[CommentRecord] = []
    refs: set[str] = set()
    for number, comment in enumerate(given):
        path = f"{where}[{number}]"
        if not isinstance(comment, dict):
            raise ParseError(_("%(path)s must be a JSON object") % {"path": path})
        parent = comment.get("parent")
        if parent is not None and parent not in refs:
            raise ParseError(
                _("%(path)s: replies to %(parent)r, which no earlier comment is")
                % {"path": path, "parent": parent}
            )
        ref = str(comment.get("id") or "")
        refs.add(ref)
        comments.append(
            CommentRecord(
                author=_reviewer(comment.get("author"), path),
                body=_text(comment, "body", where=path, required=True),
                created_at=_timestamp(comment.get("created_at"), f"{path}.created_at"),
                ref=ref,
                parent=parent or "",
            )
        )
    return comments


def _adjudication(given: Any, where: str) -> AdjudicationRecord | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        raise ParseError(_("%(where)s must be a JSON object or null") % {"where": where})
    considered = given.get("considered")
    if considered is not None and (
        not isinstance(considered, list) or not all(isinstance(ref, str) for ref in considered)
    ):
        raise ParseError(
            _("%(where)s: 'considered' must be a list of verdict ids") % {"where": where}
        )
    return AdjudicationRecord(
        editor=_reviewer(given.get("by"), where),
        label=_text(given, "label", where=where, required=True),
        rationale=_text(given, "rationale", where=where),
        decided_at=_timestamp(given.get("decided_at"), f"{where}.decided_at"),
        updated_at=_timestamp(given.get("updated_at"), f"{where}.updated_at"),
        considered=None if considered is None else tuple(considered),
    )


def _reviewer(value: Any, where: str) -> ReviewerRef:
    if not isinstance(value, str) or not value.strip():
        raise ParseError(_("%(where)s: names no person") % {"where": where})
    return ReviewerRef(pseudonym=value.strip())


def _object(entry: dict, name: str) -> dict:
    value = entry.get(name)
    if not isinstance(value, dict):
        raise ParseError(_("'%(name)s' must be a JSON object") % {"name": name})
    return value


def _text(given: dict, name: str, *, where: str, required: bool = False) -> str:
    value = given.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        wanted = "a non-empty string" if required else "a string"
        raise ParseError(
            _("'%(where)s.%(name)s' must be %(wanted)s")
            % {"where": where, "name": name, "wanted": wanted}
        )
    return value


def _strings(given: dict, name: str, *, where: str) -> list[str]:
    value = given.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ParseError(
            _("'%(where)s.%(name)s' must be a list of strings") % {"where": where, "name": name}
        )
    return value


def _date(value: Any, name: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ParseError(
            _("'%(name)s' must be an ISO date or null, got %(value)r")
            % {"name": name, "value": value}
        ) from None


def _timestamp(value: Any, name: str) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ParseError(
            _("'%(name)s' must be an ISO timestamp or null, got %(value)r")
            % {"name": name, "value": value}
        ) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.UTC)
