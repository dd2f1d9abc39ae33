"""YAML text in, plain values out; and, only when a problem needs one, the line and column of a key path.

The only module that imports yaml. Values are parsed with the safe loader (libyaml's C
loader where present); positions come from a second, lazy ``compose`` pass, so the fast
path pays nothing for good files.
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
    """Text that is not YAML; carries a 1-based line and column."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def parse(text: str) -> Any:
    """The data in one YAML document, or YamlSyntaxError."""
    try:
        return yaml.load(text, Loader=SafeLoader)
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
