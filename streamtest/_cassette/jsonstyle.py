"""The JSON encodings providers use, so a parsed value can be written back to the exact bytes.

A cassette stores JSON as data (readable, diffable) only when one of these
styles re-encodes it to the bytes that were on the wire; otherwise it keeps
the text. Every codec decides the same two things the same way, here
(:func:`block_entries`): the block's one style and, per unit, data or text.
Imports only the wire layer (for Go's encoding, which
Ollama's server writes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from streamtest._wire.ollama import GoJSONEncoder

__all__ = ["ENCODERS", "JSON_STYLES", "block_entries", "json_style"]

# JSON encodings seen from real providers; the first that reproduces the bytes wins.
JSON_STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "compact-ascii": {"separators": (",", ":"), "ensure_ascii": True},
    "spaced": {"ensure_ascii": False},
    "spaced-ascii": {"ensure_ascii": True},
    "indent2": {"indent": 2, "ensure_ascii": False},
    "indent2-ascii": {"indent": 2, "ensure_ascii": True},
}


# One encoder per style: json.dumps with options builds a new encoder on every call,
# which was a quarter of a cassette's load time (bench row 3's profile).
ENCODERS: dict[str, json.JSONEncoder] = {name: json.JSONEncoder(**options) for name, options in JSON_STYLES.items()}
# Go's encoding/json (Ollama): compact, with <, >, &, U+2028, U+2029 escaped.
ENCODERS["go"] = GoJSONEncoder()


def json_style(text: str) -> str | None:
    """The style under which ``text`` re-encodes to itself, or ``None``."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    for name, encoder in ENCODERS.items():
        if encoder.encode(value) == text:
            return name
    return None


_NOT_JSON: Any = object()


def _parsed(text: str | None) -> Any:
    if not text:
        return _NOT_JSON
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def block_entries(texts: Sequence[str | None]) -> tuple[str, list[dict[str, Any] | None]]:
    """A cassette block's JSON style, and what it stores for each unit's text under that style.

    The style is the one under which the most of ``texts`` re-encode to themselves (ties:
    the first listed; ``compact`` when none is JSON): a Go stream's plain lines fit
    ``compact`` too, its lines with ``<`` only ``go``; a Python server's first event may
    have nothing to escape and fit ``spaced``, its later ones only ``spaced-ascii``. A
    text's entry is ``{"data": value}`` when that style writes its parsed value back to
    exactly the text, else ``{"text": text}``; ``None`` for a unit without text. Every
    codec decides both this way.

    Each text is parsed once. When every JSON text fits the first one's style (a stream's
    usual case) that style wins without trying the others on the rest: every style listed
    before it misses the first text.
    """
    values = [(index, text, value) for index, text in enumerate(texts) if (value := _parsed(text)) is not _NOT_JSON]
    style, fits = "compact", [False] * len(values)
    if values:
        _, first_text, first_value = values[0]
        first = next((name for name, encoder in ENCODERS.items() if encoder.encode(first_value) == first_text), None)
        if first is not None:
            encode = ENCODERS[first].encode
            fits = [encode(value) == text for _, text, value in values]
        if first is not None and all(fits):
            style = first
        else:
            tried = {name: [encoder.encode(value) == text for _, text, value in values] for name, encoder in ENCODERS.items()}
            style = max(tried, key=lambda name: sum(tried[name]))
            fits = tried[style]
    entries: list[dict[str, Any] | None] = [None if text is None else {"text": text} for text in texts]
    for (index, _, value), fit in zip(values, fits, strict=True):
        if fit:
            entries[index] = {"data": value}
    return style, entries
