"""Label Studio JSON exports (a list of tasks, FORMATS.md §4b) read into article records.

Reviewers: see `_reviewers`. Adjudications: a ground-truth annotation among annotations that are
not ground truth is the editor's decision (how our export writes one); Label Studio itself marks
every annotation ground truth by default, so when all are, all are verdicts.

Regions: the results of one region share its `id`; a region's verdict label comes from its
per-region `choices` when it has them (then its `labels` only say "this is a claim"), else from
its `labels`. A per-region `textarea` is the rationale. With the project's labelling config
(`<View>` XML) the roles are read from the config instead, so a claim marked with a `Labels`
control but not yet rated becomes a span without a verdict.

Offsets: Label Studio's UI writes code points but its server stores whatever an API client
sends, so every region's `text[start:end]` is checked against its `value.text`; offsets that do
not match are read again as UTF-16 units, and the region is rejected if that fails too.
"""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, ngettext

from datasets.importers.base import (
    AdjudicationRecord,
    ArticleDraft,
    ArticleRecord,
    ImportFailure,
    ParseError,
    PredictionRecord,
    ReviewerRef,
    SpanRecord,
    VerdictRecord,
    normalisation_note,
    place_span,
)
from datasets.importers.json_array import NotAList, RefusedItem, json_array_items
from datasets.importers.label_studio_config import LabelConfig
from datasets.importers.offsets import CanonicalText, OffsetUnit, UnitIndex, read_quoted_span

# Label Studio's own export names the importing server's users by id: they are not our ids, so
# an id becomes this pseudonym (an inactive placeholder user unless one exists by that name).
ID_PSEUDONYM = "ls-{id}"
DEFAULT_MODEL_NAME = "label-studio"
_REGION_TYPES = {"labels", "choices", "textarea"}


@dataclass(slots=True)
class _Region:
    id: str
    start: int | None = None
    end: int | None = None
    text: str | None = None
    labels: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)
    score: float | None = None


def read_label_studio(
    path: Path, *, config: LabelConfig | None = None
) -> Iterator[ArticleRecord | ImportFailure]:
    """Records for the tasks of one export, failures naming `file: tasks[i] (id N)`."""
    name = str(path)
    index = 0
    try:
        for task in json_array_items(path):
            if isinstance(task, NotAList):
                yield ImportFailure(name, gettext("expected a list of tasks"))
                return
            if isinstance(task, RefusedItem):
                yield ImportFailure(f"{name}: tasks[{index}] (line {task.line})", task.reason)
                index += 1
                continue
            task_id = task.get("id") if isinstance(task, dict) else None
            location = f"{name}: tasks[{index}]" + (
                f" (id {task_id})" if task_id is not None else ""
            )
            index += 1
            try:
                yield _task(
                    task, location=location, origin=path.name, config=config or LabelConfig()
                )
            except ParseError as error:
                yield ImportFailure(location, str(error))
    except OSError as error:
        yield ImportFailure(
            name, gettext("cannot read: %(strerror)s") % {"strerror": error.strerror}
        )
    except UnicodeDecodeError as error:
        yield ImportFailure(
            name, gettext("not UTF-8 text (offset %(start)s)") % {"start": error.start}
        )
    except json.JSONDecodeError as error:
        yield ImportFailure(
            name,
            (
                gettext("invalid JSON: %(msg)s at line %(lineno)s")
                % {"msg": error.msg, "lineno": error.lineno}
            ),
        )


