"""Compare the committed catalogs with ones makemessages just wrote into a scratch copy:
`python .ci/compare_messages.py locale SCRATCH/locale`. Fails (exit 1) on a string marked in the
code but missing from a committed catalog, a committed string no longer marked, or a fuzzy
entry. Run by `make check-messages`."""

import sys
from pathlib import Path

import polib


def keys(path: Path) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if e.msgid and not e.obsolete}


def main(committed_dir: Path, fresh_dir: Path) -> int:
    problems = []
    for fresh in sorted(fresh_dir.glob("*/LC_MESSAGES/*.po")):
        relative = fresh.relative_to(fresh_dir)
        committed = committed_dir / relative
        if not committed.is_file():
            problems.append(f"{relative}: missing")
            continue
        missing = keys(fresh) - keys(committed)
        stale = keys(committed) - keys(fresh)
        fuzzy = [e.msgid for e in polib.pofile(str(committed)) if e.fuzzy and e.msgid]
        for label, found in (("not in the catalog", missing), ("no longer marked", stale)):
            if found:
                problems.append(f"{relative}: {len(found)} {label}: {sorted(found, key=str)[:5]}")
        if fuzzy:
            problems.append(f"{relative}: {len(fuzzy)} fuzzy: {fuzzy[:5]}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Run `make messages`, translate, then `make compile-messages`.", file=sys.stderr)
        return 1
    print("catalogs: every marked string is in every catalog, none fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
