"""Rich renderables to bytes, at the terminal's width (120 columns in pipes)."""

from __future__ import annotations

import io
import shutil
from typing import Any


def table_bytes(renderable: Any, width: int | None = None) -> bytes:
    from rich.console import Console

    buffer = io.StringIO()
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns
    Console(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue().encode("utf-8")
