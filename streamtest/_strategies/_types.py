"""What the strategies draw: the value types, their ground truth and their reprs.

Kept apart so every other module, and a test reading a drawn value, sees the
same few immutable types without pulling in any strategy. The reprs are what a
failing example prints, so they are kept short: ``Chunking('Why| was')``,
``get_weather('{"city":|"Paris"}')``, ``GeneratedStream('Why| was', usage=Usage(12+3))``.
A leaf: imports nothing of streamtest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "CHAT_COMPLETIONS",
    "DEFAULT_MODEL",
    "DONE",
    "FLAVORS",
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
Api = Literal["chat.completions", "responses"]
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


def pipe_form(pieces: Sequence[str]) -> str:
    """``'Why| was'`` when that is unambiguous, else the list of pieces."""
    if pieces and not any("|" in piece for piece in pieces):
        return repr("|".join(pieces))
    return repr(list(pieces))


@dataclass(frozen=True)
class ToolCall:
    """One function call: ``arguments`` is the JSON text the deltas concatenate to.

    ``deltas`` is how a stream strategy split ``arguments`` (empty until a stream
    is drawn). ``args`` is the parsed JSON, what ChatOpenAI puts in
    ``AIMessage.tool_calls[i]["args"]``.
    """

    name: str
    arguments: str
    id: str = "call_000000000000000000000000"
    deltas: tuple[str, ...] = ()

    @property
    def args(self) -> Any:
        return json.loads(self.arguments)

    def __repr__(self) -> str:
        shown = pipe_form(self.deltas) if self.deltas else repr(self.arguments)
        return f"{self.name}({shown})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass(frozen=True)
class Usage:
    """Token counts of the usage chunk (``stream_options.include_usage``) or ``response.completed``."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0

    def __repr__(self) -> str:
        cached = f", cached={self.cached_tokens}" if self.cached_tokens else ""
        return f"Usage({self.prompt_tokens}+{self.completion_tokens}{cached})"


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
