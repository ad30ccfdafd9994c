"""The source documents the passages cite, read from this machine when it has them.

A passage graph records its document's file name and SHA-256 and its span in code points; the
text is quoted (on pages, in answers) only from a local copy whose hash matches, so a quote can
never come from a different version of the document than the one the facts were encoded from.
Where the copies live: ``kg.resources.documents_dir()`` (``KG_DOCUMENTS``, else
``shared/seeds`` beside a checkout).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg import resources


class Documents:
    """Source documents read from this machine, when it has them, checked against the hash
    the graph records before any of their text is quoted."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str | None], tuple[str | None, str | None]] = {}

    def text(self, file_name: str, sha256: str | None) -> tuple[str | None, str | None]:
        """(the document's text, None) or (None, why it cannot be shown)."""
        key = (file_name, sha256)
        if key in self._texts:
            return self._texts[key]
        found = self._read(file_name, sha256)
        if found[0] is not None:  # keep a text whose hash matched; ask again after a failure
            self._texts[key] = found
        return found

    @staticmethod
    def _read(file_name: str, sha256: str | None) -> tuple[str | None, str | None]:
        folder = resources.documents_dir()
        if folder is None or not folder.is_dir():
            return None, "the source document is not available on this server"
        if Path(file_name).name != file_name:
            return None, "the recorded file name is not a plain name"
        path = folder / file_name
        try:
            data = path.read_bytes()
        except OSError:
            return None, "the source document is not available on this server"
        if sha256 and hashlib.sha256(data).hexdigest() != sha256.lower():
            return None, "the copy of the document on this server differs from the one cited"
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return None, "the source document is not UTF-8 text"
