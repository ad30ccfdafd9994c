"""``kg publish``: the dataset to a SPARQL 1.1 server through the Graph Store Protocol,
never losing the previous publication.

*Union default graph.* kg's queries read the distinct union of the documents' graphs as their
default graph (:mod:`kg.load.scope`: the documents, the ontology, the vocabulary and their
inferences; the external sources only when asked). Servers do not, by default (Oxigraph,
Fuseki, GraphDB keep a separate default graph). So :func:`publish` also writes that union
(a set: the server merges a triple two passages state) into the server's default graph, and
the same queries give the same answers; the external graphs are published as named graphs,
reachable with ``GRAPH``. The derived graph ``graph:union/external`` is not published.
For a server already configured to use the union as its default graph, publish with
``default_graph="none"``.

**Publishing** (``kg publish --endpoint URL``). The dataset is validated first and refused
unless it conforms. Then, atomically as seen by readers:

1. every named graph is uploaded with a Graph Store Protocol ``PUT`` under a *staging* name
   (``urn:x-kg:staging:<token>:<n>``), and the union into one more staging graph
   (``POST``, in chunks);
2. one query checks that each staging graph holds exactly the triples sent (an upload answered
   with an HTML page, a redirect or 202 has already failed: :class:`NotStored`);
3. one SPARQL Update request swaps them in (:func:`swap_update`): the new triples into each
   graph, the old ones not among them out, ``DROP SILENT`` of the graphs the previous
   publication had and this one has not, ``MOVE … TO DEFAULT`` for the union, the new
   publication record (graph ``urn:x-kg:publication``, with this publish's token). One update
   request is one transaction on Oxigraph and Fuseki: it applies entirely or not at all; on
   Virtuoso it is not, and the order keeps the damage of a failure inside it small;
4. if anything fails before the swap, the staging graphs are dropped (best effort: a server that
   died cannot be asked; the next publish removes leftovers first) and the server's previous
   graphs are untouched. If the swap's answer is lost, the record tells whether it was done.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat

from kg.errors import DoesNotConform, EndpointError, InputError
from kg.load import open_dataset
from kg.load import scope as scopes
from kg.progress import Progress
from kg.sparql.remote import Endpoint, RemoteStore
from kg.validation import report as validation

STAGING_PREFIX = "urn:x-kg:staging:"
PUBLICATION_GRAPH = "urn:x-kg:publication"
SD_NAMED_GRAPH = "http://www.w3.org/ns/sparql-service-description#NamedGraph"
CHUNK_BYTES = 4 * 1024 * 1024


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


def _published(remote: RemoteStore, token: str) -> bool:
    """Whether the publication record names ``token`` (the swap of that publish happened)."""
    return bool(
        remote.query(
            f"ASK {{ GRAPH <{PUBLICATION_GRAPH}> "
            f'{{ <{PUBLICATION_GRAPH}> <{PUBLISHED_AS}> "{token}" }} }}'
        )
    )


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
    """``kg publish``: validate the dataset, upload it to staging graphs, swap it in.

    Args:
        paths: data files or folders (the repository's data when None).
        endpoint: where to publish (query, update and Graph Store URLs).
        default_graph: ``union`` (write the union of the graphs into the default graph, so
            that kg's queries answer the same remotely) or ``none``.
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
        EndpointError: the server failed; its previous graphs are left as they were.
    """
    if upload not in ("auto", "graphs", "quads"):
        raise InputError("upload must be 'auto', 'graphs' or 'quads'")
    if default_graph not in ("union", "none"):
        raise InputError("default graph must be 'union' or 'none'")
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
    graphs = scopes.source_graphs(store)  # not the query graphs: the server has its own
    blank = [g for g in graphs if not isinstance(g, NamedNode)]
    if blank:
        raise InputError(
            f"{len(blank)} graphs are named by blank nodes; a server cannot be told their names"
        )
    remote = RemoteStore(endpoint)
    token = secrets.token_hex(6)
    staging: list[str] = []
    try:
        leftovers = _leftover_staging(remote)
        if leftovers:
            _drop_all(remote, leftovers)
        previous = _previous_graphs(remote)
        prefix = f"{STAGING_PREFIX}{token}:"
        pairs = [(f"{prefix}{n}", g.value) for n, g in enumerate(graphs)]
        union_name = f"{prefix}union" if default_graph == "union" else None
        staging = [name for name, _ in pairs] + ([union_name] if union_name else [])
        dumps = (store.dump(format=RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in graphs)
        if upload == "auto":
            upload = "quads" if remote.accepts_quads() else "graphs"
        sent: dict[str, int] = {}
        upload_with = _upload_quads if upload == "quads" else _upload_each
        quads = upload_with(remote, pairs, dumps, union_name, progress, upload_hook, sent)
        map_graph = f"{prefix}map"
        staging.append(map_graph)
        remote.put_graph(
            map_graph,
            "".join(f"<{st}> <{STAGES_FOR}> <{target}> .\n" for st, target in pairs).encode(),
        )
        sent[map_graph] = len(pairs)
        union_triples = 0
        if union_name is not None:
            union_triples = _distinct_triples(store)
            sent[union_name] = union_triples
        if progress is not None:
            progress("verifying the uploaded graphs", None, None)
        loose = union_name if union_name and _shares_blank_nodes(store) else None
        _verify(remote, prefix, sent, loose=loose)
        if before_swap is not None:
            before_swap()
        if progress is not None:
            progress("swapping the new graphs in", None, None)
        new = {target for _, target in pairs}
        gone = [g for g in previous if g not in new]
        try:
            remote.update(
                swap_update(map_graph, union_name, gone, token), timeout=endpoint.timeout * 10
            )
        except EndpointError:
            # the request may have been carried out and its answer lost: the record says
            with contextlib.suppress(EndpointError):
                if _published(remote, token):
                    staging = []
            if staging:
                raise
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
                _drop_all(remote, staging, timeout=min(endpoint.timeout, 10.0))
        raise
    finally:
        remote.close()


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
