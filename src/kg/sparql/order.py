"""A SELECT's ORDER BY done in Python, in exactly the order the engine would give.

**Why.** Oxigraph sorts a solution sequence with a comparator that decodes both terms from
the store on every comparison (``cmp_terms`` in spareval): at 1M triples the sort of
``list-responsible-institutions`` (22,821 rows, 8 keys) was a quarter of the query's time,
and on the persistent store ``list-strategies-in-force-by-year`` spent 1.3-1.5 s sorting 5,725
rows whose evaluation took 0.04 s. Written out by the engine (its TSV serialiser, one line per
row), the same rows sort in Python on integer ranks: each distinct cell of a key column is
ranked once, and the rows compare as tuples of ints.

**When.** :func:`plan` accepts a SELECT whose outermost ORDER BY has only plain variables
(``?x``, ``ASC(?x)``, ``DESC(?x)``), optionally followed by LIMIT / OFFSET, and no REDUCED (the
engine would then deduplicate the unsorted stream), no trailing VALUES block and no SERVICE
(the endpoint would be called twice on a fallback). The query then runs without those
modifiers; :func:`sort_tsv` sorts its rows and applies OFFSET / LIMIT. DISTINCT stays in the
query: the engine deduplicates before the sort instead of after it, which keeps the same rows.

**Exactly the engine's order** (spareval 0.5, ``cmp_terms`` and ``partial_cmp_literals``):
unbound < blank nodes < IRIs < literals (< triple terms); blank nodes by label and IRIs by
their text, in code-point order; two literals by their value when the engine can compare
them (numbers numerically, strings and same-language strings by text, dates on the time
line…), else by (lexical form, datatype IRI, language tag). That fallback is not consistent
with the numeric and calendar comparisons (``10 < 9`` as text, ``9 < 10`` as numbers), so a
column is sorted here only when its literals fall in one family that is a total order:

* strings, language-tagged strings, booleans and literals of datatypes the engine does not
  interpret: by (lexical form, datatype, language) — the engine's own fallback, with which its
  string comparisons agree;
* integers (any of XSD's integer types, in the engine's 64-bit range) and decimals (up to 18
  fractional digits, the engine's precision), exactly, as Python's Decimal;
* doubles, written as plain digits with an optional exponent (not NaN, whose comparisons
  fail);
* dates, years, year-months and date-times written without a time zone and without fractions
  of a second, four-digit years: their text sorts as the time line does, so they sort with the
  strings (between two of different types the engine uses its fallback key too).

Anything else — a mix of families, a time zone, a float, a duration, a triple term, a value the
engine may read otherwise — is not guessed at: :func:`sort_tsv` returns None and the caller
runs the query with the engine's own ORDER BY.

**Ties.** The engine sorts with ``sort_unstable_by``: rows whose keys compare equal come out
in an order nobody can reproduce. Rows with equal keys that are also equal byte for byte (a
non-DISTINCT answer's duplicates) may come in any order; any other tie (keys equal but another
column differs, or ``1`` and ``1.0`` comparing equal) sends the query back to the engine too.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import compress, count
from operator import eq, itemgetter
from typing import Any, NamedTuple

from pyoxigraph import Literal, QueryResultsFormat, QuerySolutions, parse_query_results

from kg.sparql.lexer import NUMBER, VAR, WORD, Lexed, lex, top_level

XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = f"{XSD}string".encode()
_LANG_STRING = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_INTEGER_TYPES = frozenset(
    f"{XSD}{name}".encode()
    for name in (
        "integer",
        "byte",
        "short",
        "int",
        "long",
        "unsignedByte",
        "unsignedShort",
        "unsignedInt",
        "unsignedLong",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "nonNegativeInteger",
    )
)
# Datatypes the engine reads into values of its own (spareval's parse_typed_literal), other
# than those of the families below: their order is not reproduced here (xsd:boolean is read
# but never compared by value, so it sorts with the strings).
_OTHER_INTERPRETED = frozenset(
    f"{XSD}{name}".encode()
    for name in (
        "float",
        "time",
        "gMonthDay",
        "gDay",
        "gMonth",
        "duration",
        "yearMonthDuration",
        "dayTimeDuration",
        "dateTimeStamp",
    )
)
_DECIMAL = f"{XSD}decimal".encode()
_DOUBLE = f"{XSD}double".encode()
_I64 = 1 << 63


class _CellPatterns:
    """The patterns :func:`cell_key` reads a cell with, compiled the first time a column is
    read cell by cell (:func:`_cell_patterns`): most sorted answers are read a column at a time
    (:func:`_fast_keys`), and compiling them cost every cold ``kg query`` about a millisecond."""

    def __init__(self) -> None:
        date = rb"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
        self.calendar = {
            f"{XSD}date".encode(): re.compile(date),
            f"{XSD}gYear".encode(): re.compile(rb"[0-9]{4}"),
            f"{XSD}gYearMonth".encode(): re.compile(rb"[0-9]{4}-(?:0[1-9]|1[0-2])"),
            f"{XSD}dateTime".encode(): re.compile(
                date + rb"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
            ),
        }
        self.integer = re.compile(rb"-?[0-9]+")
        self.decimal = re.compile(rb"-?[0-9]{1,19}\.[0-9]{1,18}")
        self.double = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
        # A TSV literal cell without escapes: "text", "text"@lang, "text"^^<datatype>
        self.plain_literal = re.compile(rb'"([^"\\]*)"(?:@([A-Za-z0-9-]+)|\^\^<([^<>"\\ ]*)>)?')


@cache
def _cell_patterns() -> _CellPatterns:
    return _CellPatterns()


# Kinds of term, in the engine's order; a literal's key then names its family.
_UNBOUND, _BLANK, _IRI, _LITERAL = 0, 1, 2, 3
_TEXT, _NUMERIC, _DOUBLE_FAMILY = "text", "numeric", "double"


class Unsupported(Exception):
    """A cell whose place in the engine's order is not reproduced here."""


