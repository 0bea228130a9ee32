"""Articles from files uploaded through a page, read by the same readers as files on disk."""

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from corpus.importers import read_articles
from corpus.importers.base import ArticleDraft, ImportFailure


def read_uploads(uploads: Sequence[UploadedFile]) -> Iterator[ArticleDraft | ImportFailure]:
    """Drafts from each uploaded file in turn, failures named by the file's own name.

    Each upload is written under a temporary folder with its own (base) name, so the readers
    choose the format by suffix and the article's origin is the name the user knows; the folder
    goes once the last file is read.
    """
    with tempfile.TemporaryDirectory(prefix="article-upload-") as folder:
        for number, upload in enumerate(uploads):
            # Django keeps only the base name of an upload; one folder each keeps two files
            # of the same name apart.
            name = Path(upload.name or "").name or "upload"
            if name in {".", ".."}:
                name = "upload"
            path = Path(folder, str(number), name)
            path.parent.mkdir()
            with path.open("wb") as stream:
                for chunk in upload.chunks():
                    stream.write(chunk)
            yield from read_articles(path, name=name)
            path.unlink()
