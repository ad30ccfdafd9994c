"""HTTP on uvicorn (httptools parser, uvloop event loop): the request line, headers, bodies
(chunked or not), keep-alive and TCP_NODELAY are the library's; :mod:`kg.server.asgi` turns its
ASGI calls into the app's requests.

Why uvicorn: measured with ``bench/serve_load.py`` against the standard library's
``http.server`` (which its documentation does not recommend for production, and for which kg
decoded chunked bodies by hand), granian (embedded mode, marked experimental) and waitress,
the servers taking turns round by round on the same data: uvicorn matched the standard library
and beat granian and waitress on every workload (the figures are in the issue note and
``bench/README.md``). The pure-Python h11 parser is not used: with it every request waited
~45 ms (80 requests/s).

Bounds on the request head, which the library does not set (it answered a request line past
64 KiB with a bare ``400 Invalid HTTP request received.`` and took headers of any size):
a request target longer than :data:`MAX_TARGET` is answered ``414`` with the advice to POST
the query, request headers longer than :data:`MAX_HEADERS` in all ``431``; both close the
connection after reading what the client still sends for a moment (so that it reads the
answer instead of a reset).

This module owns the listening socket (so that port 0 works and a port in use is a clear
error) and the server's life: :meth:`HttpServer.serve_forever` in the main thread (``kg serve``:
SIGINT and SIGTERM stop it gracefully) or in a background thread (tests, benchmarks), and
:meth:`HttpServer.shutdown` from another thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kg.server.app import App
from kg.server.asgi import AsgiApp

KEEP_ALIVE = 60  # seconds a client may stay silent on an open connection
GRACE = 2  # seconds requests in flight get to finish when the server stops
BACKLOG = 2048
MAX_TARGET = 32 << 10  # bytes of the request target (path and query string)
MAX_HEADERS = 32 << 10  # bytes of all request header lines together
LINGER = 2.0  # seconds a refused request's remaining bytes are read and dropped


_QUIET = logging.getLogger("kg.server.httpd.refused")
_QUIET.propagate = False
_QUIET.addHandler(logging.NullHandler())


class _HeadTooLarge(Exception):
    """Raised inside the parser's callbacks: the request head passed a bound."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class _HeadHeld:
    """A connection's transport as one response sees it: the response head (status line and
    headers, which the library writes on its own) is held and written with the first piece of
    the body, so that a response is one write — one TCP segment and one wake-up of the client —
    instead of two (with TCP_NODELAY each write is a segment; the client read the head, then
    waited again for the body). Everything else goes to the transport unchanged."""

    __slots__ = ("_head", "_held", "_transport")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._head = True  # the next write that is not an interim answer is the head

    def write(self, data: bytes) -> None:
        if self._head and not data.startswith(b"HTTP/1.1 1"):  # 100 Continue goes now
            self._head = False
            self._held = data
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._transport.write(data)

    def close(self) -> None:
        if self._held is not None:
            self._transport.write(self._held)
            self._held = None
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounds on the request target and headers (see the
    module docstring). The parser wraps an exception raised in a callback into its own error,
    which the library answers with ``send_400_response``: that is where the bound's own status
    goes out instead."""

    _refusal: _HeadTooLarge | None = None
    _head_bytes = 0
    _lingering = False

    def data_received(self, data: bytes) -> None:
        if not self._lingering:
            super().data_received(data)

    def _refuse(self, refusal: _HeadTooLarge) -> _HeadTooLarge:
        """Remember the refusal for send_400_response; the library's warning about an invalid
        request is not said for it (the request is valid, only too large)."""
        self._refusal = refusal
        self._logger, self.logger = self.logger, _QUIET
        return refusal

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal = None
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        # Not for HEAD: its response has no body write that would send the head.
        if (
            cycle is not None
            and cycle.transport is self.transport
            and self.scope["method"] != "HEAD"
        ):
            cycle.transport = _HeadHeld(self.transport)  # type: ignore[assignment]

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_TARGET:
            raise self._refuse(
                _HeadTooLarge(
                    414,
                    f"uri too long: the request target is longer than {MAX_TARGET} bytes; send a "
                    "long query with POST instead (Content-Type: application/sparql-query with the "
                    "query as the body, or application/x-www-form-urlencoded with query=…)\n",
                )
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > MAX_HEADERS:
            raise self._refuse(
                _HeadTooLarge(
                    431,
                    "request header fields too large: the request headers are longer than "
                    f"{MAX_HEADERS} bytes in all\n",
                )
            )
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        refusal = self._refusal
        if refusal is None:
            super().send_400_response(msg)
            return
        body = refusal.text.encode("utf-8")
        phrase = http.HTTPStatus(refusal.status).phrase
        head = [f"HTTP/1.1 {refusal.status} {phrase}".encode("ascii")]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: text/plain; charset=utf-8",
            b"content-length: " + str(len(body)).encode("ascii"),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        # A lingering close: drop what the client still sends for a moment, then close (a
        # close with unread bytes would reset the connection, and the answer with it).
        self._lingering = True
        self.logger = self._logger
        with contextlib.suppress(OSError, RuntimeError, NotImplementedError):
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER, self.transport.close)


def _log_config(access_log: bool) -> dict[str, Any]:
    """Warnings and errors on stderr; with ``access_log``, one line per request there too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"level": "WARNING"},
            "uvicorn.access": {
                "handlers": ["stderr"],
                "level": "INFO" if access_log else "WARNING",
                "propagate": False,
            },
        },
    }


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host`` (IPv4 or IPv6 literal, or a name) and ``port``.

    Raises:
        OSError: the address cannot be used (in use, not ours, unknown name).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class HttpServer:
    """The app served over HTTP/1.1 by uvicorn on one listening socket."""

    def __init__(
        self, address: tuple[str, int], app: App, *, access_log: bool = False, threads: int = 64
    ) -> None:
        """Raises OSError when the address cannot be used."""
        self.socket = listen(*address)
        self.server_address = self.socket.getsockname()[:2]
        self.asgi = AsgiApp(app, threads=threads)
        config = uvicorn.Config(
            self.asgi,
            http=BoundedHttpToolsProtocol,
            loop="auto",  # uvloop where installed (not on Windows), else asyncio
            lifespan="off",
            interface="asgi3",
            access_log=access_log,
            log_config=_log_config(access_log),
            server_header=False,  # kg's own Server header is set by kg.server.asgi
            proxy_headers=False,  # the client's address is the peer's, never a header's
            timeout_keep_alive=KEEP_ALIVE,
            timeout_graceful_shutdown=GRACE,
            backlog=BACKLOG,
        )
        self.server = uvicorn.Server(config)

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or, in the main thread, SIGINT / SIGTERM, which are
        raised again once the server has stopped, for the caller to handle)."""
        self.server.run(sockets=[self.socket])

    def shutdown(self) -> None:
        """Ask the server to stop (from another thread); it stops within a fraction of a
        second, giving requests in flight GRACE seconds."""
        self.server.should_exit = True

    def close(self) -> None:
        """Release the socket and the request threads."""
        self.asgi.close()
        self.socket.close()