def _task(task: Any, *, location: str, origin: str, config: LabelConfig) -> ArticleRecord:
    if not isinstance(task, dict):
        raise ParseError(gettext("a task must be a JSON object"))
    data = task.get("data")
    if not isinstance(data, dict):
        raise ParseError(gettext("the task has no 'data' object"))
    sent = data.get(config.text_field)
    if not isinstance(sent, str) or not sent.strip():
        raise ParseError(
            gettext("'data.%(text_field)s' must be a non-empty string")
            % {"text_field": config.text_field}
        )
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    text = CanonicalText(sent)
    record = ArticleRecord(
        location=location,
        draft=_draft(data, meta, sent, task_id=task.get("id"), origin=origin, location=location),
        notes=normalisation_note(text),
    )
    units = UnitIndex(sent)
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise ParseError(gettext("'annotations' must be a list"))
    reviewers = _reviewers(annotations, meta)
    live = [a for a in annotations if not a.get("was_cancelled")]
    # Label Studio marks every imported annotation ground truth unless told otherwise, so the
    # flag alone means little; a ground-truth annotation among others that are not is the
    # reference one, as our export writes an editor's adjudication.
    adjudicating = any(a.get("ground_truth") is False for a in live)
    spans: dict[tuple[int, int], SpanRecord] = {}
    for number, annotation in enumerate(annotations):
        where = f"annotations[{number}]"
        if annotation.get("was_cancelled"):
            record.notes.append(
                gettext("%(where)s: cancelled (skipped) in Label Studio; not imported")
                % {"where": where}
            )
            continue
        _read_annotation(
            annotation,
            where=where,
            reviewer=reviewers[number],
            is_adjudication=adjudicating and annotation.get("ground_truth") is True,
            place=lambda region, at: _place(text, units, region, at, record.notes),
            config=config,
            spans=spans,
            notes=record.notes,
        )
    record.spans = sorted(spans.values(), key=lambda span: (span.start, span.end))
    record.predictions = _predictions(task.get("predictions"), text, units, record.notes)
    if task.get("drafts"):
        record.notes.append(
            ngettext(
                "%(count)s unsubmitted draft not imported",
                "%(count)s unsubmitted drafts not imported",
                len(task["drafts"]),
            )
            % {"count": len(task["drafts"])}
        )
    return record


def _read_annotation(
    annotation: dict,
    *,
    where: str,
    reviewer: ReviewerRef | None,
    is_adjudication: bool,
    place,
    config: LabelConfig,
    spans: dict[tuple[int, int], SpanRecord],
    notes: list[str],
) -> None:
    """Add one annotation's regions to `spans`: claims, and a verdict or the adjudication."""
    submitted_at = _timestamp(annotation.get("updated_at") or annotation.get("created_at"))
    for region in _regions(annotation.get("result"), where=where, notes=notes):
        region_where = f"{where} region {region.id}"
        start, end, quote = place(region, region_where)
        label = _verdict_label(region, config, region_where)
        creator = None if is_adjudication else reviewer
        span = spans.setdefault((start, end), SpanRecord(start, end, quote, created_by=creator))
        if label is None:
            continue
        rationale = "\n".join(region.rationale)
        if is_adjudication:
            _adjudicate(span, reviewer, label, rationale, submitted_at, region_where)
        elif any(verdict.reviewer == reviewer for verdict in span.verdicts):
            notes.append(
                gettext(
                    "%(region_where)s: %(reviewer)s already has a verdict on "
                    "[%(start)s, %(end)s]; kept the first"
                )
                % {"region_where": region_where, "reviewer": reviewer, "start": start, "end": end}
            )
        else:
            span.verdicts.append(
                VerdictRecord(
                    reviewer=reviewer,
                    label=label,
                    rationale=rationale,
                    submitted_at=submitted_at,
                    where=region_where,
                )
            )


def _adjudicate(
    span: SpanRecord,
    editor: ReviewerRef | None,
    label: str,
    rationale: str,
    decided_at: datetime.datetime | None,
    where: str,
) -> None:
    if editor is None:
        raise ParseError(
            gettext("%(where)s: a ground-truth annotation names no editor") % {"where": where}
        )
    if span.adjudication is not None:
        raise ParseError(
            gettext("%(where)s: a second ground-truth label for [%(start)s, %(end)s]")
            % {"where": where, "start": span.start, "end": span.end}
        )
    span.adjudication = AdjudicationRecord(editor, label, rationale, decided_at=decided_at)


