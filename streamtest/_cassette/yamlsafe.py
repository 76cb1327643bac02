"""YAML a cassette may hold and still cost no more than a small multiple of its size: no aliases, bounded nesting.

YAML anchors and aliases let 16 KB of text stand for gigabytes once anything
walks the result (the "billion laughs": 4 GB and 56 s before this check), and
nesting a few hundred levels deep reaches Python's recursion limit in every
recursive walk after it. Neither streamtest, vcrpy nor cassetter writes an
alias, so a node reached twice is refused, as is nesting past
:data:`MAX_DEPTH`, before anything is built from the nodes. Used by the
streamtest format (``format``) and by the reader of other tools' cassettes
(``foreign``). A leaf: imports nothing of streamtest but its exceptions.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from streamtest._exceptions import CassetteCorruptError

__all__ = ["MAX_DEPTH", "check_nodes", "load_checked"]

# Deeper than any request body a cassette records; keeps every recursive walk far from Python's limit.
MAX_DEPTH = 100


def check_nodes(root: yaml.Node, path: str | Path, tags: Collection[str] | None = None) -> None:
    """Refuse aliases (a node reached twice), nesting past ``MAX_DEPTH`` and, given ``tags``, any other tag."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            raise CassetteCorruptError(path, f"uses a YAML alias (line {line}); cassettes never do")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise CassetteCorruptError(path, f"nested deeper than {MAX_DEPTH} levels (line {line})")
        if tags is not None and node.tag not in tags:
            raise CassetteCorruptError(path, f"uses the YAML tag {node.tag} (line {line}); a cassette holds JSON types only")
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)


def load_checked(text: str, loader: type, path: str | Path) -> Any:
    """``yaml.load(text, Loader=loader)``, refusing aliases and deep nesting before anything is constructed."""
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        check_nodes(node, path)
        return instance.construct_document(node)
    finally:
        instance.dispose()
