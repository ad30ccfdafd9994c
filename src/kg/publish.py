"""``kg publish``: the dataset to a SPARQL 1.1 server through the Graph Store Protocol,
never losing the previous publication, and succeeding only when the server proves it.

*Union default graph.* kg's queries read the distinct union of the documents' graphs as their
default graph (:mod:`kg.load.scope`: the documents, the ontology, the vocabulary and their
inferences; the external sources only when asked). Servers do not, by default (Oxigraph,
Fuseki keep a separate default graph). So :func:`publish` also writes that union (a set: the
server merges a triple two passages state) where readers find it, by ``default_graph``:

- ``union``: into the server's own default graph (``MOVE … TO DEFAULT``);
- ``named``: into the named graph :data:`DEFAULT_GRAPH` (``urn:x-kg:default``), which readers
  name as their default graph with the protocol's ``default-graph-uri`` (for kg:
  ``--endpoint 'URL?default-graph-uri=urn:x-kg:default'``). The mode for a server whose own
  default graph is the union of all its graphs (Virtuoso, GraphDB): there every staging
  graph, lock and record would be in what readers see, and ``MOVE … TO DEFAULT`` is refused
  (Virtuoso's SP031). Not for Oxigraph, which answers a request naming its default graph with
  no named graphs at all;
- ``none``: no union (the external graphs and the documents' graphs are only reachable
  with ``GRAPH``).

``union`` and ``none`` are refused on a server whose default graph shows its named graphs: the
lock this publish takes (below) is looked for in the default graph first. The external graphs
are published as named graphs, and so is the derived ``graph:union/external`` (the external
triples the documents lack): a ``scope: all`` query reads it beside the documents' union, as
locally — with ``named``, kg's remote queries name both as their default graph.

**Publishing** (``kg publish --endpoint URL``). The dataset is validated first and refused
unless it conforms. Then:

1. a lock (graph :data:`LOCK_GRAPH`, one triple per holder with the end of its lease) is
   taken in one update request; a publish that finds another's unexpired lock is refused with
   a message (never raced), and staging graphs are dropped as leftovers only by the holder;
2. every named graph is uploaded under a *staging* name (``urn:x-kg:staging:<token>:<n>``) and
   the union into one more staging graph;
3. one query checks that each staging graph holds exactly the triples sent (an upload answered
   with an HTML page, a redirect or 202 has already failed: :class:`NotStored`);
4. one SPARQL Update request swaps them in (:func:`swap_update`);
5. *the proof*: one grouped ``SELECT … COUNT`` over the graphs the new publication record lists
   (and the record's token, and the default graph's triples in ``union`` mode) must give what
   was sent, graph by graph. A non-2xx answer, no answer within the time limit, or a mismatch
   is a failure (:class:`EndpointError`, exit 2, with the server's message and what the server
   now holds); a 2xx answer is not taken on trust — Virtuoso answers an update that ran past
   its time limit with 200 and an empty table, having done nothing. A lost answer to a swap
   that was done is a success, because the counts prove it.

On every exit path (an error, an interrupted upload, SIGTERM — :mod:`kg.leftovers` turns it
into an exception — a failed swap) the staging graphs are dropped and the lock released (best
effort: a server that died cannot be asked, and an upload the server had already received
when the publish was killed may be stored after the clean-up; the next publish drops such
leftovers once it holds the lock, and an abandoned lock ends with its lease).

*Time limits.* Each request waits ``endpoint.timeout`` (``--timeout``, default 30 s). The swap
and the drops work on every triple, so their limits grow with the data:
``timeout + SWAP_SECONDS_PER_TRIPLE × triples`` for the swap (10 ms a triple: Virtuoso on a
busy machine took 49–61 s for some 14,000), ``timeout + DROP_SECONDS_PER_TRIPLE × triples`` for
dropping staging graphs. The lock's lease is ``max(60 s, 4 × timeout)``, renewed while the
upload goes on and extended by the swap's limit before the swap: a publish that died blocks
the next one for at most that long (or until ``DROP GRAPH <urn:x-kg:lock>``).
"""

from __future__ import annotations

import contextlib
import secrets
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat

from kg.errors import DoesNotConform, EndpointError, InputError, KgWarning
from kg.load import open_dataset
from kg.load import scope as scopes
from kg.progress import Progress
from kg.sparql.remote import Endpoint, RemoteStore
from kg.validation import report as validation

