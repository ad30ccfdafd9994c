"""The contract every external source implements: what ``kg link`` needs from a source, in the
four parts the run goes through.

1. **Spec** (:attr:`ExternalSource.spec`): its slug (the graph ``graph:external/<slug>``), the
   file it reads, its title, publisher, licence and attribution. Upstream and licence text come
   from the folder's ``SOURCES.md`` (:mod:`kg.linking.origins`), never typed here.
2. **Reader** (:meth:`ExternalSource.read`): the file → plain records (never RDF of ours),
   raising :class:`kg.errors.InputError` naming file, line and field.
3. **Matcher**: records → matches for our entities. :meth:`~ExternalSource.find` picks the
   record of a country node (by its ISO code); :meth:`~ExternalSource.codes` and
   :meth:`~ExternalSource.names` give what the run cross-checks against pycountry and our
   label; :meth:`~ExternalSource.check` adds problems of its own (two sources that disagree).
   A source may also find places (:meth:`~ExternalSource.places`) or attach its record to
   places another source found (:meth:`~ExternalSource.find_place`).
4. **Facts**: matches → RDF. :attr:`~ExternalSource.linksets` with
   :meth:`~ExternalSource.links` give the ``data/links/<stem>.ttl`` files;
   :attr:`~ExternalSource.description` with :meth:`~ExternalSource.facts` give the graph
   ``data/external/<slug>.trig``.

Every method but :meth:`~ExternalSource.read` and :meth:`~ExternalSource.find` has a default
that contributes nothing, so a source implements only what it has. Sources are found through
the registry in :mod:`kg.linking.sources` (``REGISTRY``); the run iterates it in order, so the
order of the registry is the order of the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.linking.model import CountryMatch, Documents, Matches, PlaceMatch
from kg.linking.origins import SourceSpec
from kg.linking.rdf import Graph


@dataclass(frozen=True)
class Linkset:
    """One linkset file, ``data/links/<stem>.ttl``, described in VoID.

    Attributes:
        stem: the file's stem and the graph ``graph:links/<stem>``.
        predicate: the link property (``owl:sameAs`` or ``skos:exactMatch``).
        target: the IRI of the target dataset.
        uri_space: the target's URI space.
        title: the target's name ("Wikidata").
    """

    stem: str
    predicate: str
    target: str
    uri_space: str
    title: str


class ExternalSource:
    """One external source (see the module doc). Subclass it in
    ``kg/linking/sources/<name>.py`` and add an instance to ``REGISTRY``."""

    spec: SourceSpec
    linksets: tuple[Linkset, ...] = ()
    description: str | None = None  # of graph:external/<slug>; None: no fact graph

    @property
    def slug(self) -> str:
        return self.spec.slug

    # reader --------------------------------------------------------------------------

    def read(self, path: Path) -> Any:
        """The file's records. Raises InputError naming file, line and field."""
        raise NotImplementedError

    def version(self, records: Any) -> str | None:
        """The version the file states of itself (``owl:versionInfo``), if any."""
        return None

    def retired_codes(self, records: Any) -> set[str]:
        """ISO alpha-2 codes the source lists only as withdrawn."""
        return set()

    # matcher -------------------------------------------------------------------------

    def find(self, records: Any, country: CountryMatch) -> Any | None:
        """The record for a country node (``country.alpha2``, ``country.iso``), or None."""
        raise NotImplementedError

    def codes(self, record: Any) -> list[tuple[str, str | None, str]]:
        """The codes the record gives, as (what, value, pycountry attribute), each of which
        must equal pycountry's (``alpha_2``, ``alpha_3`` or ``numeric``)."""
        return []

    def names(self, record: Any) -> set[str]:
        """The English names the record gives: our label must be one of some source's."""
        return set()

    def named(self, records: Any, names: set[str]) -> list[str]:
        """Codes of the entries bearing one of these normalised names (a hint when a label
        names another country)."""
        return []

    def check(self, records: Any, country: CountryMatch) -> list[str]:
        """Problems with a country's match once every source has found its record (each
        becomes a line of the LinkError, after the node's IRI and label)."""
        return []

    def places(
        self, records: Any, documents: Documents, countries: dict[str, CountryMatch]
    ) -> tuple[list[PlaceMatch], list[str]]:
        """Territories and organisations this source finds by label, and notes on those it
        leaves unlinked."""
        return [], []

    def find_place(self, records: Any, place: PlaceMatch) -> Any | None:
        """The record for a place another source found, or None."""
        return None

    # facts ---------------------------------------------------------------------------

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        """Per linkset stem, the (our node, their IRI) pairs."""
        return {}

    def facts(self, matches: Matches, graph: Graph) -> None:
        """Add the facts of ``graph:external/<slug>`` (its header is written for it)."""
