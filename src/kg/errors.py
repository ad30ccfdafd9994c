"""Typed errors. The library raises them and never prints or exits; the CLI maps them to
messages and exit codes (0 success, 1 the data does not conform, 2 any error)."""

from __future__ import annotations

from pathlib import Path


class KgError(Exception):
    """Base of every error the user should see as a message, not a traceback."""

    exit_code = 2


class KgWarning(UserWarning):
    """Something the user should know that is not an error (an empty data file). Raised with
    :func:`warnings.warn`; the CLI prints it as ``kg: warning: …`` on standard error."""


class QuotesUnavailable(KgWarning):
    """An answer cites passages whose source document is not on this machine (or not the
    version the graph cites), so their quote is empty: the message says where kg looked and
    how to point it at the document (``KG_DOCUMENTS``)."""


class InputError(KgError):
    """A file or folder given to kg cannot be used (missing, unknown format, unreadable)."""


class RdfSyntaxError(KgError):
    """An RDF file does not parse. Names the file and the position of the error."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.detail = message
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: syntax error: {message}")


class QuerySyntaxError(KgError):
    """A SPARQL query does not parse. Carries the line and column of the error."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        self.detail = message
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"malformed query: {where}{message}")


class QueryRefused(KgError):
    """A well-formed query asks for something kg does not allow (an update, SERVICE, LOAD,
    FROM on a file or URL)."""


class UpdateRefused(QueryRefused):
    """The text is a SPARQL Update (INSERT, DELETE, CLEAR …): kg only reads the graph. Apart
    from QueryRefused so that an endpoint can answer 403 (forbidden) rather than 400."""


class ParameterError(KgError):
    """A query parameter is missing, unknown, or names no entity / more than one entity."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        self.candidates = candidates or []
        text = message
        if self.candidates:
            text += "\n  candidates:\n" + "\n".join(f"    {c}" for c in self.candidates)
        super().__init__(text)


class UnknownQuery(KgError):
    """No canned query has that name."""


class EndpointError(KgError):
    """A remote SPARQL endpoint failed, timed out or answered with an HTTP error."""


class OutputError(KgError):
    """Output could not be written; the previous file, if any, is left unchanged."""


class ShapesError(KgError):
    """The SHACL shapes graph is malformed or uses a feature the validation engine does not
    support. Names the shape and the feature, so that nothing is silently left unchecked."""


class LinkError(KgError):
    """Our data and the external files disagree about who an entity is (its ``id:`` code says
    one country, its label another; two sources give different codes), so no link from it can be
    trusted. Lists every such mismatch; nothing is written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} identity mismatch(es) between the data and the external "
            "files; nothing was written:\n" + "\n".join(f"  {p}" for p in self.problems)
        )


class DoesNotConform(KgError):
    """The data does not conform to the shapes, so kg refuses to publish it (exit 1)."""

    exit_code = 1
