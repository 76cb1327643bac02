"""What the strategies draw: the value types, their ground truth and their reprs.

Kept apart so every other module, and a test reading a drawn value, sees the
same few immutable types without pulling in any strategy. The reprs are what a
failing example prints, so they are kept short: ``Chunking('Why| was')``,
``get_weather('{"city":|"Paris"}')``, ``GeneratedStream('Why| was', usage=Usage(12+3))``.
``ToolCall`` and ``Usage`` are the wire layer's (``streamtest._wire.base``): a drawn
call and a recorded one are the same value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from streamtest._wire.base import ToolCall, Usage, pipe_form

__all__ = [
    "ANTHROPIC_MESSAGES",
    "BEDROCK_CONVERSE",
    "CHAT_COMPLETIONS",
    "DEFAULT_MODEL",
    "DONE",
    "FLAVORS",
    "GEMINI",
    "OLLAMA",
    "RESPONSES",
    "Api",
    "Chunking",
    "Flavor",
    "GeneratedStream",
    "ToolCall",
    "Usage",
    "pipe_form",
]

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
CHAT_COMPLETIONS: Final = "chat.completions"
RESPONSES: Final = "responses"
ANTHROPIC_MESSAGES: Final = "anthropic.messages"
GEMINI: Final = "gemini"
OLLAMA: Final = "ollama"
BEDROCK_CONVERSE: Final = "bedrock.converse"
Api = Literal["chat.completions", "responses", "anthropic.messages", "gemini", "ollama", "bedrock.converse"]
Flavor = Literal["openai", "llama.cpp"]
FLAVORS = ("openai", "llama.cpp")
DONE = "[DONE]"


class Chunking(tuple[str, ...]):
    """A text cut into deltas; a plain tuple of ``str`` that prints as ``Chunking('Why| was')``."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return "".join(self)

    def __repr__(self) -> str:
        return f"Chunking({pipe_form(self)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass(frozen=True, repr=False)
class GeneratedStream:
    """A stream nobody recorded, with the ground truth it was built from.

    ``chunks`` is what ``streamtest.play`` serves, one network chunk each (one
    SSE event each unless :func:`sse_variations` re-split the bytes). ``events``
    holds the ``(event name, data)`` of every SSE event that carries data, in
    order; ``payloads`` is their parsed JSON, what the openai SDK must yield.
    """

    chunks: tuple[bytes, ...]
    api: Api
    deltas: tuple[str, ...]
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str = DEFAULT_MODEL
    events: tuple[tuple[str | None, str], ...] = ()
    variations: tuple[str, ...] = field(default=())
    reasoning: tuple[str, ...] = ()
    """The reasoning (thinking) deltas, for formats that stream them."""
    content_type: str = "text/event-stream"
    """What ``streamtest.play`` serves the chunks as (the format's framing)."""

    @property
    def text(self) -> str:
        """The content the deltas concatenate to (the message text in the graph state)."""
        return "".join(self.deltas)

    @property
    def body(self) -> bytes:
        """The whole response body."""
        return b"".join(self.chunks)

    @property
    def payloads(self) -> list[Any]:
        """The JSON of each data event, ``[DONE]`` excluded: what the SDK must parse to."""
        return [json.loads(data) for _, data in self.events if data != DONE]

    def __iter__(self) -> Any:
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def __repr__(self) -> str:
        parts = [pipe_form(self.deltas)]
        if self.tool_calls:
            parts.append(f"tool_calls={list(self.tool_calls)!r}")
        if self.api != CHAT_COMPLETIONS:
            parts.append(f"api={self.api!r}")
        if self.usage is not None:
            parts.append(f"usage={self.usage!r}")
        if self.variations:
            parts.append(f"sse={', '.join(self.variations)!r}")
        return f"GeneratedStream({', '.join(parts)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))
