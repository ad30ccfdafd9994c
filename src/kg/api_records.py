"""The records :func:`kg.api.validate`, :func:`kg.api.export_graph` and :func:`kg.api.cite`
return: public as ``kg.Finding``, ``kg.ValidationReport``, ``kg.Exported`` and ``kg.Citation``
(and as names of :mod:`kg.api`), defined here so that importing :mod:`kg.api`, which every
cold ``kg query`` does, does not build four dataclasses a query never uses (each costs about
a millisecond to define: its methods are compiled from source in every process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Citation", "Exported", "Finding", "ValidationReport"]


@dataclass(frozen=True)
class Finding:
    """One thing validation found: a SHACL result or a row of a data-quality check.

    Attributes:
        severity: ``Violation``, ``Warning`` or ``Info``.
        focus: the entity concerned (an rdflib term).
        label: its label, else its CURIE.
        path: the property path (SPARQL syntax), if any.
        value: the offending value (an rdflib term), if any.
        message: what is wrong.
        shape: the shape (or ``checks/<name>``) that found it, as an IRI.
        files: the data files holding the entity's triples.
        check: the data-quality check's name, for findings of ``queries/checks``.
    """

    severity: str
    focus: Any
    label: str
    path: str | None
    value: Any
    message: str
    shape: str
    files: tuple[Path, ...]
    check: str | None


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate` found. ``conforms`` is False when any finding is a violation.

    Attributes:
        conforms: no violation (warnings and infos allowed).
        findings: every finding, violations first, then by file and label.
        counts: findings per severity.
        engine: ``native`` or ``pyshacl``.
        triples: the quads validated.
    """

    conforms: bool
    findings: list[Finding]
    counts: dict[str, int]
    engine: str
    triples: int
    _report: Any = field(repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        """What ``kg validate`` exits with: 0 conforms, 1 does not."""
        return 0 if self.conforms else 1

    def render(self, format: str = "text") -> str:
        """The report as ``kg validate --format`` prints it: ``text``, ``json`` or ``turtle``
        (a SHACL ``sh:ValidationReport``)."""
        from kg.validation import report

        return report.render(self._report, format)


@dataclass(frozen=True)
class Exported:
    """What :func:`export_graph` wrote.

    Attributes:
        format: the format's name (``trig``, ``turtle``, ``jsonld`` …).
        graphs: the graphs exported.
        statements: quads (TriG, N-Quads) or triples after merging (the others).
        path: the file written, if one was given.
        data: the bytes, when neither a file nor a stream was given.
    """

    format: str
    graphs: int
    statements: int
    path: Path | None
    data: bytes | None


@dataclass(frozen=True)
class Citation:
    """Where a quote lies in a document, as ``data/`` cites passages.

    Attributes:
        quote: the quote, as given.
        start: the first code point of the span in the decoded text.
        end: one past its last code point.
        profile: the name of the profile holding the span, when the graph records profiles
            for the document.
        trig: a passage-graph skeleton for the span, to fill with the facts it states.
    """

    quote: str
    start: int
    end: int
    profile: str | None
    trig: str
