"""A request and a response as plain data, apart from the HTTP library, so that the routing
and the protocol can be tested by calling them, and the HTTP stack could be swapped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from kg.server.problems import refuse


@dataclass(frozen=True)
class Request:
    """What the server received: method, path (not decoded), the raw query string, headers
    (names in lower case) and the body."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    arrived: float = 0.0  # time.monotonic() when the request was read

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def params(self) -> list[tuple[str, str]]:
        """The query-string parameters, in order, repeated ones kept.

        Raises:
            Refusal: 400 when the parameters are not UTF-8 after percent-decoding.
        """
        return parse_params(self.query_string, "the URL's query string")

    def first(self, name: str) -> str | None:
        for key, value in self.params():
            if key == name:
                return value
        return None


def parse_params(text: str, where: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` into pairs; 400 when the text is not UTF-8 once percent-decoded."""
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise refuse(400, "bad request", f"{where} is not UTF-8 once percent-decoded") from None
    except ValueError as error:
        raise refuse(400, "bad request", f"{where} cannot be read: {error}") from None


@dataclass
class Response:
    """What the server answers. ``body`` is complete: its length is known before sending."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None
