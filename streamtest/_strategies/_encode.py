"""How OpenAI writes a stream: compact UTF-8 JSON, base62 ids, one SSE event per network chunk.

Shared by every strategy that builds events, so generated and re-chunked
streams look alike byte for byte. Ids are drawn as one small integer and
hashed to full width: they shrink to one seed without ever looking fake.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._wire.sse import encode_event

__all__ = ["B62", "draw_id", "dumps", "encode_all", "hashed_id"]

B62 = string.digits + string.ascii_letters


def _b62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        out.append(B62[rest])
    return "".join(reversed(out))


def draw_id(draw: Callable[[SearchStrategy[Any]], Any], prefix: str, width: int, salt: object = "") -> str:
    """An OpenAI-looking id (``call_`` + base62) from one small integer draw, hashed to full width.

    ``salt`` keeps ids of one stream apart when their draws shrink to the same seed.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    return hashed_id(prefix, width, f"{seed}/{salt}")


def hashed_id(prefix: str, width: int, seed: str) -> str:
    digest = hashlib.blake2b(f"{prefix}{seed}".encode(), digest_size=48).digest()
    return prefix + _b62(int.from_bytes(digest, "big"), width)


def dumps(value: Any) -> str:
    """JSON the way OpenAI sends it: compact, UTF-8 unescaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_all(events: Sequence[tuple[str | None, str]]) -> tuple[bytes, ...]:
    return tuple(encode_event(data, event=name) for name, data in events)
