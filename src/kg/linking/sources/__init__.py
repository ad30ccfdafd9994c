"""The external open-data sources ``kg link`` matches our entities with: one module per
source, each implementing the contract of :mod:`.contract` (spec, reader, matcher, facts),
found through :data:`REGISTRY`.

* :mod:`.naturalearth` — the Natural Earth countries table (CSV): Wikidata QIDs;
* :mod:`.op` — the Publications Office authority table (RDF/XML): codes, territories,
  organisations, names in the countries' own languages;
* :mod:`.geonames` — GeoNames' country info (TSV): features, capitals, land neighbours;
* :mod:`.gsq` — the SKOS country linkset (Turtle): DBpedia, and a cross-check;
* :mod:`.eums` — the EU member-state table (CSV): memberships and their dates.

What each file is, where it comes from and under which licence is read from ``SOURCES.md``
beside the files (:mod:`kg.linking.origins`), so that the provenance kg writes is the
folder's own. To add a source, see ``CONTRIBUTING.md`` ("An external source").

Why a plain list: the run goes through the sources in this order (the report lists linksets
and problems in it), and a list says so; a test or a tool passes its own list to
:func:`kg.linking.matching.read_external`. Every source finds its records before any checks
them, so a source's :meth:`~.contract.ExternalSource.check` and facts may read what any other
matched (through that source's ``of``).
"""

from __future__ import annotations

from kg.linking.sources import eums, geonames, gsq, naturalearth, op
from kg.linking.sources.contract import ExternalSource

REGISTRY: list[ExternalSource] = [
    naturalearth.SOURCE,
    op.SOURCE,
    geonames.SOURCE,
    gsq.SOURCE,
    eums.SOURCE,
]