STAGING_PREFIX = "urn:x-kg:staging:"
PUBLICATION_GRAPH = "urn:x-kg:publication"
DEFAULT_GRAPH = "urn:x-kg:default"
LOCK_GRAPH = "urn:x-kg:lock"
LOCK_HOLDER = "urn:x-kg:lock:"
LOCK_UNTIL = "urn:x-kg:until"
SD_NAMED_GRAPH = "http://www.w3.org/ns/sparql-service-description#NamedGraph"
CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_GRAPH_MODES = ("union", "named", "none")
SWAP_SECONDS_PER_TRIPLE = 0.01
LEASE_SECONDS = 60.0
DROP_SECONDS_PER_TRIPLE = 0.005


@dataclass(frozen=True)
class PublishReport:
    """What ``publish`` did."""

    endpoint: str
    graphs: int
    triples: int  # quads in the named graphs
    union_triples: int
    dropped: int  # graphs of the previous publication no longer in the dataset
    seconds: float


def _chunks(parts: Iterable[bytes], size: int) -> Iterable[bytes]:
    buffer: list[bytes] = []
    held = 0
    for part in parts:
        buffer.append(part)
        held += len(part)
        if held >= size:
            yield b"".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield b"".join(buffer)


def _leftover_staging(remote: RemoteStore) -> list[str]:
    rows = remote.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'
    )
    return [row["g"].value for row in rows]


def _previous_graphs(remote: RemoteStore) -> list[str]:
    rows = remote.query(
        f"SELECT ?g WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ ?g a <{SD_NAMED_GRAPH}> }} }}"
    )
    return [row["g"].value for row in rows if isinstance(row["g"], NamedNode)]


def _drop_all(remote: RemoteStore, graphs: Sequence[str], timeout: float | None = None) -> None:
    if graphs:
        remote.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), timeout=timeout)


def swap_timeout(timeout: float, triples: int) -> float:
    """How long the swap may take: it touches every triple twice (see the module docstring)."""
    return timeout + SWAP_SECONDS_PER_TRIPLE * triples


def drop_timeout(timeout: float, triples: int) -> float:
    """How long dropping staging graphs of ``triples`` triples may take."""
    return timeout + DROP_SECONDS_PER_TRIPLE * triples


# --- the lock ---------------------------------------------------------------------------------


class Locked(EndpointError):
    """Another publish holds the server's publication lock."""


def _holders(remote: RemoteStore) -> dict[str, int]:
    rows = remote.query(f"SELECT ?h ?t WHERE {{ GRAPH <{LOCK_GRAPH}> {{ ?h <{LOCK_UNTIL}> ?t }} }}")
    held: dict[str, int] = {}
    for row in rows:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            held[row["h"].value] = int(float(row["t"].value))
    return held


def _lock(remote: RemoteStore, token: str, lease: float) -> None:
    """Take the publication lock for ``lease`` seconds, or raise :class:`Locked`.

    One update request removes expired leases and adds ours unless an unexpired one is there;
    then the holders are read back. Two publishes that both got in (a server that does not
    isolate the two requests) both see two holders: each withdraws and is refused, so at most
    one ever goes on."""
    now = int(time.time())
    until = now + int(lease) + 1
    me = f"{LOCK_HOLDER}{token}"
    lock = f"<{LOCK_GRAPH}>"
    remote.update(
        f"DELETE {{ GRAPH {lock} {{ ?h <{LOCK_UNTIL}> ?t }} }} "
        f"WHERE {{ GRAPH {lock} {{ ?h <{LOCK_UNTIL}> ?t }} FILTER(?t < {now}) }} ;\n"
        f"INSERT {{ GRAPH {lock} {{ <{me}> <{LOCK_UNTIL}> {until} }} }} "
        f"WHERE {{ FILTER NOT EXISTS {{ GRAPH {lock} {{ ?h <{LOCK_UNTIL}> ?t }} }} }}"
    )
    held = _holders(remote)
    if set(held) == {me}:
        return
    if me in held:
        _unlock(remote, token, held[me])
    others = {h: t for h, t in held.items() if h != me}
    if others:
        holder, end = min(others.items(), key=lambda item: item[1])
        raise Locked(
            f"{remote.endpoint.query}: another publish is running (lock "
            f"{holder.removeprefix(LOCK_HOLDER)}, graph <{LOCK_GRAPH}>, until "
            f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(end))}); nothing was sent. "
            "Publish again when it has finished; a publish that died leaves its lock until "
            "that time"
        )
    raise Locked(
        f"{remote.endpoint.query}: the publication lock could not be taken (the server did "
        "not keep it); nothing was sent"
    )


