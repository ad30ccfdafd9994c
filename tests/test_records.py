"""kg.records.record behaves as the standard dataclass for what kg's classes use: each case is
run on a record and on a dataclass of the same body, and must give the same result."""

from __future__ import annotations

import dataclasses
from dataclasses import field

import pytest

from kg.records import record


def _pair(frozen: bool):
    def body():
        class Thing:
            name: str
            count: int = 0
            tags: list[str] = field(default_factory=list)
            hidden: str = field(default="h", repr=False)
            loose: str = field(default="x", compare=False)

            def label(self) -> str:
                return f"{self.name}:{self.count}"

        return Thing

    return record(frozen=frozen)(body()), dataclasses.dataclass(frozen=frozen)(body())


def _outcome(call):
    try:
        value = call()
    except Exception as error:  # the same class of error, with the same words
        return ("raises", type(error).__name__, str(error).split("__init__() ")[-1])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = repr(value).split("(", 1)[1]  # the fields, whichever class holds them
    return ("returns", value)


CASES = {
    "positional": lambda C: C("a", 2, ["t"]),
    "keywords": lambda C: C(name="a", tags=["t"], count=3),
    "defaults": lambda C: C("a"),
    "factory is fresh": lambda C: C("a").tags is not C("a").tags,
    "missing": lambda C: C(),
    "too many": lambda C: C("a", 1, [], "h", "x", "extra"),
    "twice": lambda C: C("a", name="b"),
    "unknown": lambda C: C("a", colour="red"),
    "repr": lambda C: repr(C("a", 2, ["t"], "secret")),
    "eq": lambda C: C("a", 1) == C("a", 1),
    "eq ignores compare=False": lambda C: C("a", loose="1") == C("a", loose="2"),
    "ne": lambda C: C("a", 1) != C("a", 2),
    "other class": lambda C: C("a") == ("a", 0),
    "fields": lambda C: [f.name for f in dataclasses.fields(C)],
    "is_dataclass": lambda C: dataclasses.is_dataclass(C("a")),
    "replace": lambda C: repr(dataclasses.replace(C("a", 1), count=5)),
    "asdict": lambda C: dataclasses.asdict(C("a", 1, ["t"])),
    "method": lambda C: C("a", 4).label(),
    "match_args": lambda C: C.__match_args__,
}


@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_record_does_what_a_dataclass_does(case, frozen):
    mine, theirs = _pair(frozen)
    got, expected = _outcome(lambda: CASES[case](mine)), _outcome(lambda: CASES[case](theirs))
    assert got == expected


@pytest.mark.parametrize("frozen", [False, True])
def test_hashing_and_assignment(frozen):
    mine, theirs = _pair(frozen)
    for cls in (mine, theirs):
        thing = cls("a", 1, ("t",))
        if frozen:
            assert hash(cls("a", 1, ("t",), loose="y")) == hash(cls("a", 1, ("t",), loose="z"))
            with pytest.raises(dataclasses.FrozenInstanceError):
                thing.count = 2
            with pytest.raises(dataclasses.FrozenInstanceError):
                del thing.count
        else:
            with pytest.raises(TypeError):
                hash(thing)
            thing.count = 2
            assert thing.count == 2
    if frozen:
        first, second = mine("a", 1, ("t",)), mine("a", 1, ("t",))
        assert hash(first) == hash(second) and len({first, second}) == 1


def test_post_init_inheritance_and_what_the_class_defines():
    @record
    class Base:
        text: str
        lines: list[int] = field(default_factory=list, repr=False)

        def __post_init__(self) -> None:
            self.lines = [len(line) for line in self.text.split("\n")]

    @record
    class Child(Base):
        extra: int = 1

        def __repr__(self) -> str:
            return "a child"

    child = Child("ab\nc", extra=3)
    assert child.lines == [2, 1] and child.extra == 3 and repr(child) == "a child"
    assert [f.name for f in dataclasses.fields(Child)] == ["text", "lines", "extra"]
    assert (
        repr(Base("x"))
        == "test_post_init_inheritance_and_what_the_class_defines.<locals>.Base(text='x')"
    )
