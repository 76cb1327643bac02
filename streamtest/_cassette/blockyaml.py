"""The block YAML streamtest's dumper writes, read without libyaml: the part of a cassette around its events.

Once its events blocks are cut out (``format._cut_event_lines``), a cassette's
YAML is a few dozen lines of block mappings and sequences holding one-line
scalars. libyaml, PyYAML's resolver and the checking node walk cost about 90 us
for them: a third of loading a 100-event cassette (bench row 4), paid by every
test. This reader takes only the subset ``format.dump`` writes: block style,
two-space indent, a sequence at its key's indent, one-line plain, single-quoted
or escape-free double-quoted scalars, plain keys. For anything else (a flow
collection, a multi-line or escaped scalar, a comment, an anchor, alias or tag,
a tab, an empty value, a character YAML reads as a line break or refuses) it
answers ``None``, and the caller reads the text with libyaml as before, so what
it accepts it reads as YAML does, and what it does not know costs one attempt.

Plain scalars are resolved by PyYAML's own implicit-resolver table and built by
its own constructors, so ``yes``, ``0x1f``, ``1_000`` and ``~`` mean what YAML
1.1 says. Nesting past ``MAX_DEPTH`` is left to the checking path, which
refuses it with the file's name.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from streamtest._cassette.yamlsafe import MAX_DEPTH

__all__ = ["read_block"]

# What YAML reads as a line break (\r, \x85, \u2028, \u2029), refuses (C0/C1 controls, surrogates,
# \ufffe, \uffff) or treats specially (tab, byte-order mark): the reader gives up on all of them.
# Written as the characters refused, not as the complement of those allowed: the same set (checked
# over every code point), compiled in under a millisecond instead of ~5 ms at import.
_UNUSUAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# A plain key as the dumper writes one: header names, JSON field names.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]{0,200}")
# What may not start a plain scalar ('-' only as a number's sign).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_NUMBER = re.compile(r"-[0-9][0-9_.eE+-]*")

_TAG = "tag:yaml.org,2002:"
_AS_TEXT = frozenset({_TAG + "str", _TAG + "timestamp", _TAG + "value"})  # the loader keeps these as text
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = yaml.SafeLoader.yaml_implicit_resolvers
_CONSTRUCTOR = SafeConstructor()
_NO_RESOLVERS: list[tuple[str, re.Pattern[str]]] = []


class _GiveUp(Exception):
    """Not the dumper's subset: the caller reads the text with libyaml."""


def read_block(text: str) -> dict[str, Any] | None:
    """The mapping ``text`` holds, if it is written the way ``format.dump`` writes; else ``None``."""
    if _UNUSUAL.search(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    try:
        reader = _Reader(lines)
        if not reader.items or reader.items[0][0] != 0:
            return None
        document = reader.node(0, 1)
    except (_GiveUp, ValueError, yaml.YAMLError):
        return None
    if reader.at != len(reader.items) or not isinstance(document, dict):
        return None
    return document


class _Reader:
    """One pass over ``(indent, content)`` lines, building values as it goes."""

    def __init__(self, lines: list[str]) -> None:
        self.items: list[tuple[int, str]] = []
        for line in lines:
            content = line.lstrip(" ")
            if not content:
                raise _GiveUp  # a blank line: part of a multi-line scalar, or nothing the dumper writes
            self.items.append((len(line) - len(content), content))
        self.at = 0

    def node(self, indent: int, depth: int) -> Any:
        """The block node whose first line is the current one, at ``indent``."""
        if depth > MAX_DEPTH:
            raise _GiveUp
        if _is_item(self.items[self.at][1]):
            return self.sequence(indent, depth)
        return self.mapping(indent, depth)

    def mapping(self, indent: int, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while self.at < len(self.items):
            level, content = self.items[self.at]
            if level < indent:
                break
            if level > indent or _is_item(content):
                raise _GiveUp
            key, colon, rest = content.partition(":")
            value = rest[1:]
            if not colon or (rest and (not rest.startswith(" ") or not value or value.startswith(" "))):
                raise _GiveUp
            name = _key(key)
            self.at += 1
            out[name] = _scalar(value) if rest else self.value_below(indent, depth)
        return out

    def value_below(self, indent: int, depth: int) -> Any:
        """A key's value on the lines below it: deeper, or a sequence at the key's own indent."""
        if self.at >= len(self.items):
            raise _GiveUp  # an empty value (null): not what the dumper writes
        level, content = self.items[self.at]
        if level > indent or (level == indent and _is_item(content)):
            return self.node(level, depth + 1)
        raise _GiveUp

    def sequence(self, indent: int, depth: int) -> list[Any]:
        out: list[Any] = []
        while self.at < len(self.items):
            level, content = self.items[self.at]
            if level < indent or (level == indent and not _is_item(content)):
                break
            if level > indent or content == "-":
                raise _GiveUp
            body = content[2:]
            if not body or body.startswith(" ") or _is_item(body):
                raise _GiveUp
            if body[0] not in "'\"" and (": " in body or body.endswith(":")):
                self.items[self.at] = (indent + 2, body)  # "- key: value": a mapping two columns in
                out.append(self.mapping(indent + 2, depth + 1))
            else:
                self.at += 1
                out.append(_scalar(body))
        return out


def _is_item(content: str) -> bool:
    return content.startswith("- ") or content == "-"


@functools.lru_cache(maxsize=1024)
def _key(text: str) -> str:
    if not _KEY.fullmatch(text):
        raise _GiveUp
    value = _scalar(text)
    if not isinstance(value, str):  # "on", "null", "yes" as keys are not text in YAML 1.1
        raise _GiveUp
    return value


def _scalar(text: str) -> Any:
    """A one-line scalar: quoted as the dumper quotes, plain and resolved as YAML 1.1 resolves it, or ``{}``/``[]``."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    first = text[0]
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _GiveUp
        return inner.replace("''", "'")
    if first == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
            raise _GiveUp
        return inner
    return _plain_cached(text) if len(text) <= _CACHED_LENGTH else _plain(text)


def _plain(text: str) -> Any:
    """A plain scalar's value, resolved and built by PyYAML's rules."""
    first = text[0]
    if (first in _INDICATORS and not (first == "-" and _NUMBER.fullmatch(text))) or (
        ": " in text or " #" in text or text.endswith((":", " "))
    ):
        raise _GiveUp
    tag = _resolve(text)
    if tag in _AS_TEXT:
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return _CONSTRUCTOR.bool_values[text.lower()]
    if tag == _TAG + "int":
        return _CONSTRUCTOR.construct_yaml_int(yaml.ScalarNode(tag, text))
    if tag == _TAG + "float":
        return _CONSTRUCTOR.construct_yaml_float(yaml.ScalarNode(tag, text))
    raise _GiveUp  # "<<" (merge) and anything new


# Short plain scalars repeat in every file (header names and values, models, roles): their
# values are immutable, so they are kept; a prompt is long and seen once, so it is not.
_CACHED_LENGTH = 120
_plain_cached = functools.lru_cache(maxsize=4096)(_plain)


def _resolve(text: str) -> str:
    """PyYAML's ``BaseResolver.resolve`` for a plain scalar, on the safe loader's table."""
    for tag, pattern in _RESOLVERS.get(text[0], _NO_RESOLVERS) + _RESOLVERS.get(None, _NO_RESOLVERS):
        if pattern.match(text):
            return tag
    return _TAG + "str"
