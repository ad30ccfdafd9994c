"""Real SPARQL servers for the tests, started on free loopback ports and always stopped:
``oxigraph serve`` (the ``oxigraph`` package of the test extra) and Virtuoso Open Source
(Debian's ``virtuoso-opensource``, installed by ``scripts/test``), plus a loopback proxy that
fails a chosen request, for fault injection.

The fixtures that use these live in ``conftest.py``; this module holds the processes and the
proxy so that a test module can also start a server of its own (with other options).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_plus


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer within {seconds:g} s") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """SIGTERM, wait, SIGKILL if it does not go: never leave the process behind."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Oxigraph ---------------------------------------------------------------------------------


@contextlib.contextmanager
def oxigraph(location: Path, *options: str) -> Iterator[str]:
    """``oxigraph serve --location LOCATION OPTIONS…`` on a free loopback port: yields the base
    URL (``…/query``, ``…/update``, ``…/store``)."""
    command = shutil.which("oxigraph")
    if command is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    log = (location.parent / f"oxigraph-{port}.log").open("wb")
    process = subprocess.Popen(
        [command, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *options],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/query?query=ASK%7B%7D", process, "oxigraph serve", 30)
        yield base
    finally:
        _stop(process)
        log.close()


# --- Virtuoso ---------------------------------------------------------------------------------

VIRTUOSO_INI = """\
; written by the kg tests: one database in this folder, loopback only
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxClientConnections = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
MaxClientConnections = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""

# The anonymous SPARQL user may update (what `kg publish` needs, and what the manual says to
# grant): the role, the default graph permissions of user nobody, the SPARUL procedures.
VIRTUOSO_GRANTS = (
    'grant SPARQL_UPDATE to "SPARQL"; '
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7); "
    + " ".join(
        f'grant execute on DB.DBA.{proc} to "SPARQL";'
        for proc in (
            "SPARUL_RUN",
            "SPARUL_CLEAR",
            "SPARUL_DROP",
            "SPARUL_CREATE",
            "SPARUL_LOAD",
            "SPARQL_INSERT_DICT_CONTENT",
            "SPARQL_DELETE_DICT_CONTENT",
        )
    )
)


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here, or None when ``virtuoso-t`` and ``isql-vt`` are found."""
    for program in ("virtuoso-t", "isql-vt"):
        if shutil.which(program) is None:
            return (
                f"{program} is not installed (Debian's virtuoso-opensource; scripts/test "
                "installs it when run as root with apt-get)"
            )
    return None


@dataclass
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoint, Graph Store endpoint and SQL port."""

    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen | None = None
    log: object = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def graph_store(self) -> str:
        return self.base + "/sparql-graph-crud"

    def isql(self, statements: str) -> str:
        """Run SQL statements as dba (``isql-vt PORT dba dba exec=…``); raises when isql does."""
        done = subprocess.run(
            ["isql-vt", str(self.sql_port), "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed: {done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> Virtuoso:
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                folder=self.folder, sql_port=self.sql_port, http_port=self.http_port
            ),
            encoding="utf-8",
        )
        self.log = (self.folder / "virtuoso-t.out").open("wb")
        self.process = subprocess.Popen(
            ["virtuoso-t", "-f", "-c", str(ini)],
            cwd=self.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        try:
            _wait_for(self.sparql + "?query=" + quote("ASK {}"), self.process, "virtuoso-t", 120)
            self.isql(VIRTUOSO_GRANTS)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None


def start_virtuoso(folder: Path) -> Virtuoso:
    """Virtuoso on free loopback ports with its database in ``folder``; ``stop()`` it."""
    http_port = free_port()
    sql_port = free_port()
    while sql_port == http_port:
        sql_port = free_port()
    return Virtuoso(folder, http_port, sql_port).start()


# --- a proxy that fails one request ---------------------------------------------------------


def _ask_table(answer: bytes) -> bytes:
    """A boolean ASK answer (JSON or XML) as the ``__ASK_RETVAL`` table of issue 18."""
    text = answer.decode("utf-8", "replace")
    truth = '"boolean": true' in text.replace('"boolean":true', '"boolean": true') or (
        "<boolean>true</boolean>" in text
    )
    rows = '[{"__ASK_RETVAL": {"type": "literal", "value": "1"}}]' if truth else "[]"
    return f'{{"head":{{"vars":["__ASK_RETVAL"]}},"results":{{"bindings":{rows}}}}}'.encode()


class FaultProxy:
    """A loopback HTTP proxy in front of one server that counts requests and fails the N-th:
    it answers ``503`` (or ``status``, a code and reason) or closes the connection
    (``mode="close"``) *without forwarding it*, so the server never sees the failed request;
    with ``mode="lose"`` it forwards the request and
    closes the connection instead of returning the answer (done, but the client cannot know).
    Every other request is forwarded as it came (method, path, headers, body) on a fresh
    connection and its answer returned.

    Two more modes fail the N-th request the way a server does when an update runs too long:
    ``mode="slow"`` forwards it and holds the answer back ``delay`` seconds (past the
    client's time limit); ``mode="limit"`` forwards it with the SPARQL protocol's ``timeout``
    parameter (milliseconds, Virtuoso's per-request time limit) set to ``limit_ms``, so the
    server itself stops it; ``mode="gateway"`` forwards it and answers ``504 Gateway Timeout``
    (a proxy's time limit: the server did the work). ``mode="ask-table"`` answers an ASK query
    with the table Virtuoso 7.2 sends in some modes (``__ASK_RETVAL``: one row ``1`` for
    true, none for false), built from the server's real answer, for every request whose body
    holds ``match``.

    ``fail_at = 0`` forwards everything; ``count`` is the number of requests seen since
    ``reset``; ``seen`` lists each request's method, target and body."""

    def __init__(self, target: str, timeout: float = 120) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        self.host, self.port_to = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.fail_at = 0
        self.mode = "status"
        self.count = 0
        self.failed: list[str] = []
        self.seen: list[tuple[str, str, bytes]] = []
        self.delay = 5.0
        self.limit_ms = 1
        self.match: str | None = None
        self.status = (503, "Service Unavailable")  # what ``mode="status"`` answers
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(target=self._accept, daemon=True)
        self._accept_thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset(self, fail_at: int = 0, mode: str = "status", match: str | None = None) -> None:
        """Fail the ``fail_at``-th request, or (``match``) the first whose target or body
        (form-decoded) holds it (with ``mode="ask-table"``: every one)."""
        with self._lock:
            self.fail_at, self.mode, self.count, self.failed = fail_at, mode, 0, []
            self.seen, self.match = [], match

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._accept_thread.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self.timeout)
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                request_line = reader.readline()
                if not request_line:
                    return
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: list[tuple[str, str]] = []
                while True:
                    line = reader.readline().decode("latin-1")
                    if line in ("\r\n", "\n", ""):
                        break
                    name, _, value = line.partition(":")
                    headers.append((name.strip(), value.strip()))
                length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
                body = reader.read(length) if length else b""
                with self._lock:
                    self.count += 1
                    self.seen.append((method, target, body))
                    if self.match is None:
                        fail = self.count == self.fail_at
                    else:  # the first request whose (form-decoded) body holds ``match``
                        text = unquote_plus(f"{target} {body.decode('latin-1')}")
                        repeat = self.mode == "ask-table"
                        fail = self.match in text and (repeat or not self.failed)
                    if fail:
                        self.failed.append(f"{method} {target}")
                if fail and self.mode == "lose":  # carried out, the answer lost
                    self._forward(method, target, headers, body)
                    return
                if fail and self.mode == "limit":
                    body += f"&timeout={self.limit_ms}".encode()
                    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
                    headers.append(("Content-Length", str(len(body))))
                if fail and self.mode == "ask-table":
                    status, reason, answer_headers, data = self._forward(
                        method, target, headers, body
                    )
                    data = _ask_table(data)
                    answer_headers = [("Content-Type", "application/sparql-results+json")]
                    self._answer(conn, status, reason, answer_headers, data)
                    continue
                if fail and self.mode == "gateway":  # carried out, then a gateway's 504
                    self._forward(method, target, headers, body)
                    gateway = [("Content-Type", "text/plain")]
                    self._answer(conn, 504, "Gateway Timeout", gateway, b"upstream timed out\n")
                    continue
                if fail and self.mode in ("slow", "limit"):
                    answer = self._forward(method, target, headers, body)
                    if self.mode == "slow":
                        time.sleep(self.delay)
                    self._answer(conn, *answer)
                    continue
                if fail:
                    if self.mode == "close":
                        return
                    code, reason = self.status
                    headers_out = [("Content-Type", "text/plain")]
                    self._answer(conn, code, reason, headers_out, b"injected failure\n")
                    continue
                self._answer(conn, *self._forward(method, target, headers, body))
        except (OSError, ValueError):
            return
        finally:
            reader.close()
            conn.close()

    @staticmethod
    def _answer(
        conn: socket.socket,
        status: int,
        reason: str,
        answer_headers: list[tuple[str, str]],
        data: bytes,
    ) -> None:
        head = f"HTTP/1.1 {status} {reason}\r\n"
        for name, value in answer_headers:
            if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                head += f"{name}: {value}\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        conn.sendall(head.encode("latin-1") + data)

    def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(self.host, self.port_to, timeout=self.timeout)
        try:
            upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in ("connection", "keep-alive"):
                    upstream.putheader(name, value)
            upstream.endheaders(body)
            response = upstream.getresponse()
            return response.status, response.reason, response.getheaders(), response.read()
        finally:
            upstream.close()
