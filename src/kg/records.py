"""``record``: a dataclass whose methods are not compiled when the class is made.

Why: the standard ``dataclass`` writes the source of each method a class needs (``__init__``,
``__repr__``, ``__eq__``, and for a frozen class ``__setattr__``, ``__delattr__`` and
``__hash__``) and compiles it, for every class, in every process: 0.3-1 ms a class. The
modules a cold ``kg query`` imports define twenty of them, which cost more than a tenth of the
command (13 ms of its 130 on the machine of bench/README.md, "Issue 22 (second pass)"). A
record has the same methods, written once below and shared by every record class; its fields
are the standard library's own (``dataclasses.fields``, ``replace``, ``asdict`` and
``is_dataclass`` work on it as on any dataclass). Making one costs what a class costs.

The price is paid per instance instead: the shared ``__init__`` walks the fields, about a
microsecond more per object than a compiled one. Classes made by the thousand (the query
lexer's tokens) stay standard dataclasses.

What a record does, as ``dataclass`` does it: positional and keyword arguments in field order,
defaults and ``default_factory``, ``__post_init__``, fields left out of ``repr`` or of
comparisons (``field(repr=False, compare=False)``), equality with an instance of the very same
class only, and with ``frozen=True`` no assignment after ``__init__``
(``dataclasses.FrozenInstanceError``) and a hash of the compared fields; without it, no hash
(as an unfrozen dataclass that compares). Not supported: ``InitVar``, keyword-only fields,
``slots``, ordering.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

_MISSING = dataclasses.MISSING
_set = object.__setattr__


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """Make ``cls`` a record (see the module docstring); ``@record`` or
    ``@record(frozen=True)``, as ``@dataclass`` is used."""

    def make(cls: type[T]) -> type[T]:
        dataclasses.dataclass(cls, init=False, repr=False, eq=False)  # the fields only
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        cls.__record_init__ = tuple(  # type: ignore[attr-defined]
            (f.name, f.default, f.default_factory) for f in fields if f.init
        )
        cls.__record_later__ = tuple(  # type: ignore[attr-defined]
            (f.name, f.default, f.default_factory)
            for f in fields
            if not f.init and (f.default is not _MISSING or f.default_factory is not _MISSING)
        )
        cls.__record_repr__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
        compared = tuple(f.name for f in fields if f.compare)
        cls.__record_compare__ = compared  # type: ignore[attr-defined]
        body = cls.__dict__
        explicit_hash = "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
        for name, method in (("__init__", _init), ("__repr__", _repr), ("__eq__", _eq)):
            if name not in body:  # as dataclass does: what the class defines stays
                setattr(cls, name, method)
        methods: dict[str, Any] = {}
        if frozen:
            methods |= {"__setattr__": _frozen_setattr, "__delattr__": _frozen_delattr}
        if not explicit_hash:
            methods["__hash__"] = _hash if frozen else None
        for name, method in methods.items():
            setattr(cls, name, method)
        return cls

    return make if cls is None else make(cls)


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    fields: tuple[tuple[str, Any, Any], ...] = cls.__record_init__
    if len(args) > len(fields):
        needed = sum(1 for _, d, f in fields if d is _MISSING and f is _MISSING)
        takes = f"from {needed + 1} to " if needed < len(fields) else ""
        raise TypeError(
            f"{cls.__qualname__}.__init__() takes {takes}{len(fields) + 1} positional "
            f"arguments but {len(args) + 1} were given"
        )
    for (name, _, _), value in zip(fields, args, strict=False):
        if name in kwargs:
            raise TypeError(
                f"{cls.__qualname__}.__init__() got multiple values for argument '{name}'"
            )
        _set(self, name, value)
    used = 0
    for name, default, factory in fields[len(args) :]:
        if name in kwargs:
            value = kwargs[name]
            used += 1
        elif default is not _MISSING:
            value = default
        elif factory is not _MISSING:
            value = factory()
        else:
            raise TypeError(
                f"{cls.__qualname__}.__init__() missing 1 required positional argument: '{name}'"
            )
        _set(self, name, value)
    if used != len(kwargs):
        known = {name for name, _, _ in fields}
        unknown = next(k for k in kwargs if k not in known)
        raise TypeError(
            f"{cls.__qualname__}.__init__() got an unexpected keyword argument '{unknown}'"
        )
    for name, default, factory in cls.__record_later__:
        _set(self, name, default if default is not _MISSING else factory())
    post: Callable[[], None] | None = getattr(self, "__post_init__", None)
    if post is not None:
        post()


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record_repr__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = type(self).__record_compare__
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in type(self).__record_compare__))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
