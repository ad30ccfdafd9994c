"""The source documents the passages cite, read from this machine when it has them.

A passage graph records its document's file name and SHA-256 and its span in code points; the
text is quoted (on pages, in answers) only from a local copy whose hash matches, so a quote can
never come from a different version of the document than the one the facts were encoded from.
Where the copies live: ``kg.resources.documents_dir()`` (``KG_DOCUMENTS``, else
``shared/seeds`` beside a checkout).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg import resources


class Documents:
    """Source documents read from this machine, when it has them, checked against the hash
    the graph records before any of their text is quoted.

    A file is read and hashed once, and again only when its size, modification time or inode
    changes (one ``stat`` per look-up): a changed copy is re-read and re-checked, never quoted
    from what was read before (at 1M, re-reading and hashing the 3 MB document for every answer
    was most of the quote column's cost)."""

    def __init__(self) -> None:
        # path → (its stat when read, the SHA-256 of its bytes, its text or None if not UTF-8)
        self._files: dict[Path, tuple[tuple[int, int, int, int], str, str | None]] = {}

    def text(self, file_name: str, sha256: str | None) -> tuple[str | None, str | None]:
        """(the document's text, None) or (None, why it cannot be shown)."""
        folder = resources.documents_dir()
        if folder is None or not folder.is_dir():
            return None, "the source document is not available on this server"
        if Path(file_name).name != file_name:
            return None, "the recorded file name is not a plain name"
        path = folder / file_name
        try:
            read = self._read(path)
        except OSError:
            return None, "the source document is not available on this server"
        _, digest, text = read
        if sha256 and digest != sha256.lower():
            return None, "the copy of the document on this server differs from the one cited"
        if text is None:
            return None, "the source document is not UTF-8 text"
        return text, None

    def _read(self, path: Path) -> tuple[tuple[int, int, int, int], str, str | None]:
        seen = os.stat(path)
        stamp = (seen.st_size, seen.st_mtime_ns, seen.st_ctime_ns, seen.st_ino)
        known = self._files.get(path)
        if known is not None and known[0] == stamp:
            return known
        data = path.read_bytes()
        try:
            text: str | None = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        read = (stamp, hashlib.sha256(data).hexdigest(), text)
        self._files[path] = read
        return read