class _Lease:
    """Our lock, renewed while we work: a publish that dies leaves it for at most one lease
    (``seconds``), however long a live one takes."""

    def __init__(self, remote: RemoteStore, token: str, seconds: float) -> None:
        self.remote, self.token, self.seconds = remote, token, seconds
        self.renewed = time.monotonic()

    def take(self) -> None:
        _lock(self.remote, self.token, self.seconds)
        self.renewed = time.monotonic()

    def renew(self, seconds: float | None = None, *, force: bool = False) -> None:
        """Extend the lease to ``seconds`` (default: one lease) from now, when a third of it
        has gone by (or ``force``)."""
        if not force and time.monotonic() - self.renewed < self.seconds / 3:
            return
        until = int(time.time() + (seconds or self.seconds)) + 1
        me = f"<{LOCK_HOLDER}{self.token}>"
        self.remote.update(
            f"DELETE {{ GRAPH <{LOCK_GRAPH}> {{ {me} <{LOCK_UNTIL}> ?t }} }} "
            f"WHERE {{ GRAPH <{LOCK_GRAPH}> {{ {me} <{LOCK_UNTIL}> ?t }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{LOCK_GRAPH}> {{ {me} <{LOCK_UNTIL}> {until} }} }}"
        )
        self.renewed = time.monotonic()


def _unlock(remote: RemoteStore, token: str, until: int | None = None) -> None:
    me = f"<{LOCK_HOLDER}{token}>"
    remote.update(
        f"DELETE {{ GRAPH <{LOCK_GRAPH}> {{ {me} <{LOCK_UNTIL}> ?t }} }} "
        f"WHERE {{ GRAPH <{LOCK_GRAPH}> {{ {me} <{LOCK_UNTIL}> ?t }} }}"
    )


def _default_is_union(remote: RemoteStore, token: str) -> bool:
    """Whether the server's default graph shows its named graphs (our lock, in its graph)."""
    rows = remote.query(f"SELECT ?t WHERE {{ <{LOCK_HOLDER}{token}> <{LOCK_UNTIL}> ?t }}")
    return any(True for _ in rows)


# --- proof after the swap ---------------------------------------------------------------------


