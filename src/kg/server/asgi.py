"""The app as an ASGI application: what the HTTP server library hands over (method, raw path,
query string, headers, the body in pieces) becomes a :class:`kg.server.messages.Request`; the
app's :class:`kg.server.messages.Response` goes back whole, with its Content-Length.

The server library reads the request line, headers and body (chunked or not) and writes the
response; this module only enforces the body limit (413) and hands the request to the app: a SPARQL
query (``App.sparql_route``) is answered on the event loop, which awaits the worker process's
pipe (``WorkerPool.run_async``); every other request on a thread, where the app's handlers
wait on a worker's pipe (:mod:`kg.server.workers`) without blocking the event loop.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kg import __version__
from kg.server.app import App
from kg.server.messages import Request, Response

SERVER = f"kg/{__version__}".encode("latin-1")
DRAIN_CAP = 32 << 20  # bytes of a refused body read and dropped before answering 413 …
DRAIN_SECONDS = 2.0  # … for at most this long
_NEWLINES = re.compile(r"[\r\n]+")  # a header value never ends the header block


class AsgiApp:
    """``App`` for an ASGI server (HTTP only; lifespan events are acknowledged)."""

    def __init__(self, app: App, *, threads: int = 64) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kg-request")

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        arrived = time.monotonic()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        limit = self.app.limits.max_body
        body = await self._body(receive, limit, headers)
        if body is None:
            await self._send(
                send,
                Response(413, f"request body larger than {limit} bytes\n".encode()),
                close=True,
            )
            return
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        if "#" in query:
            query = query.split("#", 1)[0]
        request = Request(scope["method"], path or "/", query, headers, body, arrived)
        endpoint = self.app.sparql_route(request)
        if endpoint is not None:  # a query: its worker is awaited here, on the event loop
            response = await self.app.answer_async(request, endpoint)
        else:
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self.executor, self.app.handle, request)
        await self._send(send, response)

    async def _body(self, receive: Any, limit: int, headers: dict[str, str]) -> bytes | None:
        """The whole body, or None when it is larger than ``limit``. A refused body is read
        and dropped (up to DRAIN_CAP bytes, DRAIN_SECONDS) before the 413 goes out — a
        "lingering close": a client still sending would otherwise get a broken pipe instead
        of the answer."""
        declared = headers.get("content-length", "")
        too_large = declared.isdigit() and int(declared) > limit
        parts: list[bytes] = []
        size = 0
        deadline = time.monotonic() + DRAIN_SECONDS
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None if too_large else b"".join(parts)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                too_large = True
            if not too_large:
                parts.append(chunk)
            if not message.get("more_body", False):
                break
            if too_large and (size > DRAIN_CAP or time.monotonic() > deadline):
                break
        return None if too_large else b"".join(parts)

    async def _send(self, send: Any, response: Response, *, close: bool = False) -> None:
        headers = [(b"server", SERVER)]
        if response.content_type:
            headers.append((b"content-type", response.content_type.encode("latin-1")))
        length_sent = False
        for name, value in response.headers:
            lower = name.lower()
            if lower == "content-length":
                length_sent = True
            headers.append(
                (lower.encode("latin-1"), _NEWLINES.sub(" ", value).encode("latin-1", "replace"))
            )
        if not length_sent:
            headers.append((b"content-length", str(len(response.body)).encode("latin-1")))
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
