"""The registry of job kinds: what each runs and which ability (Need) starting and seeing it takes.

Upper layers register their kinds (datasets registers `dataset-export` from its AppConfig.ready),
so annotate runs them without importing them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from annotate.access.capabilities import Need


class JobCancelled(Exception):
    """Raised by a job's progress callback when someone asked to cancel it: the handler stops."""


@dataclass(frozen=True, slots=True)
class JobOutput:
    """What a handler returns: its report and the storage names of the files it wrote."""

    result: dict[str, Any] = field(default_factory=dict)
    file_name: str = ""  # the main file (Job.result_file), "" for none
    companions: dict[str, str] = field(default_factory=dict)  # artifact -> storage name


# handler(job=..., progress=...) -> JobOutput; progress(done, total=None) may raise JobCancelled.
Handler = Callable[..., JobOutput]
# summary(result) -> one line for the job's page once it is done ("" for none).
Summary = Callable[[dict[str, Any]], str]


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    handler: Handler
    need: Need  # to start the job and to see it (with its result)
    label: str
    summary: Summary | None = None


_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    name: str, handler: Handler, *, need: Need, label: str = "", summary: Summary | None = None
) -> JobKind:
    """Add a kind; registering the same handler again (a module imported twice) changes nothing."""
    kind = JobKind(name=name, handler=handler, need=need, label=label or name, summary=summary)
    known = _KINDS.get(name)
    if known is not None and known.handler is not handler:
        raise ValueError(f"Job kind {name!r} is registered twice.")
    _KINDS[name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"Unknown job kind {name!r}.") from None


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
