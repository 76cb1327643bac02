"""The read-only view of one recorded exchange: what the request asked and what the stream said.

``cassette.interactions[i]`` is an :class:`Interaction`. Its bytes come from the
cassette; what they mean (text deltas, tool calls, reasoning, usage, finish
reason, errors) comes from the exchange's wire format
(``streamtest._wire.registry.format_for``), so the view knows no provider itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from vcr.request import Request

from streamtest._cassette.format import body_bytes, framing_of, try_json
from streamtest._wire.base import Frame, StreamReading, ToolCall, Usage, WireFormat
from streamtest._wire.framing import frames_of, framing_named
from streamtest._wire.registry import format_for

__all__ = ["Interaction", "interactions_of"]

_NOTHING = StreamReading()


@dataclass(frozen=True)
class Interaction:
    """One recorded request and response, read-only, for assertions and reports."""

    method: str
    uri: str
    request_json: Any
    status: int
    chunks: tuple[bytes, ...]
    offsets: tuple[float, ...] | None
    stream_error: dict[str, str] | None = None
    framing: str | None = None
    """How the body is cut into ``chunks`` (``"sse"``), or ``None`` for a plain body."""
    started: float | None = None
    """Seconds from the start of the recording to this request (``None`` in files recorded before it was kept)."""

    @classmethod
    def from_vcr(cls, request: Request, response: dict[str, Any]) -> Interaction:
        framing = framing_of(response)
        chunks = response.get("chunks")
        if chunks is None:
            chunks = framing.split(body_bytes(response)) if framing is not None else [body_bytes(response)]
        offsets = response.get("offsets")
        return cls(
            method=request.method,
            uri=request.uri,
            request_json=try_json(request.body or b"") if request.body else None,
            status=int(response.get("status", {}).get("code", 200)),
            chunks=tuple(chunks),
            offsets=tuple(offsets) if offsets is not None else None,
            stream_error=response.get("stream_error"),
            framing=framing.name if framing is not None else None,
            started=response.get("started"),
        )

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @cached_property
    def frames(self) -> list[Frame]:
        """The units of the stream that carry data, read by the framing (empty for a plain body).

        The body is cut again rather than read chunk by chunk: a recording's chunks are
        its units, but a stream given to ``play()`` may be cut at any byte.
        """
        framing = framing_named(self.framing) if self.framing else None
        return frames_of(framing, framing.split(self.body) if framing is not None else ())

    @cached_property
    def wire(self) -> WireFormat | None:
        """The provider stream format of this exchange, or ``None`` when streamtest does not know it."""
        return format_for(self.path, self.frames)

    @cached_property
    def reading(self) -> StreamReading:
        """Everything the stream says, as its wire format reads it."""
        if self.wire is None or not self.frames:
            return _NOTHING
        return self.wire.read(self.frames)

    @property
    def tokens(self) -> list[str]:
        """The provider's text deltas in order (empty deltas left out)."""
        return [text for text in self.reading.text if text]

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Tool calls reassembled from the streamed fragments: id, name, arguments as sent (``.args`` parsed)."""
        return self.reading.tool_calls

    @property
    def reasoning(self) -> str:
        """The reasoning (thinking) text the stream carried, joined."""
        return "".join(self.reading.reasoning)

    @property
    def usage(self) -> Usage | None:
        return self.reading.usage

    @property
    def finish_reason(self) -> str | None:
        return self.reading.finish_reason

    @property
    def errors(self) -> tuple[str, ...]:
        """Errors the stream carried (an ``error`` event or object), one line each."""
        return self.reading.errors

    @property
    def prompt(self) -> str | None:
        """The last prompt text of the request, as its wire format reads it."""
        return self.wire.prompt(self.request_json) if self.wire is not None else None

    @property
    def model(self) -> str | None:
        """The model the request asked for."""
        return self.wire.model(self.request_json, self.path) if self.wire is not None else None


def interactions_of(requests: Sequence[Request], responses: Sequence[dict[str, Any]]) -> list[Interaction]:
    return [Interaction.from_vcr(req, resp) for req, resp in zip(requests, responses, strict=True)]
