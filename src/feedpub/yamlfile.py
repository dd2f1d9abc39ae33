"""YAML text in, plain values out; and, only when a problem needs one, the line and column of a key path.

The only module that imports yaml. Values are parsed with the safe loader (libyaml's C
loader where present) after a check of the composed nodes: a key given twice in one
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
            duplicates = duplicate_keys(node)
            if duplicates:
                first, *rest = duplicates
                raise YamlSyntaxError(first.message, first.line, first.column, tuple(rest))
            return loader.construct_document(node)
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
