"""The route table's machinery: a :class:`Route` is one row — the methods it answers, a path
pattern, a handler — and :class:`Router` finds the row for a request.

Why a table: which code answers a request, and with which methods, can be read in one place
(``kg.server.app.ROUTES``), and adding a page is adding a row. The table also answers what no
handler should have to: ``405`` with the ``Allow`` header of the path's rows, and ``OPTIONS``.

Path patterns: literal text, ``{name}`` for one path segment (no ``/``), ``{name:regex}`` for a
part matched by a regular expression; a pattern ending in ``/?`` matches with or without the
trailing slash. The parts are passed to the handler as keyword arguments (the raw, undecoded
text of the path). The first row whose pattern matches the path and whose methods include the
request's method answers; a row listing ``GET`` answers ``HEAD`` too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.server.messages import Request, Response
from kg.server.problems import refuse

Handler = Callable[..., Response]  # handler(app, request, **parts) -> Response

_PART = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::((?:[^{}]|\{[0-9,]*\})*))?\}")
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A path pattern as a regular expression with one named group per part."""
    optional_slash = pattern.endswith("/?") and len(pattern) > 2
    if optional_slash:
        pattern = pattern[:-2]
    out, position = [], 0
    for match in _PART.finditer(pattern):
        out.append(re.escape(pattern[position : match.start()]))
        name, regex = match.group(1), match.group(2)
        out.append(f"(?P<{name}>{regex if regex is not None else '[^/]+'})")
        position = match.end()
    out.append(re.escape(pattern[position:]))
    if optional_slash:
        out.append("/?")
    return re.compile("".join(out))


@dataclass(frozen=True)
class Route:
    """One row of the route table."""

    methods: tuple[str, ...]
    pattern: str
    handler: Handler
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        methods = tuple(m.upper() for m in self.methods)
        if "GET" in methods and "HEAD" not in methods:
            methods += ("HEAD",)
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "regex", compile_pattern(self.pattern))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(path)
        return found.groupdict() if found is not None else None


def allow(methods: Iterable[str]) -> str:
    """An ``Allow`` header value: the methods in a stable order, OPTIONS always."""
    wanted = {*methods, "OPTIONS"}
    ordered = [m for m in METHOD_ORDER if m in wanted]
    return ", ".join(ordered + sorted(wanted - set(METHOD_ORDER)))


class Router:
    """Finds a request's row in a route table."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def methods_for(self, path: str) -> set[str]:
        """Every method some row answers at this path."""
        return {m for route in self.routes if route.match(path) is not None for m in route.methods}

    def find(self, request: Request) -> tuple[Route, dict[str, str]]:
        """The row that answers the request and the parts of its path.

        Raises:
            Refusal: 405 (with ``Allow``) when rows match the path but none takes the method;
                404 when no row matches the path at all.
        """
        allowed: set[str] = set()
        for route in self.routes:
            parts = route.match(request.path)
            if parts is None:
                continue
            if request.method in route.methods:
                return route, parts
            allowed.update(route.methods)
        if not allowed:
            raise refuse(404, "not found", "no such page")
        header = allow(allowed)
        raise refuse(
            405,
            "method not allowed",
            f"{request.method} is not allowed here; use {header.replace(', OPTIONS', '')}",
            headers=(("Allow", header),),
        )

    def dispatch(self, app: Any, request: Request) -> Response:
        route, parts = self.find(request)
        return route.handler(app, request, **parts)
