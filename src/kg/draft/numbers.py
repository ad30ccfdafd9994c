"""Numbers as prose writes them: ``3,871,833``, ``19 053 815``, ``1.33 million``, ``6 m``,
``45 339 km²``, ``1.330.000``, and the hedges before them ("about", "close to").

One reader for every rule that needs a figure, so that a notation learnt once is read
everywhere. The known failure it exists to prevent: reading "1 330 000" as 1 (the first group
of a space-separated number), or "1.33 million" as 1.33.

A figure is never guessed: a group of digits that is not a well-formed thousands group (``1 33``)
ends the number there, and words ("a million", "several thousand") are not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# thousands separators: comma, space, no-break space, narrow no-break space, thin space
_SEP = "[,\u0020\u00a0\u202f\u2009]"
_DIGITS = (
    r"(?<![\d.,])("
    rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:\.\d+)?(?![\d])"  # 3,871,833 / 19 053 815 / 1,330,000.5
    r"|\d{1,3}(?:\.\d{3}){2,}(?![\d])"  # 1.330.000 (dots as thousands: two groups at least)
    r"|\d+(?:\.\d+)?"  # 1330000 / 10.9 / 2.12
    r")"
)
_SCALE = r"(?:\s*(million|mln|m|billion|bn|thousand)\b\.?)?"
HEDGES = {
    "about": "approximately",
    "around": "approximately",
    "approximately": "approximately",
    "roughly": "approximately",
    "some": "approximately",
    "nearly": "approximately",
    "almost": "approximately",
    "close to": "approximately",
    "an estimated": "approximately",
    "estimated": "approximately",
    "over": "minimum",
    "more than": "minimum",
    "well over": "minimum",
    "at least": "minimum",
    "under": "maximum",
    "less than": "maximum",
    "fewer than": "maximum",
}
_HEDGE = r"(?:(" + "|".join(sorted(HEDGES, key=len, reverse=True)) + r")\s+)?"
NUMBER = re.compile(_HEDGE + _DIGITS + _SCALE, re.I)
SCALES = {"million": 10**6, "mln": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9}
SCALES["thousand"] = 10**3
AREA_UNIT = re.compile(
    r"\s*(?:km²|km2|sq\.?\s*km|square\s+kilomet(?:re|er)s?|km\s*\^?2)(?![\w])", re.I
)


@dataclass(frozen=True)
class Number:
    start: int  # offsets into the text given to :func:`numbers`, hedge included
    end: int
    value: Decimal
    hedge: str | None  # "approximately", "minimum", "maximum" or None
    digits_start: int

    @property
    def text_value(self) -> str:
        return format(self.value.normalize(), "f")


def parse(digits: str, scale: str | None = None) -> Decimal:
    """The value of one number as written (``"1 330 000"``, ``"1.33"`` with ``"million"``)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", digits):
        digits = digits.replace(".", "")
    value = Decimal(re.sub(_SEP, "", digits))
    return value * SCALES.get((scale or "").lower(), 1)


def numbers(text: str) -> list[Number]:
    """Every number of a text, left to right. A year-like 4-digit number stays a number: the
    caller decides from the words around it what a number measures."""
    found = []
    for m in NUMBER.finditer(text):
        scale = m.group(3)
        if scale and scale.lower() == "m" and re.match(r"²|2\b", text[m.end() : m.end() + 1]):
            scale = None  # "45 m²" is not 45 million
        end = m.end() if scale else m.end(2)
        value = parse(m.group(2), scale)
        hedge = HEDGES.get(" ".join((m.group(1) or "").lower().split()))
        found.append(Number(m.start(), end, value, hedge, m.start(2)))
    return found


def area_after(text: str, number: Number) -> int | None:
    """The end of a unit of area right after the number (``km²``, ``sq km``, ``square
    kilometres``), or None."""
    m = AREA_UNIT.match(text, number.end)
    return m.end() if m else None