def _draft(
    data: dict, meta: dict, sent: str, *, task_id: Any, origin: str, location: str
) -> ArticleDraft:
    title = data.get("title") or meta.get("title") or f"Label Studio task {task_id}"
    published_on = data.get("published_on")
    try:
        published = datetime.date.fromisoformat(published_on) if published_on else None
    except (TypeError, ValueError):
        raise ParseError(
            gettext("'data.published_on' is not an ISO date: %(published_on)r")
            % {"published_on": published_on}
        ) from None
    authors = data.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ParseError(gettext("'data.authors' must be a list of names"))
    url = data.get("url") or data.get("source_url") or ""
    if not isinstance(title, str) or not isinstance(url, str):
        raise ParseError(gettext("'data.title' and 'data.url' must be strings"))
    return ArticleDraft(
        title=title,
        body=sent,
        raw_text=sent,
        origin=origin,
        authors=tuple(authors),
        published_on=published,
        source_url=url,
        language=str(data.get("language") or ""),
        location=location,
    )


def _reviewers(annotations: list, meta: dict) -> list[ReviewerRef | None]:
    """Who made each annotation: its `meta.reviewers` pseudonym (in annotation order; our export
    writes them), the email in `completed_by`, or its user id as an `ls-<id>` pseudonym; None
    when nothing says (the command's --reviewer then)."""
    pseudonyms = meta.get("reviewers")
    if pseudonyms is not None:
        if not isinstance(pseudonyms, list) or not all(
            p is None or isinstance(p, str) for p in pseudonyms
        ):
            raise ParseError(gettext("'meta.reviewers' must be a list of pseudonyms"))
        if len(pseudonyms) != len(annotations):
            raise ParseError(
                gettext("'meta.reviewers' names %(count)s reviewer(s) for %(count2)s annotation(s)")
                % {"count": len(pseudonyms), "count2": len(annotations)}
            )
    found: list[ReviewerRef | None] = []
    for number, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise ParseError(
                gettext("annotations[%(number)s] must be a JSON object") % {"number": number}
            )
        completed_by = annotation.get("completed_by")
        email, pseudonym = "", (pseudonyms[number] if pseudonyms else None) or ""
        if isinstance(completed_by, dict):
            email = str(completed_by.get("email") or "")
            completed_by = completed_by.get("id")
        if not pseudonym and isinstance(completed_by, int) and not isinstance(completed_by, bool):
            pseudonym = ID_PSEUDONYM.format(id=completed_by)
        found.append(ReviewerRef(pseudonym=pseudonym, email=email) if pseudonym or email else None)
    return found


def _regions(results: Any, *, where: str, notes: list[str]) -> list[_Region]:
    if not isinstance(results, list):
        raise ParseError(gettext("%(where)s: 'result' must be a list") % {"where": where})
    regions: dict[str, _Region] = {}
    ignored: set[str] = set()
    for number, result in enumerate(results):
        if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
            raise ParseError(
                gettext("%(where)s: result[%(number)s] has no 'value' object")
                % {"where": where, "number": number}
            )
        kind = str(result.get("type", "")).lower()
        if kind not in _REGION_TYPES:
            ignored.add(kind or "untyped")
            continue
        region_id = str(result.get("id") or f"result[{number}]")
        region = regions.setdefault(region_id, _Region(region_id))
        _merge(region, kind, result, where=f"{where} region {region_id}")
    for kind in sorted(ignored):
        notes.append(
            gettext("%(where)s: '%(kind)s' results are not imported")
            % {"where": where, "kind": kind}
        )
    placed = []
    for region in regions.values():
        if region.start is None:
            if region.labels or region.choices:
                notes.append(
                    gettext("%(where)s region %(id)s: not tied to a passage; not imported")
                    % {"where": where, "id": region.id}
                )
            continue
        placed.append(region)
    return placed


