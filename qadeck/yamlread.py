"""YAML reading that keeps line numbers: mappings remember where they and their keys start."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Location, Problem

# libyaml's parser is ~15x faster than the pure-Python one; the constructor stays Python so the
# line numbers survive either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LinedDict(dict):
    """A dict that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict
    duplicate_keys: list
    block_lines: dict  # key -> line of the first text line of a literal block value ("key: |")


class LinedList(list):
    """A list that knows the line of each item (1-based)."""

    item_lines: list


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = LinedDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicate_keys = []
    data.block_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in data:
            data.duplicate_keys.append((key, key_node.start_mark.line + 1))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
            data.block_lines[key] = value_node.start_mark.line + 2  # the text starts below the "|"


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    data = LinedList()
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def read_yaml(path: Path, raw: bytes | None = None) -> tuple[object, list[Problem]]:
    """Parse one YAML file (or its given bytes); returns (data, problems). Never raises for bad input."""
    if raw is None:
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(Location(path, line), f"file is not UTF-8 (bad byte 0x{raw[exc.start]:02x}); save it as UTF-8")]
    text = text.lstrip("\ufeff")
    try:
        return yaml.load(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Problem(Location(path, line), f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(path), f"YAML error: {exc}")]
