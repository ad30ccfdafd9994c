"""A SPARQL 1.1 tokenizer, so that kg can look at a query's keywords without being fooled by
the same words inside strings, IRIs, comments, variables or prefixed names.

Why not a regex on the raw text: ``"SERVICE"``, ``ex:SERVICE``, ``?service`` and
``# SERVICE`` are harmless, while ``SERVICE <…>`` makes the engine fetch from the network.
The terminals follow the SPARQL 1.1 grammar (§19.8); token spans are what matter, so escapes
are accepted wherever the engine accepts them and their validity is left to the engine.

One subtlety: the engine (Oxigraph) parses without a separate lexer. Inside an expression,
``?a<?b)…>`` is a less-than followed by more expression for the engine, but a single IRI for
a longest-match lexer. When such an "IRI" contains a character that can end the expression or
start a comment or a string (``)``, ``#``, ``'``), the text after it can mean different things
to the two readings. :func:`lex` therefore explores both readings at every such ``<`` and
reports the tokens of all of them, so that a caller looking for a dangerous keyword sees it in
whichever reading the engine picks.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

# --- terminals (SPARQL 1.1 §19.8) ------------------------------------------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_EXTRA = "\u00b7\u0300-\u036f\u203f-\u2040"  # non-ASCII characters of PN_CHARS
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_WS = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")
_IRIREF = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|" + _UCHAR + r")*>")


class _Terminals(NamedTuple):
    """The terminals whose character classes span Unicode (prefixed names, variables, blank
    node labels). Compiling the full classes costs ~30 ms, a quarter of a `kg query`; most
    queries are ASCII, and on ASCII text the ASCII-only classes match exactly the same. (A
    NamedTuple, not a dataclass: see :class:`kg.sparql.prepare.DatasetClause`.)"""

    pname: re.Pattern[str]
    var: re.Pattern[str]
    bnode: re.Pattern[str]


def _compile_terminals(unicode: bool) -> _Terminals:
    base = _PN_CHARS_BASE if unicode else "A-Za-z"
    extra = _PN_CHARS_EXTRA if unicode else ""
    chars_u = base + "_"
    chars = chars_u + "\\-0-9" + extra
    prefix = f"[{base}](?:[{chars}.]*[{chars}])?"
    local = f"(?:[{chars_u}:0-9]|{_PLX})(?:(?:[{chars}.:]|{_PLX})*(?:[{chars}:]|{_PLX}))?"
    varname = f"[{chars_u}0-9][{chars_u}0-9{extra}]*"
    return _Terminals(
        pname=re.compile(f"(?P<prefix>(?:{prefix})?):(?P<local>{local})?"),
        var=re.compile(f"[?$]{varname}"),
        bnode=re.compile(f"_:[{chars_u}0-9](?:[{chars}.]*[{chars}])?"),
    )


_ASCII_TERMINALS = _compile_terminals(unicode=False)


@cache
def _unicode_terminals() -> _Terminals:
    return _compile_terminals(unicode=True)


@lru_cache(maxsize=32)
def _terminals(text: str) -> _Terminals:
    return _ASCII_TERMINALS if text.isascii() else _unicode_terminals()


# As text, compiled (and cached by ``re``) at the first language tag or number lexed: many
# queries have neither, and a cold ``kg query`` need not compile them.
_LANGTAG = r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"
_NUMBER = r"(?:[0-9]+\.?[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRINGS = (
    re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''", re.DOTALL),
    re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""', re.DOTALL),
    re.compile(r"'(?:[^'\\\n\r]|\\.)*'"),
    re.compile(r'"(?:[^"\\\n\r]|\\.)*"'),
)
_PUNCT2 = ("^^", "||", "&&", "!=", "<=", ">=")
_PUNCT1 = set("{}()[].,;*+-/!^|=<>?")

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {v: k for k, v in OPENERS.items()}

# Kinds of token. ERROR carries a message saying what is wrong at that place.
IRI, PNAME, BNODE, VAR, STRING, LANGTAG, NUMBER, WORD, PUNCT, ERROR = (
    "IRI",
    "PNAME",
    "BNODE",
    "VAR",
    "STRING",
    "LANGTAG",
    "NUMBER",
    "WORD",
    "PUNCT",
    "ERROR",
)
_VALUE_KINDS = frozenset({IRI, PNAME, BNODE, VAR, STRING, LANGTAG, NUMBER})

# Characters that, inside what looks like an IRI in an expression, let the rest of the text be
# read differently when the '<' is a less-than: ')' ends the expression, '#' starts a comment,
# "'" starts a string. ('"', '{', '}' and spaces cannot occur inside an IRI at all.)
_REREAD_CHARS = frozenset(")#'")

# A bound on the extra work spent on alternative readings: pathological input stops there and
# the caller is told the check could not be completed.
_MAX_STATES = 20000


class Token(NamedTuple):
    """One terminal of a query: its kind, its text and where it is (offsets into the text).

    A NamedTuple, not a dataclass (see :class:`kg.sparql.prepare.DatasetClause`): the frozen
    dataclass with slots took five times as long to define (its class is made twice), on
    every cold ``kg query``, and a token twice as long to make (its ``__init__`` sets each
    field through ``object.__setattr__``)."""

    kind: str
    text: str
    start: int
    end: int
    message: str = ""

    @property
    def upper(self) -> str:
        return self.text.upper()

    def prefix(self) -> str:
        """The prefix of a prefixed name (``ex`` for ``ex:a``)."""
        return self.text.split(":", 1)[0]


@dataclass
class Lexed:
    """The tokens of a query.

    ``tokens`` is the reading of a SPARQL lexer (longest match, as the specification says).
    ``alternatives`` holds tokens that appear only in other readings of an ambiguous ``<``
    (see the module docstring); ``complete`` is False when exploring them hit the bound.
    """

    text: str
    tokens: list[Token]
    alternatives: list[Token] = field(default_factory=list)
    complete: bool = True
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset, as the engine counts them."""
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """Inverse of :meth:`position` (clamped to the text)."""
        line = max(1, min(line, len(self._line_starts)))
        return min(self._line_starts[line - 1] + max(column, 1) - 1, len(self.text))

    def all_tokens(self) -> list[Token]:
        return self.tokens + self.alternatives