class OrderPlan(NamedTuple):
    """How to run a query without its ORDER BY and sort its rows in Python (a NamedTuple, not
    a dataclass: see :class:`kg.sparql.prepare.DatasetClause`)."""

    text: str  # the query without ORDER BY, LIMIT and OFFSET
    keys: tuple[tuple[str, bool], ...]  # (variable, descending)
    limit: int | None
    offset: int


# Query texts whose rows could not be sorted here (a tie, a mix of families): from then on this
# process sends them to the engine's ORDER BY at once instead of evaluating them twice. Their
# rows might sort here another time (other data, other parameters); asking the engine is
# always right, only slower.
_DECLINED: dict[str, None] = {}
_DECLINED_MAX = 256


def declined(text: str) -> bool:
    """Whether the rows of this query text could not be sorted here before."""
    return text in _DECLINED


def decline(text: str) -> None:
    """Remember that this query text's rows could not be sorted here (see :func:`declined`)."""
    _DECLINED[text] = None
    while len(_DECLINED) > _DECLINED_MAX:
        del _DECLINED[next(iter(_DECLINED))]


_PLANS: dict[str, OrderPlan | None] = {}
_PLANS_MAX = 256


def plan(text: str, lexed: Lexed | None = None) -> OrderPlan | None:
    """The plan for a SELECT's text, or None when its ORDER BY is not one :mod:`kg.sparql.order`
    sorts (see the module docstring). Remembered per text. ``lexed``: the text's tokens when
    the caller has them already (a prepared query's analysis), so the text is not lexed twice."""
    if text in _PLANS:
        return _PLANS[text]
    found = _plan(text, lex(text) if lexed is None else lexed)
    _PLANS[text] = found
    while len(_PLANS) > _PLANS_MAX:
        del _PLANS[next(iter(_PLANS))]
    return found


def _plan(text: str, lexed: Lexed) -> OrderPlan | None:
    if lexed.alternatives or not lexed.complete:
        return None
    tokens = lexed.tokens
    top = top_level(tokens)
    words = [tokens[i].upper for i in top if tokens[i].kind == WORD]
    if "REDUCED" in words or "VALUES" in words or any("SERVICE" in w for w in words):
        return None
    if any("SERVICE" in t.upper for t in tokens if t.kind == WORD):
        return None
    order = next(
        (
            n
            for n, i in enumerate(top)
            if tokens[i].kind == WORD
            and tokens[i].upper == "ORDER"
            and n + 1 < len(top)
            and tokens[top[n + 1]].upper == "BY"
            and top[n + 1] == i + 1
        ),
        None,
    )
    if order is None:
        return None
    start = top[order]
    i = start + 2
    keys: list[tuple[str, bool]] = []
    while i < len(tokens):
        t = tokens[i]
        if t.kind == VAR:
            keys.append((t.text[1:], False))
            i += 1
        elif t.kind == WORD and t.upper in ("ASC", "DESC"):
            window = tokens[i + 1 : i + 4]
            if (
                len(window) == 3
                and window[0].text == "("
                and window[1].kind == VAR
                and window[2].text == ")"
            ):
                keys.append((window[1].text[1:], t.upper == "DESC"))
                i += 4
            else:
                return None
        else:
            break
    if not keys:
        return None
    limit: int | None = None
    offset = 0
    seen: set[str] = set()
    while i < len(tokens):
        t = tokens[i]
        if (
            t.kind == WORD
            and t.upper in ("LIMIT", "OFFSET")
            and t.upper not in seen
            and i + 1 < len(tokens)
            and tokens[i + 1].kind == NUMBER
            and tokens[i + 1].text.isdigit()
        ):
            seen.add(t.upper)
            value = int(tokens[i + 1].text)
            if t.upper == "LIMIT":
                limit = value
            else:
                offset = value
            i += 2
        else:
            return None  # anything else after the ORDER BY: left to the engine
    end = tokens[-1].end
    return OrderPlan(text[: tokens[start].start] + text[end:], tuple(keys), limit, offset)


