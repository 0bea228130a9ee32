"""Dataset imports: a reader module per format turns a file into article records (pure), and
`store.dataset_import` stores them, one transaction per article.

Reviewers (FORMATS.md §4b): a file's reviewer is matched to a local user by email, else by
username = pseudonym (`meta.reviewers` / native `reviewer`, `ls-<id>` for a Label Studio user id,
the file's name for a doccano `<user>.jsonl`); when none matches, an inactive placeholder user
of that name is created (it cannot log in; an admin may merge it into a real account) and made
a reviewer of the project. Existing members keep their role.
"""

from collections.abc import Iterator
from pathlib import Path

from datasets.importers.base import ArticleRecord, ImportFailure, ReviewerRef
from datasets.importers.doccano import read_doccano
from datasets.importers.label_studio import read_label_studio
from datasets.importers.label_studio_config import LabelConfig
from datasets.importers.native import read_native
from datasets.importers.offsets import OffsetUnit

FORMATS = ("native", "label-studio", "doccano")


def read_dataset(
    path: Path,
    *,
    fmt: str,
    offset_unit: OffsetUnit = OffsetUnit.UTF16,
    reviewer: ReviewerRef | None = None,
    label_config: LabelConfig | None = None,
) -> Iterator[ArticleRecord | ImportFailure]:
    """The records of one file in one of FORMATS; offsets already in canonical code points.

    `offset_unit` is doccano's (its files do not say; the other formats carry quotes to check
    against); `reviewer` is who made a doccano file's labels (default: the file's name, as
    doccano names each user's file).
    """
    if fmt == "native":
        return read_native(path)
    if fmt == "label-studio":
        return read_label_studio(path, config=label_config)
    if fmt == "doccano":
        return read_doccano(
            path, unit=offset_unit, reviewer=reviewer or ReviewerRef(pseudonym=path.stem)
        )
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