def published_counts(remote: RemoteStore) -> tuple[str | None, dict[str, int]]:
    """The token of the server's publication record and the triples it holds in each graph
    the record lists (one grouped SELECT: never an ASK, whose answer shapes vary)."""
    tokens = [
        row["t"].value
        for row in remote.query(
            f"SELECT ?t WHERE {{ GRAPH <{PUBLICATION_GRAPH}> "
            f"{{ <{PUBLICATION_GRAPH}> <{PUBLISHED_AS}> ?t }} }}"
        )
    ]
    rows = remote.query(
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH <{PUBLICATION_GRAPH}> "
        f"{{ ?g a <{SD_NAMED_GRAPH}> }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    )
    counts = {row["g"].value: int(row["n"].value) for row in rows}
    return (tokens[0] if len(tokens) == 1 else None), counts


def _default_count(remote: RemoteStore) -> int:
    rows = list(remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    return int(rows[0]["n"].value) if rows else 0


def _mismatch(held: Mapping[str, int], expected: Mapping[str, int], loose: str | None) -> list[str]:
    wrong = []
    for g, n in sorted(expected.items()):
        got = held.get(g, 0)
        if got != n and not (g == loose and got >= n):
            wrong.append(f"<{g}>: {got} triples held, {n} sent")
    wrong += [f"<{g}>: not sent, {held[g]} triples held" for g in sorted(set(held) - set(expected))]
    return wrong


def _prove(
    remote: RemoteStore,
    token: str,
    expected: Mapping[str, int],
    default_triples: int | None,
    loose: bool,
) -> list[str]:
    """What differs between the server and what this publish sent (empty: proved). With
    ``loose`` the union (the named default graph, or the server's default graph) may hold
    more (see :func:`_shares_blank_nodes`)."""
    found, held = published_counts(remote)
    wrong = []
    if found != token:
        wrong.append(f"the publication record names {found or 'no single publish'}, not {token}")
    wrong += _mismatch(held, expected, DEFAULT_GRAPH if loose else None)
    if default_triples is not None and not wrong:
        got = _default_count(remote)
        if got != default_triples and not (loose and got >= default_triples):
            wrong.append(f"the default graph: {got} triples held, {default_triples} sent")
    return wrong


STAGES_FOR = "urn:x-kg:stagesFor"
PUBLISHED_AS = "urn:x-kg:token"


def swap_update(map_graph: str, union: str | None, dropped: Iterable[str], token: str) -> str:
    """The one SPARQL Update request that puts a verified publication in place.

    The staging graphs are listed in ``map_graph`` (``<staging> <urn:x-kg:stagesFor>
    <target>``), so the request is a handful of pattern operations whatever the number of
    graphs (one MOVE per graph took 6 ms each on Oxigraph: minutes at 30k graphs).

    One request is one transaction on Oxigraph and Fuseki. Virtuoso runs the operations of a
    request one after the other and keeps those done when a later one fails, so the order is
    chosen for that case: the new triples are added to each published graph *before* the old
    ones not in it are removed (a graph never lacks its new content), graphs no longer in the
    data are dropped, the default graph is replaced, then the publication record (with this
    publication's ``token``) is written, and only then are the staging graphs removed. Every
    DROP is SILENT: a graph may have been emptied (and so no longer exist) already.
    """
    m = f"<{map_graph}>"
    pairs = f"GRAPH {m} {{ ?staging <{STAGES_FOR}> ?target }}"
    record = f"<{PUBLICATION_GRAPH}>"
    ops = [
        f"INSERT {{ GRAPH ?target {{ ?s ?p ?o }} }} "
        f"WHERE {{ {pairs} GRAPH ?staging {{ ?s ?p ?o }} }}",
        f"DELETE {{ GRAPH ?target {{ ?s ?p ?o }} }} "
        f"WHERE {{ {pairs} GRAPH ?target {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?staging {{ ?s ?p ?o }} }} }}",
    ]
    ops += [f"DROP SILENT GRAPH <{g}>" for g in sorted(set(dropped))]
    if union is not None:
        ops.append(f"MOVE SILENT GRAPH <{union}> TO DEFAULT")
    ops += [
        f"DROP SILENT GRAPH {record}",
        f"INSERT {{ GRAPH {record} {{ ?target a <{SD_NAMED_GRAPH}> }} }} WHERE {{ {pairs} }}",
        f'INSERT DATA {{ GRAPH {record} {{ {record} <{PUBLISHED_AS}> "{token}" }} }}',
        f"DELETE {{ GRAPH ?staging {{ ?s ?p ?o }} }} "
        f"WHERE {{ {pairs} GRAPH ?staging {{ ?s ?p ?o }} }}",
        f"DROP SILENT GRAPH {m}",
    ]
    return " ;\n".join(ops)


def _verify(
    remote: RemoteStore, prefix: str, expected: Mapping[str, int], loose: str | None = None
) -> None:
    """Every staging graph holds exactly the triples sent, or nothing is swapped in (the
    ``loose`` graph at least as many: see :func:`_shares_blank_nodes`)."""
    held = remote.staging_counts(prefix)
    wrong = [
        (g, n, held.get(g, 0))
        for g, n in expected.items()
        if held.get(g, 0) != n and not (g == loose and held.get(g, 0) >= n)
    ]
    extra = sorted(set(held) - set(expected))
    if wrong or extra:
        shown = "; ".join(f"<{g}>: {got} triples held, {n} sent" for g, n, got in wrong[:3])
        if extra:
            shown += ("; " if shown else "") + f"unexpected graph <{extra[0]}>"
        raise EndpointError(
            f"{remote.endpoint.graph_store or remote.endpoint.query}: the uploaded "
            f"graphs are not what was sent ({len(wrong) + len(extra)} of {len(expected)} "
            f"differ: {shown}); the published graphs were left as they were"
        )


def _upload_each(
    remote: RemoteStore,
    pairs: Sequence[tuple[str, str]],
    dumps: Iterable[bytes],
    union_name: str | None,
    progress: Progress | None,
    upload_hook: Callable[[int, str], None] | None,
    sent: dict[str, int],
) -> int:
    """One Graph Store Protocol PUT per graph; the union POSTed in chunks. Returns the quads;
    ``sent`` gets the number of triples sent for each staging graph."""
    union_parts: list[bytes] = []
    quads = 0
    for n, ((staging, target), data) in enumerate(zip(pairs, dumps, strict=True)):
        if progress is not None:
            progress("uploading graphs", n, len(pairs))
        if upload_hook is not None:
            upload_hook(n, target)
        quads += data.count(b"\n")
        sent[staging] = data.count(b"\n")
        remote.put_graph(staging, data)
        if union_name is not None and not scopes.is_external_graph(target):
            union_parts.append(data)
    if union_name is not None:
        chunks = list(_chunks(union_parts, CHUNK_BYTES)) or [b""]
        for i, chunk in enumerate(chunks):
            if progress is not None:
                progress("uploading the union for the default graph", i, len(chunks))
            remote.put_graph(union_name, chunk, append=i > 0)
    return quads


def _upload_quads(
    remote: RemoteStore,
    pairs: Sequence[tuple[str, str]],
    dumps: Iterable[bytes],
    union_name: str | None,
    progress: Progress | None,
    upload_hook: Callable[[int, str], None] | None,
    sent: dict[str, int],
) -> int:
    """N-Quads POSTed to the Graph Store URL, each graph's triples under its staging name and
    again under the union's. N-Triples lines end in `` .``: the graph name goes before it."""
    union_tail = f" <{union_name}> .\n".encode() if union_name is not None else None
    quads = 0

    def lines() -> Iterable[bytes]:
        nonlocal quads
        for n, ((staging, target), data) in enumerate(zip(pairs, dumps, strict=True)):
            if progress is not None:
                progress("uploading graphs", n, len(pairs))
            if upload_hook is not None:
                upload_hook(n, target)
            quads += data.count(b"\n")
            sent[staging] = data.count(b"\n")
            yield data.replace(b" .\n", f" <{staging}> .\n".encode())
            if union_tail is not None and not scopes.is_external_graph(target):
                yield data.replace(b" .\n", union_tail)

    for chunk in _chunks(lines(), CHUNK_BYTES):
        remote.post_quads(chunk)
    return quads


def publish(
    paths: Sequence[Path | str] | None = None,
    *,
    endpoint: Endpoint,
    default_graph: str = "union",
    validate: bool = True,
    progress: Progress | None = None,
    upload: str = "auto",
    before_swap: Callable[[], None] | None = None,
    upload_hook: Callable[[int, str], None] | None = None,
) -> PublishReport:
    """``kg publish``: validate the dataset, upload it to staging graphs, swap it in, prove it.

    Args:
        paths: data files or folders (the repository's data when None).
        endpoint: where to publish (query, update and Graph Store URLs).
        default_graph: ``union`` (write the union of the graphs into the server's default
            graph, so that kg's queries answer the same remotely), ``named`` (into the named
            graph :data:`DEFAULT_GRAPH`, which readers choose with ``default-graph-uri``: for
            servers whose default graph is the union of all graphs) or ``none``.
        validate: refuse data that does not conform (on by default; off only for tests).
        progress: called with (message, done, total).
        upload: ``graphs`` (one Graph Store Protocol PUT per graph: any SPARQL 1.1 server),
            ``quads`` (N-Quads POSTed to the Graph Store URL in chunks, which Oxigraph, Fuseki
            and RDF4J/GraphDB accept: one request per 4 MiB instead of one per graph) or
            ``auto`` (``quads`` when the server takes an empty N-Quads POST, else ``graphs``).
        before_swap, upload_hook: for tests that inject failures (called before the swap,
            and with the index and name of each graph before it is uploaded).

    Raises:
        DoesNotConform: the data does not conform; nothing is sent.
        Locked: another publish is running; nothing is sent.
        EndpointError: the server failed, or does not hold what was sent after the swap; the
            message says whether its previous publication is still in place.
    """
    if upload not in ("auto", "graphs", "quads"):
        raise InputError("upload must be 'auto', 'graphs' or 'quads'")
    if default_graph not in DEFAULT_GRAPH_MODES:
        raise InputError(f"default graph must be one of: {', '.join(DEFAULT_GRAPH_MODES)}")
    started = time.perf_counter()
    if validate:
        report = validation.validate(paths, progress=progress)
        if not report.conforms:
            counts = report.counts()
            raise DoesNotConform(
                f"the data does not conform ({counts.get('Violation', 0)} violations): "
                "nothing was published; run `kg validate` to see them"
            )
    dataset = open_dataset(paths, cache=True)
    store = dataset.store
    # Not the default graph (the union is sent apart, by ``default_graph``), but the external
    # union: a ``scope: all`` query reads it beside the documents' union (``default-graph-uri``
    # twice, :meth:`kg.sparql.remote.RemoteStore.query`), as locally.
    scopes.ensure(store)
    graphs = scopes.source_graphs(store)
    if store.contains_named_graph(scopes.EXTERNAL_UNION_GRAPH):
        graphs.append(scopes.EXTERNAL_UNION_GRAPH)
    blank = [g for g in graphs if not isinstance(g, NamedNode)]
    if blank:
        raise InputError(
            f"{len(blank)} graphs are named by blank nodes; a server cannot be told their names"
        )
    remote = RemoteStore(endpoint)
    token = secrets.token_hex(6)
    estimate = 2 * len(store)  # the graphs and their union: what the swap and drops touch
    lease = _Lease(remote, token, max(LEASE_SECONDS, 4 * endpoint.timeout))
    staging: list[str] = []
    locked = False

    def renewing(n: int, target: str) -> None:
        lease.renew()
        if upload_hook is not None:
            upload_hook(n, target)

    try:
        locked = True  # from the request on: its answer may be lost, and release is harmless
        lease.take()
        if default_graph != "named" and _default_is_union(remote, token):
            raise EndpointError(
                f"{endpoint.query}: the server's default graph is the union of its named "
                f"graphs (as on Virtuoso, GraphDB, oxigraph serve --union-default-graph): with "
                f"--default-graph {default_graph} its readers would see the staging graphs of "
                "every publish"
                + (" and the union could not replace it" if default_graph == "union" else "")
                + f"; nothing was sent. Publish with --default-graph named: the union goes to "
                f"the graph <{DEFAULT_GRAPH}>, which readers name as their default graph "
                f"(default-graph-uri={DEFAULT_GRAPH}); or, for oxigraph serve, start it "
                "without --union-default-graph"
            )
        leftovers = remote.staging_counts(STAGING_PREFIX)
        if leftovers:  # of publishes that died: we hold the lock, nobody else is uploading
            _drop_all(
                remote,
                sorted(leftovers),
                timeout=drop_timeout(endpoint.timeout, sum(leftovers.values())),
            )
        previous = _previous_graphs(remote)
        before = published_counts(remote)
        prefix = f"{STAGING_PREFIX}{token}:"
        pairs = [(f"{prefix}{n}", g.value) for n, g in enumerate(graphs)]
        union_name = f"{prefix}union" if default_graph != "none" else None
        staging = [name for name, _ in pairs] + ([union_name] if union_name else [])
        dumps = (store.dump(format=RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in graphs)
        if upload == "auto":
            upload = "quads" if remote.accepts_quads() else "graphs"
        sent: dict[str, int] = {}
        upload_with = _upload_quads if upload == "quads" else _upload_each
        quads = upload_with(remote, pairs, dumps, union_name, progress, renewing, sent)
        map_graph = f"{prefix}map"
        staging.append(map_graph)
        mapped = list(pairs)
        if union_name is not None and default_graph == "named":
            mapped.append((union_name, DEFAULT_GRAPH))
        remote.put_graph(
            map_graph,
            "".join(f"<{st}> <{STAGES_FOR}> <{target}> .\n" for st, target in mapped).encode(),
        )
        sent[map_graph] = len(mapped)
        union_triples = 0
        if union_name is not None:
            union_triples = _distinct_triples(store)
            sent[union_name] = union_triples
        if progress is not None:
            progress("verifying the uploaded graphs", None, None)
        loose = union_name is not None and _shares_blank_nodes(store)
        _verify(remote, prefix, sent, loose=union_name if loose else None)
        if before_swap is not None:
            before_swap()
        if progress is not None:
            progress("swapping the new graphs in", None, None)
        new = {target for _, target in mapped}
        gone = [g for g in previous if g not in new]
        expected = {target: sent[st] for st, target in mapped}
        default_triples = union_triples if default_graph == "union" else None
        failure = ""
        limit = swap_timeout(endpoint.timeout, quads + union_triples)
        lease.renew(limit + lease.seconds, force=True)  # the swap and the proof
        try:
            remote.update(
                swap_update(
                    map_graph, union_name if default_graph == "union" else None, gone, token
                ),
                timeout=limit,
            )
        except EndpointError as error:  # its answer may have been lost: the counts say
            failure = str(error)
        if progress is not None:
            progress("checking the published graphs", None, None)
        for _attempt in (0, 1):  # read-only: asked again once if its answer is lost
            try:
                wrong = _prove(remote, token, expected, default_triples, loose)
                break
            except EndpointError as error:
                wrong = [f"the check after the swap failed: {error}"]
        if wrong:
            raise EndpointError(
                (failure or f"{endpoint.update}: the swap was answered with success")
                + f"; {_after(remote, before, len(wrong), len(expected), wrong)}"
            )
        staging = []
        return PublishReport(
            endpoint.query,
            len(pairs),
            quads,
            union_triples,
            len(gone),
            time.perf_counter() - started,
        )
    except BaseException:
        if staging:
            with contextlib.suppress(EndpointError):
                _drop_all(
                    remote,
                    staging,
                    timeout=drop_timeout(endpoint.timeout, estimate),
                )
        raise
    finally:
        if locked:
            _release(remote, token, lease)
        remote.close()


def _release(remote: RemoteStore, token: str, lease: _Lease) -> None:
    """Remove our lock: twice at most (the removal is idempotent); if the server cannot be
    told, a warning says how long the next publish will be refused."""
    for attempt in (0, 1):
        try:
            _unlock(remote, token)
            return
        except EndpointError as error:
            if attempt:
                warnings.warn(
                    f"the publication lock could not be released ({error}); the next publish "
                    f"is refused until its lease ends (at most {lease.seconds:g} s) or the "
                    f"graph <{LOCK_GRAPH}> is dropped",
                    KgWarning,
                    stacklevel=3,
                )


def _after(
    remote: RemoteStore,
    before: tuple[str | None, dict[str, int]],
    wrong: int,
    total: int,
    shown: Sequence[str],
) -> str:
    """What the server holds after a swap that did not prove: the previous publication (its
    record and every graph's count as before) or a partial one."""
    detail = "; ".join(shown[:3]) + (f"; … {len(shown) - 3} more" if len(shown) > 3 else "")
    try:
        now = published_counts(remote)
    except EndpointError:
        return (
            f"the server does not hold what was sent ({wrong} of {total} graphs differ: "
            f"{detail}) and could not be asked what it holds now: publish again"
        )
    if now == before:
        return f"nothing was published ({detail}): the previous publication is in place, unchanged"
    return (
        f"the server holds a partly swapped publication ({wrong} of {total} graphs differ: "
        f"{detail}): publish again"
    )


def _distinct_triples(store: Any) -> int:
    """The triples of the documents' union, each counted once (what the union staging graph
    holds: a graph is a set): the documents scope's query graph (kg.load.scope)."""
    scopes.ensure(store)
    rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **scopes.query_options(scopes.DOCUMENTS)
    )
    return int(next(iter(rows))["n"].value)


def _shares_blank_nodes(store: Any) -> bool:
    """Whether a blank node occurs in more than one graph. The union is uploaded in several
    requests, and a server gives a blank node of each request a new identity, so such a node's
    triples may be counted more than once in the union on the server."""
    return bool(
        store.query(
            "ASK { { SELECT ?x (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { { ?x ?p ?o } "
            "UNION { ?s ?p ?x } } FILTER(isBlank(?x)) } GROUP BY ?x } FILTER(?n > 1) }"
        )
    )


def render_publish(report: PublishReport) -> str:
    """The one-line summary ``kg publish`` prints."""
    return (
        f"published {report.graphs} graphs ({report.triples} triples; "
        f"{report.union_triples} in the default graph) to {report.endpoint} "
        f"in {report.seconds:.1f} s"
        + (f"; dropped {report.dropped} graphs no longer in the data" if report.dropped else "")
        + "\n"
    )