def _literal_parts(cell: bytes, patterns: _CellPatterns) -> tuple[bytes, bytes, bytes]:
    """(lexical form as UTF-8, datatype IRI, language tag) of a TSV literal cell."""
    m = patterns.plain_literal.fullmatch(cell)
    if m is not None:
        value, language, datatype = m.groups()
        if language is not None:
            return value, _LANG_STRING, language
        return value, datatype if datatype is not None else _STRING, b""
    if cell[:1] != b'"':  # a bare number or boolean (Turtle's short forms)
        if patterns.integer.fullmatch(cell):
            return cell, f"{XSD}integer".encode(), b""
        if cell in (b"true", b"false"):
            return cell, f"{XSD}boolean".encode(), b""
        if b"e" in cell or b"E" in cell:
            return cell, _DOUBLE, b""
        return cell, _DECIMAL, b""
    # escapes: the engine's parser reads the cell
    parsed = parse_query_results(b"?x\n" + cell + b"\n", QueryResultsFormat.TSV)
    assert isinstance(parsed, QuerySolutions)
    term = next(iter(parsed))["x"]
    if not isinstance(term, Literal):
        raise Unsupported(cell)
    language = term.language
    return (
        term.value.encode("utf-8"),
        term.datatype.value.encode("utf-8"),
        language.encode("utf-8") if language else b"",
    )


def cell_key(cell: bytes) -> tuple[Any, ...]:
    """A TSV cell's place in the engine's order: (kind, value…), a literal's as (kind, family,
    value…); only literals of one family are compared by value (:func:`_ranks` checks it).
    Raises Unsupported."""
    if not cell:
        return (_UNBOUND,)
    first = cell[:1]
    if first == b"<":
        if cell[:2] == b"<<":
            raise Unsupported(cell)  # a triple term
        return (_IRI, cell[1:-1])
    if first == b"_":
        return (_BLANK, cell[2:])
    patterns = _cell_patterns()
    value, datatype, language = _literal_parts(cell, patterns)
    if b"--" in language:  # a base direction: the engine's directional strings
        raise Unsupported(cell)
    if datatype in _INTEGER_TYPES:
        if patterns.integer.fullmatch(value) and -_I64 <= int(value) < _I64:
            return (_LITERAL, _NUMERIC, int(value))  # compares exactly with Decimal
        raise Unsupported(cell)
    if datatype == _DECIMAL:
        if patterns.decimal.fullmatch(value) or patterns.integer.fullmatch(value):
            from decimal import Decimal  # here: a cold query without decimals skips it

            number = Decimal(value.decode("ascii"))
            if abs(number) < Decimal(10) ** 19:
                return (_LITERAL, _NUMERIC, number)
        raise Unsupported(cell)
    if datatype == _DOUBLE:
        if patterns.double.fullmatch(value):
            return (_LITERAL, _DOUBLE_FAMILY, float(value))
        raise Unsupported(cell)
    pattern = patterns.calendar.get(datatype)
    if pattern is not None:
        if pattern.fullmatch(value):
            # on the time line as in their text: the engine's fallback key orders them, so they
            # sort with the strings (two of them never have the same text and another type)
            return (_LITERAL, _TEXT, value, datatype, language)
        raise Unsupported(cell)
    if datatype in _OTHER_INTERPRETED:
        raise Unsupported(cell)
    return (_LITERAL, _TEXT, value, datatype, language)


# A column of strings in several languages, read in one pass: (text, language tag) pairs.
_STRING_LINES = re.compile(rb'(?:"[^"\\\n\x00]*"(?:@[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)?\n)*')
_STRING_LINE = re.compile(rb'"([^"\\\n\x00]*)"(?:@([A-Za-z0-9-]+))?\n')