def _scan(text: str, pos: int) -> tuple[Token | None, int]:
    """The next token at or after ``pos`` (skipping whitespace and comments), or None at the
    end. Never raises: what is not a token becomes an ERROR token."""
    m = _WS.match(text, pos)
    if m:
        pos = m.end()
    if pos >= len(text):
        return None, pos
    c = text[pos]
    if c == "<":
        m = _IRIREF.match(text, pos)
        if m:
            return Token(IRI, m.group(), pos, m.end()), m.end()
        op = "<=" if text.startswith("<=", pos) else "<"
        return Token(PUNCT, op, pos, pos + len(op)), pos + len(op)
    if c in "'\"":
        for pattern in _STRINGS:
            m = pattern.match(text, pos)
            if m:
                return Token(STRING, m.group(), pos, m.end()), m.end()
        if text.startswith(c * 3, pos):
            return Token(ERROR, text[pos:], pos, len(text), "unterminated long string"), len(text)
        eol = re.compile(r"[\r\n]").search(text, pos)
        end = eol.start() if eol else len(text)
        return Token(ERROR, text[pos:end], pos, end, "unterminated string"), end
    if c in "?$":
        m = _terminals(text).var.match(text, pos)
        if m:
            return Token(VAR, m.group(), pos, m.end()), m.end()
        if c == "?":
            return Token(PUNCT, "?", pos, pos + 1), pos + 1
        return Token(ERROR, c, pos, pos + 1, "'$' must start a variable name"), pos + 1
    if text.startswith("_:", pos):
        m = _terminals(text).bnode.match(text, pos)
        if m:
            return Token(BNODE, m.group(), pos, m.end()), m.end()
    if c == "@":
        m = re.compile(_LANGTAG).match(text, pos)
        if m:
            return Token(LANGTAG, m.group(), pos, m.end()), m.end()
        return Token(ERROR, c, pos, pos + 1, "'@' must start a language tag"), pos + 1
    if c.isdigit() or (c == "." and pos + 1 < len(text) and text[pos + 1].isdigit()):
        m = re.compile(_NUMBER).match(text, pos)
        if m:
            return Token(NUMBER, m.group(), pos, m.end()), m.end()
    m = _terminals(text).pname.match(text, pos)
    if m:
        return Token(PNAME, m.group(), pos, m.end()), m.end()
    m = _WORD.match(text, pos)
    if m:
        return Token(WORD, m.group(), pos, m.end()), m.end()
    for op in _PUNCT2:
        if text.startswith(op, pos):
            return Token(PUNCT, op, pos, pos + 2), pos + 2
    if c in _PUNCT1:
        return Token(PUNCT, c, pos, pos + 1), pos + 1
    return Token(ERROR, c, pos, pos + 1, f"unexpected character {c!r}"), pos + 1