def _merge(region: _Region, kind: str, result: dict, *, where: str) -> None:
    value = result["value"]
    if "start" in value or "end" in value:
        start, end = value.get("start"), value.get("end")
        if not (_is_int(start) and _is_int(end)):
            raise ParseError(
                gettext("%(where)s: 'start' and 'end' must be integers") % {"where": where}
            )
        if region.start is not None and (region.start, region.end) != (start, end):
            raise ParseError(
                gettext("%(where)s: its results disagree on the offsets") % {"where": where}
            )
        region.start, region.end = start, end
    if isinstance(value.get("text"), str) and kind != "textarea":
        region.text = value["text"]
    wanted = {"labels": "labels", "choices": "choices", "textarea": "text"}[kind]
    given = value.get(wanted, [])
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        raise ParseError(
            gettext("%(where)s: 'value.%(wanted)s' must be a list of strings")
            % {"where": where, "wanted": wanted}
        )
    if kind == "labels":
        region.labels.extend(given)
    elif kind == "choices":
        region.choices.extend(given)
    else:
        region.rationale.extend(line for line in given if line.strip())
    if _is_number(result.get("score")):
        region.score = float(result["score"])


def _place(
    text: CanonicalText, units: UnitIndex, region: _Region, where: str, notes: list[str]
) -> tuple[int, int, str]:
    """Canonical (start, end, quote) of a region, after checking its offsets against its text."""
    start, end = region.start, region.end
    assert start is not None and end is not None  # noqa: S101  # _regions keeps placed ones only
    if region.text is None:
        # Without a quote nothing can be checked: the UI's unit (code points) is assumed.
        notes.append(
            gettext("%(where)s: no 'value.text' to check; offsets read as code points")
            % {"where": where}
        )
    else:
        reading = read_quoted_span(units, start, end, region.text)
        if reading is None:
            raise ParseError(
                gettext(
                    "%(where)s: rejected: [%(start)s, %(end)s] does not hold "
                    "%(text)r in code points or in UTF-16 units"
                )
                % {"where": where, "start": start, "end": end, "text": region.text}
            )
        if reading[2] is OffsetUnit.UTF16:
            notes.append(
                gettext(
                    "%(where)s: [%(start)s, %(end)s] were UTF-16 units; converted to "
                    "code points [%(reading)s, %(reading2)s]"
                )
                % {
                    "where": where,
                    "start": start,
                    "end": end,
                    "reading": reading[0],
                    "reading2": reading[1],
                }
            )
        start, end = reading[0], reading[1]
    return place_span(text, start, end, where=where, notes=notes)


def _verdict_label(region: _Region, config: LabelConfig, where: str) -> str | None:
    """The region's verdict label, or None for a claim without one."""
    if region.choices:
        candidates = region.choices
    elif config.labels_are_verdicts:
        candidates = region.labels
    else:
        return None
    if not candidates:
        return None
    if len(set(candidates)) > 1:
        raise ParseError(
            gettext("%(where)s: several verdict labels (%(join)s)")
            % {"where": where, "join": ", ".join(candidates)}
        )
    return candidates[0]


def _predictions(
    predictions: Any, text: CanonicalText, units: UnitIndex, notes: list[str]
) -> list[PredictionRecord]:
    if not predictions:
        return []
    if not isinstance(predictions, list):
        raise ParseError(gettext("'predictions' must be a list"))
    found = []
    for number, prediction in enumerate(predictions):
        where = f"predictions[{number}]"
        if not isinstance(prediction, dict):
            raise ParseError(gettext("%(where)s must be a JSON object") % {"where": where})
        model_name = str(prediction.get("model_version") or "").strip() or DEFAULT_MODEL_NAME
        score = prediction.get("score")
        for region in _regions(prediction.get("result"), where=where, notes=notes):
            region_where = f"{where} region {region.id}"
            start, end, _ = _place(text, units, region, region_where, notes)
            region_score = region.score if region.score is not None else score
            if region_score is not None and not (
                _is_number(region_score) and 0 <= region_score <= 1
            ):
                raise ParseError(
                    gettext("%(region_where)s: score %(region_score)r is not between 0 and 1")
                    % {"region_where": region_where, "region_score": region_score}
                )
            labels = region.choices or region.labels
            found.append(
                PredictionRecord(
                    start=start,
                    end=end,
                    model_name=model_name,
                    label=labels[0] if labels else "",
                    score=None if region_score is None else float(region_score),
                )
            )
    return found


def _timestamp(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.UTC)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
