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

This module owns the listening socket (so that port 0 works and a port in use is a clear
error) and the server's life: :meth:`HttpServer.serve_forever` in the main thread (``kg serve``:
SIGINT and SIGTERM stop it gracefully) or in a background thread (tests, benchmarks), and
:meth:`HttpServer.shutdown` from another thread.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn

from kg.server.app import App
from kg.server.asgi import AsgiApp

KEEP_ALIVE = 60  # seconds a client may stay silent on an open connection
GRACE = 2  # seconds requests in flight get to finish when the server stops
BACKLOG = 2048


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
            http="httptools",
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