def _fast_keys(cells: list[bytes]) -> list[Any] | None:
    """Keys for the common shapes of a column, from a few passes over the whole column (bytes
    methods) instead of a call per cell; None for any other column. :func:`cell_key` orders
    the cells the same way:

    * IRIs only: the cell with its closing ``>`` made ``\\x00`` (an IRI holds neither), so that
      a prefix sorts first, as the text does;
    * strings without escapes, all plain or all with one language tag: likewise, the closing
      quote (and tag) made ``\\x00``; several tags: (text, tag) pairs;
    * integers written bare (Turtle's short form) in the engine's 64-bit range: their values.
    """
    n = len(cells)
    if not n:
        return []
    joined = b"\n" + b"\n".join(cells) + b"\n"
    if b"\x00" in joined:
        return None
    if joined.count(b"\n<") == n and joined.count(b">\n") == n and b"\n<<" not in joined:
        return joined.replace(b">\n", b"\x00\n").split(b"\n")[1:-1]
    if joined.count(b'\n"') == n and b"\\" not in joined:
        first = cells[0]
        end = first[first.rindex(b'"') :] + b"\n"  # '"\n' or '"@tag\n'
        if b"^" not in end and joined.count(end) == n:
            return joined.replace(end, b"\x00\n").split(b"\n")[1:-1]
        if _STRING_LINES.fullmatch(joined, 1):
            pairs = _STRING_LINE.findall(joined, 1)
            if all(map(itemgetter(1), pairs)):  # tagged all: plain ones would sort between
                return pairs
        return None
    if b'"' in joined or b"_" in joined or b"+" in joined or b" " in joined:
        return None
    try:
        numbers = list(map(int, cells))
    except ValueError:
        return None
    if not (min(numbers) >= -_I64 and max(numbers) < _I64):
        return None  # beyond the engine's integers: it reads them as text
    return numbers


def _ranks(cells: set[bytes], descending: bool) -> dict[bytes, int]:
    """Each distinct cell of a key column → its rank (equal keys share one), negated for a
    descending key; unbound (the empty cell) is 0, before everything. Raises Unsupported when
    the column's literals are not of one family."""
    distinct = [c for c in cells if c]
    keys = _fast_keys(distinct)
    if keys is None:
        keys = [cell_key(c) for c in distinct]
        families = {k[1] for k in keys if k[0] == _LITERAL}
        if len(families) > 1:
            raise Unsupported(b"literals of several families in one column")
    at = sorted(range(len(distinct)), key=keys.__getitem__)
    step = -1 if descending else 1
    ranks: dict[bytes, int] = {b"": 0}
    if len(set(keys)) == len(keys):  # no two cells compare equal
        ranks.update(
            zip(map(distinct.__getitem__, at), range(step, step * (len(at) + 1), step), strict=True)
        )
        return ranks
    rank, previous = 0, None
    for i in at:
        if rank == 0 or keys[i] != previous:
            rank += 1
            previous = keys[i]
        ranks[distinct[i]] = rank * step
    return ranks


def _column_keys(column: list[bytes], descending: bool) -> list[Any]:
    """Each row's key in one key column: the values themselves where :func:`_fast_keys` reads
    the column in one pass (ascending only), else the rank of its cell (:func:`_ranks`)."""
    if not descending:
        keys = _fast_keys(column)
        if keys is not None:
            return keys
    ranks = _ranks(set(column), descending)
    return list(map(ranks.__getitem__, column))


def sort_tsv(tsv: bytes, order: OrderPlan) -> bytes | None:
    """The engine's SPARQL TSV answer sorted as the engine's ORDER BY would sort it, with the
    plan's OFFSET and LIMIT applied; None when that order cannot be reproduced exactly (see
    the module docstring): the caller then asks the engine."""
    header, _, body = tsv.partition(b"\n")
    names = [name[1:].decode("utf-8") for name in header.split(b"\t")] if header else []
    try:
        at = [names.index(variable) for variable, _ in order.keys]
    except ValueError:  # a key the answer does not project: its value is not in the rows
        return None
    if not body:
        return tsv
    body = body[:-1] if body.endswith(b"\n") else body
    rows = body.split(b"\n")
    cells = body.replace(b"\n", b"\t").split(b"\t")  # every cell, row after row
    width = len(names)
    if len(cells) != width * len(rows):
        return None  # pragma: no cover - the engine's TSV has a cell per variable per row
    ranked = []
    try:
        for (_, descending), i in zip(order.keys, at, strict=True):
            keys = _column_keys(cells[i::width], descending)
            ranked.append(keys)
            if len(set(keys)) == len(rows):
                break  # every row has a key of its own here: the later keys never decide
    except Unsupported:
        return None
    keys = list(zip(*ranked, strict=True))
    ordered = sorted(range(len(rows)), key=keys.__getitem__)
    in_order = list(map(keys.__getitem__, ordered))
    for j in compress(count(), map(eq, in_order, in_order[1:])):
        if rows[ordered[j]] != rows[ordered[j + 1]]:
            return None  # a tie the engine breaks in an order of its own
    stop = None if order.limit is None else order.offset + order.limit
    return b"\n".join([header, *map(rows.__getitem__, ordered[order.offset : stop]), b""])
