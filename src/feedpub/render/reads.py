"""Template renders in, the context fields they read out: what a page's digest has to cover.

While ``recording`` is on, the sandbox reports every field a template reads from a context
object (``entry.title`` → (EntryView, "title")). A template that uses an object whole, by
printing, comparing or hashing it, or through a property or method, reads every field of
it: that is ``WHOLE``. A page rendered again from equal values of the fields it read takes
the same path through its templates and writes the same bytes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, is_dataclass
from typing import Any

from feedpub.model import Image, Person
from feedpub.render import context as context_module

WHOLE = "*"

Read = tuple[type, str]

# The context's own data classes and their fields: what templates receive.
FIELDS: dict[type, frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls))
    for cls in [*vars(context_module).values(), Person, Image]
    if isinstance(cls, type)
    and is_dataclass(cls)
    and cls.__module__ in (context_module.__name__, Person.__module__)
}
BY_NAME: dict[str, type] = {f"{cls.__module__}.{cls.__qualname__}": cls for cls in FIELDS}

# The sets the reads go to: one per page being rendered, plus one per {% memo %} body.
ACTIVE: list[set[Read]] = []


def note(kind: type, attribute: Any) -> None:
    """A template read ``attribute`` of an object of ``kind`` (a context class)."""
    names = FIELDS[kind]
    key = (kind, attribute if isinstance(attribute, str) and attribute in names else WHOLE)
    for reads in ACTIVE:
        reads.add(key)


def note_all(found: Iterable[Read]) -> None:
    """Reads made earlier on behalf of what renders now (a {% memo %} body's, replayed)."""
    for reads in ACTIVE:
        reads.update(found)


@contextlib.contextmanager
def recording(into: set[Read]) -> Iterator[set[Read]]:
    """Reads made inside go ``into`` (and to every recording already on)."""
    ACTIVE.append(into)
    try:
        yield into
    finally:
        ACTIVE.pop()


def _watched(method: Callable[..., Any]) -> Callable[..., Any]:
    def watched(self: Any, *args: Any) -> Any:
        if ACTIVE and type(self) in FIELDS:
            note(type(self), WHOLE)
        return method(self, *args)

    watched.__name__ = method.__name__
    watched.__qualname__ = method.__qualname__
    watched.__doc__ = method.__doc__
    return watched


# Printing (str, format and repr all end in __repr__), comparing or hashing an object reads
# all of it, and bypasses the sandbox's getattr: the classes tell when it happens.
for _cls in FIELDS:
    for _name in ("__repr__", "__eq__", "__hash__"):
        _method = _cls.__dict__.get(_name)
        if callable(_method):
            setattr(_cls, _name, _watched(_method))


def names_read(reads: Iterable[Read]) -> dict[type, frozenset[str] | None]:
    """Per class, the fields read (None: all of them)."""
    out: dict[type, set[str]] = {}
    for kind, attribute in reads:
        out.setdefault(kind, set()).add(attribute)
    return {kind: None if WHOLE in names else frozenset(names) for kind, names in out.items()}


def dump(reads: Iterable[Read]) -> list[str]:
    return sorted(f"{kind.__module__}.{kind.__qualname__}:{attribute}" for kind, attribute in reads)


def load(lines: Iterable[str]) -> set[Read] | None:
    """What ``dump`` wrote; None when a class is unknown (then nothing can be trusted)."""
    out: set[Read] = set()
    for line in lines:
        name, _, attribute = line.rpartition(":")
        kind = BY_NAME.get(name)
        if kind is None:
            return None
        out.add((kind, attribute))
    return out
