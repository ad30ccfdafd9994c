"""HTTP on the standard library: ``http.server.ThreadingHTTPServer``, one thread per connection,
HTTP/1.1 with keep-alive.

Why the standard library and not an async framework: the server's own work per request is
small (parse, route, render) and the expensive part runs in worker processes; a thread that
waits on a worker's pipe releases the GIL. The measured throughput against Oxigraph's own
server is in ``bench/serve_load.py``. No dependency to install, audit or keep up with.

This module only moves bytes: it turns an HTTP request into a :class:`kg.server.messages.Request`
(body read in full, chunked bodies decoded, size limited), asks the app, and writes the
response with its Content-Length.
"""

from __future__ import annotations

import re
import sys
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kg import __version__
from kg.server.app import App
from kg.server.messages import Request, Response

REASONS_EXTRA = {422: "Unprocessable Content"}


class _TooLarge(Exception):
    pass


_NEWLINES = re.compile(r"[\r\n]+")  # a header value never ends the header block
_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header, formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class Handler(BaseHTTPRequestHandler):
    """Reads a request, lets the app answer it, writes the answer."""

    protocol_version = "HTTP/1.1"
    server_version = f"kg/{__version__}"
    sys_version = ""
    timeout = 60  # seconds a client may stay silent on an open connection
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (~40 ms per request on a keep-alive connection). TCP_NODELAY.
    disable_nagle_algorithm = True
    server: KgHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    length = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise ValueError("bad chunk") from None
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                size += length
                if size > limit:
                    raise _TooLarge
                parts.append(self.rfile.read(length))
                self.rfile.readline(1024)
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        length = int(length_header)
        if length < 0:
            raise ValueError("negative length")
        if length > limit:
            raise _TooLarge
        return self.rfile.read(length)

    def _drain(self, cap: int = 32 << 20, seconds: float = 2.0) -> None:
        """Read and drop what is left of a refused body before closing (a "lingering close"):
        a client still sending would otherwise get a broken pipe instead of our 413."""
        try:
            remaining = min(int(self.headers.get("Content-Length") or 0), cap)
        except ValueError:
            return
        self.wfile.flush()
        deadline = time.monotonic() + seconds
        try:
            self.connection.settimeout(seconds)
            while remaining > 0 and time.monotonic() < deadline:
                data = self.rfile.read1(min(remaining, 1 << 16))
                if not data:
                    break
                remaining -= len(data)
        except OSError:
            pass

    def _dispatch(self) -> None:
        arrived = time.monotonic()
        app = self.server.app
        path, _, query = self.path.partition("?")
        if "#" in query:
            query = query.split("#", 1)[0]
        try:
            body = self._read_body(app.limits.max_body)
        except _TooLarge:
            self.close_connection = True
            self._send(
                Response(
                    413,
                    f"request body larger than {app.limits.max_body} bytes\n".encode(),
                )
            )
            self._drain()
            return
        except ValueError:
            self.close_connection = True
            self._send(Response(400, b"bad request: unreadable body length\n"))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, path or "/", query, headers, body, arrived)
        self._send(app.handle(request), head=self.command == "HEAD")

    def _send(self, response: Response, head: bool = False) -> None:
        """Status line, headers and body in one write (one packet for a small answer)."""
        self.log_request(response.status, len(response.body))
        reason = REASONS_EXTRA.get(response.status) or self.responses.get(response.status, ("",))[0]
        lines = [
            f"{self.protocol_version} {response.status} {reason}",
            f"Server: {self.server_version}",
            f"Date: {_http_date()}",
        ]
        if response.content_type:
            lines.append(f"Content-Type: {response.content_type}")
        length_sent = False
        for name, value in response.headers:
            if name.lower() == "content-length":
                length_sent = True
            if name.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
            lines.append(f"{name}: {_NEWLINES.sub(' ', value)}")
        if not length_sent:
            lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        self.wfile.write(head_bytes if head or not response.body else head_bytes + response.body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.access_log:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class KgHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the app."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log
        super().__init__(address, Handler)
