"""YAML reading that keeps line numbers: mappings remember where they and their keys start.

Hostile input is refused before it can cost time or memory: files over :data:`MAX_FILE_BYTES`,
anchors and aliases (an alias "bomb" of a few hundred bytes expands to gigabytes; corpus authors
never need them) and nesting deeper than :data:`MAX_DEPTH` (libyaml slows quadratically with depth
and its composer recurses on the C stack; construction recurses in Python).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Location, Problem
from .limits import MAX_DEPTH, MAX_FILE_BYTES

if TYPE_CHECKING:
    import yaml

# Texts whose nesting could exceed this bound are scanned event by event (stopping at the first
# problem) before libyaml composes them; the rest are composed directly and their depth checked.
_DIRECT_BOUND = 1000


class LinedDict(dict):
    """A dict that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict
    duplicate_keys: list
    block_lines: dict  # key -> line of the first text line of a literal block value ("key: |")


class LinedList(list):
    """A list that knows the line of each item (1-based)."""

    item_lines: list


@functools.cache
def _loaders():
    """(libyaml's safe loader, ours on top of it). PyYAML is imported on the first parse: a warm
    build takes every file it reads from the cache, and importing it costs as much as its own work."""
    import yaml

    # libyaml's parser is ~15x faster than the pure-Python one; the constructor stays Python so the
    # line numbers survive either way.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    return base, Loader


def _construct_map(loader, node: yaml.MappingNode):
    import yaml

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
            key = shorten(str(key))
        if key in data:
            data.duplicate_keys.append((key, key_node.start_mark.line + 1))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
            data.block_lines[key] = value_node.start_mark.line + 2  # the text starts below the "|"


def _construct_seq(loader, node: yaml.SequenceNode):
    data = LinedList()
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)



def read_yaml(path: Path, raw: bytes | None = None) -> tuple[object, list[Problem]]:
    """Parse one YAML file (or its given bytes); returns (data, problems). Never raises for bad input
    (except OSError when ``raw`` is not given and the file cannot be read)."""
    if raw is None:
        raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(Location(path), f"file is {len(raw) // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MiB")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(Location(path, line), f"file is not UTF-8 (bad byte 0x{raw[exc.start]:02x}); save it as UTF-8")]
    text = text.lstrip("\ufeff")
    import yaml

    try:
        shape = _scan_events(text) if _may_be_deep(text) else None
        if shape is not None:
            return None, [Problem(Location(path, shape[0]), shape[1])]
        loader = _loaders()[1](text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, []
            shape = _too_deep(node)
            if shape is not None:
                return None, [Problem(Location(path, shape[0]), shape[1])]
            return loader.construct_document(node), []
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if "nesting depth" in what:  # PyYAML >= 6.0.4 stops deep nesting itself, before our event scan
            return None, [Problem(Location(path, line), _TOO_DEEP)]
        return None, [Problem(Location(path, line), f"YAML syntax error: {shorten(what, 200)}")]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(path), f"YAML error: {shorten(str(exc), 200)}")]


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (with '…'): user values in messages stay bounded."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NO_ANCHORS = "YAML anchors and aliases (&name, *name) are not allowed in the corpus; write the value out"
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


def _may_be_deep(text: str) -> bool:
    """Cheap over-estimate: could this text hold anchors, or nest beyond what libyaml composes safely?

    A YAML level needs a flow bracket, a '- ' / '? ' indicator or more indentation, so their counts
    bound the depth. Without '&' there can be no anchor (and so no alias that resolves).
    """
    if "&" in text or "\n" + " " * (_DIRECT_BOUND // 2) in text:
        return True
    openers = sum(text.count(s) for s in ("[", "{", "- ", "? ", "-\t", "?\t"))
    return openers > _DIRECT_BOUND // 2


def _scan_events(text: str) -> tuple[int, str] | None:
    """(line, problem) for the first anchor, alias or too-deep collection, read event by event so
    the scan stops there; None when there is none (syntax errors are left to the real parse)."""
    import yaml

    depth = 0
    events = yaml.parse(text, Loader=_loaders()[0])
    try:
        for event in events:
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return line, _NO_ANCHORS
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return line, _TOO_DEEP
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        events.close()
    return None


def _too_deep(root: yaml.Node) -> tuple[int, str] | None:
    """(line, problem) for the first collection nested beyond MAX_DEPTH (walked without recursion)."""
    import yaml

    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if depth > MAX_DEPTH:
            return node.start_mark.line + 1, _TOO_DEEP
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        stack.extend((child, depth + 1) for child in children)
    return None
