"""YAML text in, plain values out; and, only when a problem needs one, the line and column of a key path.

The only module that imports yaml. libyaml's C composer makes the nodes; ``construct``
turns the plain ones into values exactly as the safe loader's constructor would, several
times faster, and leaves anything unusual to that constructor. A key given twice in one
mapping is an error naming both lines (PyYAML would silently keep the last). Positions of
other problems come from a second, lazy ``compose`` pass, so good files pay nothing for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

try:
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


class SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, except that an impossible timestamp (2025-13-45) stays a string.

    PyYAML raises a bare ValueError there, with no position; as a string it reaches the
    field checks, which report it with its line like any other bad date.
    """


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

KeyPath = Sequence[str | int]


class YamlSyntaxError(Exception):
    """Text that is not YAML; carries a 1-based line and column (and any further problems)."""

    def __init__(
        self,
        message: str,
        line: int | None,
        column: int | None,
        more: tuple[YamlSyntaxError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.more = more

    def all(self) -> tuple[YamlSyntaxError, ...]:
        """This problem and the ones found with it, in file order."""
        return (self, *self.more)


def duplicate_keys(root: yaml.Node) -> list[YamlSyntaxError]:
    """Every key given a second time in the same mapping, at the repeat, naming the first line.

    Works on composed nodes (whatever constructs values from them afterwards). Keys compare
    by their resolved tag and text, so ``title`` and ``"title"`` are the same key; ``<<``
    merge keys are YAML's way of overriding and are left alone. Aliases are visited once.
    """
    found: list[YamlSyntaxError] = []
    seen: set[int] = set()
    todo: list[yaml.Node] = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Node] = {}
            for key_node, value_node in node.value:
                todo.append(value_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    todo.append(key_node)
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                ident = (key_node.tag, key_node.value)
                earlier = first.setdefault(ident, key_node)
                if earlier is not key_node:
                    mark = key_node.start_mark
                    found.append(
                        YamlSyntaxError(
                            f"duplicate key {key_node.value!r} "
                            f"(first at line {earlier.start_mark.line + 1})",
                            mark.line + 1,
                            mark.column + 1,
                        )
                    )
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    found.sort(key=lambda e: (e.line or 0, e.column or 0))
    return found


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalars built by the loader's own constructors (the same functions yaml.safe_load calls).
_SCALARS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "timestamp")
)


class Unusual(Exception):
    """A node the fast constructor leaves to PyYAML's (merge keys, explicit tags, …)."""


def construct(root: yaml.Node, loader: yaml.SafeLoader) -> tuple[Any, bool]:
    """The data of composed nodes, as the loader's constructor would make it, and whether a
    mapping may hold a key twice (a key met again, or a float key: NaN is never equal).

    Only what entries and settings are made of: plain mappings with scalar keys, sequences,
    and the scalars of YAML 1.1's core schema (strings as they are; null, booleans, ints,
    floats and timestamps through the loader's own constructors, so ``yes``, ``0o17``,
    ``1:30`` and dates come out exactly as ``yaml.safe_load`` makes them). Anything else
    raises Unusual, and the whole document goes to PyYAML's constructor. Aliases give the
    same object, as there. Most of PyYAML's time is its general machinery (a generator per
    collection, checks per key); skipping it makes loading several times faster.
    """
    made: dict[int, Any] = {}
    constructors = loader.yaml_constructors
    doubtful = False

    def build(node: yaml.Node) -> Any:
        nonlocal doubtful
        kind = node.__class__
        if kind is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            if node.tag in _SCALARS:
                return constructors[node.tag](loader, node)
            raise Unusual
        ident = id(node)
        if ident in made:
            return made[ident]
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            items: list[Any] = []
            made[ident] = items
            for item in node.value:
                items.append(build(item))
            return items
        if kind is yaml.MappingNode and node.tag == _MAP:
            mapping: dict[Any, Any] = {}
            made[ident] = mapping
            for key_node, value_node in node.value:
                if key_node.__class__ is not yaml.ScalarNode:
                    raise Unusual
                if key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = build(key_node)  # merge (<<) and value (=) keys: Unusual
                    doubtful = doubtful or isinstance(key, float)
                size = len(mapping)
                mapping[key] = build(value_node)
                doubtful = doubtful or len(mapping) == size
            return mapping
        raise Unusual

    try:
        return build(root), doubtful
    except Unusual:
        raise
    except Exception as exc:  # what PyYAML's constructor would raise, it raises again
        raise Unusual from exc


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of the character at ``index``."""
    line_start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    line = text.count("\n", 0, index) + 1
    return line, index - line_start + 1


def parse(text: str) -> Any:
    """The data in one YAML document, or YamlSyntaxError."""
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                data, doubtful = construct(node, loader)
            except Unusual:  # PyYAML's own constructor, which also raises what it would
                data, doubtful = None, True
            if doubtful:
                duplicates = duplicate_keys(node)
                if duplicates:
                    first, *rest = duplicates
                    raise YamlSyntaxError(first.message, first.line, first.column, tuple(rest))
            return loader.construct_document(node) if data is None else data
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a raw control byte): PyYAML gives its offset only.
        line, column = _position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        escape = f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"
        raise YamlSyntaxError(
            f"control character U+{code:04X} is not allowed in YAML; remove it, or write it "
            f'as "{escape}" inside double quotes',
            line,
            column,
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        if mark is None:
            raise YamlSyntaxError(f"invalid YAML: {problem}", None, None) from exc
        raise YamlSyntaxError(f"invalid YAML: {problem}", mark.line + 1, mark.column + 1) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", None, None) from exc


def dump(data: Any) -> str:
    """Block-style YAML for files feedpub writes (scaffolds, new entries)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return None


def locate(text: str, path: KeyPath, *, key: bool = False) -> tuple[int, int] | None:
    """1-based (line, column) of the value at ``path`` (of its key with ``key=True``).

    Walks as far as the path exists, so a missing field points at its parent mapping.
    """
    node = _compose(text)
    if node is None:
        return None
    mark = node.start_mark
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    mark = key_node.start_mark if (last and key) else value_node.start_mark
                    node = value_node
                    break
            else:
                return mark.line + 1, mark.column + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1
