"""The JSON encodings providers use, so a parsed value can be written back to the exact bytes.

A cassette stores JSON as data (readable, diffable) only when one of these
styles re-encodes it to the bytes that were on the wire; otherwise it keeps
the text. Imports only the wire layer (for Go's encoding, which Ollama's
server writes).
"""

from __future__ import annotations

import json
from typing import Any

from streamtest._wire.ollama import GoJSONEncoder

__all__ = ["ENCODERS", "JSON_STYLES", "json_style"]

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
