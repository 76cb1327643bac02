"""From drawn values to a :class:`GeneratedStream`: ids that look real, and the format's writer's frames as bytes.

Every stream strategy draws a :class:`~streamtest._wire.base.Script` (and the
ids its format needs), asks the format module to write it
(:meth:`~streamtest._wire.base.WireFormat.write`) and hands the frames to
:func:`written`, which encodes them with the format's framing. Ids are drawn as
one small integer and hashed to full width: they shrink to one seed without
ever looking fake.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies.types import Api, GeneratedStream
from streamtest._wire.base import Frame, Script, WireFormat
from streamtest._wire.framing import framing_named

__all__ = ["B62", "draw_id", "hashed_id", "written"]

B62 = string.digits + string.ascii_letters
_UNSET: Any = object()


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


def written(
    wire: WireFormat, frames: Sequence[Frame], script: Script, *, api: Api, finish_reason: str | None = _UNSET
) -> GeneratedStream:
    """The stream of ``frames`` (written by ``wire`` from ``script``), one unit per chunk, with its ground truth.

    The ground truth's finish reason is what the frames say (the format's own reader: the
    writer chose it, in the provider's words), unless ``finish_reason`` is given.
    """
    framing = framing_named(wire.framing)
    if framing is None:  # pragma: no cover - every registered format names a registered framing
        raise ValueError(f"{wire!r} names an unknown framing {wire.framing!r}")
    return GeneratedStream(
        chunks=tuple(framing.encode(frame) for frame in frames),
        api=api,
        deltas=script.text,
        tool_calls=script.tool_calls,
        usage=script.usage,
        finish_reason=wire.read(frames).finish_reason if finish_reason is _UNSET else finish_reason,
        model=script.model,
        events=tuple((frame.event, frame.data) for frame in frames),
        reasoning=script.reasoning,
        content_type=framing.content_type,
    )
