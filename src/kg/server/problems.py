"""What went wrong with a request, as an HTTP status and a message for the client.

The library raises typed errors (:mod:`kg.errors`); this module is the one place that decides
which status each of them gets, so the SPARQL endpoint, the canned-query pages and the Linked
Data pages answer the same mistake the same way. A :class:`Problem` is plain data: it crosses
from a worker process to the server process and is rendered as text, JSON or HTML there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import (
    KgError,
    ParameterError,
    QueryRefused,
    QuerySyntaxError,
    UnknownQuery,
    UpdateRefused,
)
from kg.server.limits import RowLimitExceeded


@dataclass(frozen=True)
class Problem:
    """An answer other than success: status, a short title and the detail for the client."""

    status: int
    title: str
    detail: str
    line: int | None = None
    column: int | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    def text(self) -> str:
        """The plain-text body: what failed, where, and what would work instead."""
        lines = [f"{self.title}: {self.detail}"]
        if self.candidates:
            lines.append("candidates:")
            lines.extend(f"  {c}" for c in self.candidates)
        return "\n".join(lines) + "\n"


class Refusal(Exception):
    """Raised by the server's own checks (protocol, limits) to answer with a Problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem)


def refuse(status: int, title: str, detail: str, **extra: object) -> Refusal:
    """A Refusal to raise: ``raise refuse(415, "unsupported media type", "…")``."""
    return Refusal(Problem(status, title, detail, **extra))  # type: ignore[arg-type]


def problem_for(error: BaseException) -> Problem:
    """The Problem a library error stands for (anything unexpected is a 500 that names only
    the kind of error: no traceback, no paths, reach the client)."""
    if isinstance(error, Refusal):
        return error.problem
    if isinstance(error, QuerySyntaxError):
        where = f"line {error.line}, column {error.column}: " if error.line is not None else ""
        return Problem(400, "malformed query", where + error.detail, error.line, error.column)
    if isinstance(error, UpdateRefused):
        return Problem(403, "read-only endpoint", str(error))
    if isinstance(error, QueryRefused):
        return Problem(400, "query refused", str(error))
    if isinstance(error, RowLimitExceeded):
        return Problem(400, "result too large", str(error))
    if isinstance(error, ParameterError):
        first = str(error).split("\n", 1)[0]
        return Problem(400, "bad parameter", first, candidates=tuple(error.candidates))
    if isinstance(error, UnknownQuery):
        return Problem(404, "no such query", str(error))
    if isinstance(error, KgError):
        return Problem(500, "query failed", str(error))
    return Problem(500, "internal error", f"the server failed ({type(error).__name__})")