def _next_stack(stack: tuple[str, ...], token: Token) -> tuple[str, ...]:
    if token.kind == PUNCT:
        if token.text in OPENERS:
            return (*stack, token.text)
        if token.text in CLOSERS and stack:
            return stack[:-1]
    return stack


def _ends_value(token: Token) -> bool:
    """Whether a '<' right after this token may be a less-than. Bare words count (``true``,
    ``false``, and whatever the engine may read as a value without a word boundary)."""
    return (
        token.kind in _VALUE_KINDS
        or token.kind == WORD
        or (token.kind == PUNCT and token.text in ")]")
    )


def _rereadable(token: Token, stack: tuple[str, ...], after_value: bool) -> bool:
    """Whether this IRI token could be a less-than for the engine, with a different meaning
    for the text that follows it."""
    return (
        token.kind == IRI
        and after_value
        and bool(stack)
        and stack[-1] == "("
        and not _REREAD_CHARS.isdisjoint(token.text)
    )


def tokenize(text: str) -> list[Token]:
    """The tokens of a query as a SPARQL lexer reads them (longest match)."""
    tokens: list[Token] = []
    pos = 0
    while True:
        token, pos = _scan(text, pos)
        if token is None:
            return tokens
        tokens.append(token)


def top_level(tokens: Sequence[Token]) -> list[int]:
    """Indices of the tokens outside every bracket: where a query's own clauses are (its
    solution modifiers, a trailing VALUES block), not those of a subquery or a pattern."""
    out: list[int] = []
    depth = 0
    for i, token in enumerate(tokens):
        if token.kind == PUNCT and token.text in OPENERS:
            depth += 1
        elif token.kind == PUNCT and token.text in CLOSERS:
            depth -= 1
        elif depth == 0:
            out.append(i)
    return out


def closing_braces(tokens: Sequence[Token]) -> dict[int, int]:
    """Index of each ``{`` → index of the ``}`` that closes it (an unclosed one is left out):
    where each group of a query ends."""
    closing: dict[int, int] = {}
    opened: list[int] = []
    for i, token in enumerate(tokens):
        if token.kind == PUNCT and token.text == "{":
            opened.append(i)
        elif token.kind == PUNCT and token.text == "}" and opened:
            closing[opened.pop()] = i
    return closing


def lex(text: str) -> Lexed:
    """Tokenize a query and also every other reading of its ambiguous ``<`` (see module doc).

    The alternative readings are explored as a set of lexer states (position, open brackets,
    whether a value was just read), each visited once, so the work stays close to linear.
    """
    tokens: list[Token] = []
    alternatives: dict[tuple[int, int, str], Token] = {}
    seen: set[tuple[int, tuple[str, ...], bool]] = set()
    # (position, open brackets, after a value, is the primary reading)
    work: list[tuple[int, tuple[str, ...], bool, bool]] = [(0, (), False, True)]
    complete = True
    while work:
        pos, stack, after_value, primary = work.pop()
        while True:
            state = (pos, stack, after_value)
            if not primary and state in seen:
                break
            seen.add(state)
            if len(seen) > _MAX_STATES + len(text):
                complete = False
                work.clear()
                break
            token, end = _scan(text, pos)
            if token is None:
                break
            if _rereadable(token, stack, after_value):
                # The engine may read this '<' as less-than: continue that reading too.
                work.append((token.start + 1, stack, False, False))
            if primary:
                tokens.append(token)
            else:
                alternatives.setdefault((token.start, token.end, token.kind), token)
            stack = _next_stack(stack, token)
            after_value = _ends_value(token)
            pos = end
    known = {(t.start, t.end, t.kind) for t in tokens}
    extra = [t for key, t in sorted(alternatives.items()) if key not in known]
    return Lexed(text, tokens, extra, complete)
