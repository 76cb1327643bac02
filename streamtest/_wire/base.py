"""The small interface every provider stream format answers, and the values it answers with.

A format module (``openai_chat``, ``anthropic``, ``gemini``...) subclasses
:class:`WireFormat` and sets a few class attributes; :mod:`.registry` lists the
instances. Data flows through it both ways, with the same few values for every
provider:

- reading: the frames of a recorded stream -> :meth:`WireFormat.read` ->
  :class:`StreamReading` (text deltas, tool-call fragments, reasoning, usage,
  finish reason, errors), so views, assertions and conservation checks work on
  any provider;
- writing: a :class:`Script` (what a generated stream says, drawn by
  ``streamtest._strategies``) -> :meth:`WireFormat.write` -> frames, which the
  format's framing (:attr:`WireFormat.framing`) turns into bytes.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "Frame",
    "ReadingBuilder",
    "Script",
    "StreamReading",
    "ToolCall",
    "ToolCallFragment",
    "Usage",
    "WireFormat",
    "compact_json",
    "pipe_form",
    "text_of_content",
]


@dataclass(frozen=True)
class Frame:
    """One unit of a stream that carries data: an SSE event, an NDJSON line, an event-stream message.

    ``event`` is the unit's name where the framing has one (SSE ``event:``,
    the ``:event-type`` header), else ``None``; ``data`` is its data text.
    """

    event: str | None
    data: str

    def json(self) -> Any:
        """The data parsed as JSON, or ``None`` when it is not JSON (``[DONE]``, text, nested past Python's limit)."""
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError):
            return None


def compact_json(value: Any) -> str:
    """JSON as most providers send it: no spaces, UTF-8 unescaped."""
    return _COMPACT.encode(value)


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def pipe_form(pieces: Sequence[str]) -> str:
    """``'Why| was'`` when that is unambiguous, else the list of pieces."""
    if pieces and not any("|" in piece for piece in pieces):
        return repr("|".join(pieces))
    return repr(list(pieces))


@dataclass(frozen=True)
class ToolCall:
    """One function call: ``arguments`` is the JSON text the ``deltas`` concatenate to.

    Read from a recording, ``deltas`` are the argument fragments the provider
    streamed (empty ones left out); drawn by a strategy, how it split
    ``arguments``. ``args`` is the parsed JSON, what ChatOpenAI puts in
    ``AIMessage.tool_calls[i]["args"]``.
    """

    name: str
    arguments: str
    id: str = "call_000000000000000000000000"
    deltas: tuple[str, ...] = ()

    @property
    def args(self) -> Any:
        return json.loads(self.arguments)

    @property
    def pieces(self) -> tuple[str, ...]:
        """The argument text as a writer sends it: the cuts, or the whole text when there are none."""
        return self.deltas or ((self.arguments,) if self.arguments else ())

    def __repr__(self) -> str:
        shown = pipe_form(self.deltas) if self.deltas else repr(self.arguments)
        return f"{self.name}({shown})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass(frozen=True)
class ToolCallFragment:
    """A piece of a streamed tool call as it arrived.

    ``call`` tells the calls of one response apart (the chat tool-call
    ``index``, the Responses item id, the Anthropic content-block index); the
    first fragment of a call usually carries ``id`` and ``name``, the rest
    only ``arguments`` text.
    """

    call: int | str
    arguments: str = ""
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Usage:
    """Token counts a stream reports (OpenAI's names; other providers' counts map onto them)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        """LangChain's ``usage_metadata`` name for ``prompt_tokens``."""
        return self.prompt_tokens

    @property
    def output_tokens(self) -> int:
        """LangChain's ``usage_metadata`` name for ``completion_tokens``."""
        return self.completion_tokens

    def __repr__(self) -> str:
        cached = f", cached={self.cached_tokens}" if self.cached_tokens else ""
        return f"Usage({self.prompt_tokens}+{self.completion_tokens}{cached})"


@dataclass(frozen=True)
class StreamReading:
    """What one recorded response says, whatever the provider.

    ``text`` keeps every text delta in order (empty ones too: conservation
    leaves them out, byte-level checks need them); ``reasoning`` the
    reasoning/thinking deltas; ``errors`` a short description of each error
    the stream carried (an ``error`` event, an error object).
    """

    text: tuple[str, ...] = ()
    tool_call_fragments: tuple[ToolCallFragment, ...] = ()
    reasoning: tuple[str, ...] = ()
    usage: Usage | None = None
    finish_reason: str | None = None
    errors: tuple[str, ...] = ()
    model: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The fragments reassembled into whole calls, in the order the calls started."""
        calls: dict[int | str, dict[str, Any]] = {}
        for fragment in self.tool_call_fragments:
            entry = calls.setdefault(fragment.call, {"id": None, "name": "", "pieces": []})
            entry["id"] = entry["id"] or fragment.id
            if fragment.name:
                entry["name"] = entry["name"] or fragment.name
            if fragment.arguments:
                entry["pieces"].append(fragment.arguments)
        return tuple(
            ToolCall(
                name=entry["name"],
                arguments="".join(entry["pieces"]),
                id=entry["id"] or "",
                deltas=tuple(entry["pieces"]),
            )
            for entry in calls.values()
        )


@dataclass
class ReadingBuilder:
    """What a format's :meth:`WireFormat.read` collects frame by frame, then freezes with :meth:`build`.

    Later values win for ``usage``, ``finish_reason`` and ``model`` (providers
    repeat or update them as the stream goes on); the rest accumulate in order.
    """

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    fragments: list[ToolCallFragment] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def build(self) -> StreamReading:
        return StreamReading(
            text=tuple(self.text),
            tool_call_fragments=tuple(self.fragments),
            reasoning=tuple(self.reasoning),
            usage=self.usage,
            finish_reason=self.finish_reason,
            errors=tuple(self.errors),
            model=self.model,
            extra=dict(self.extra),
        )


@dataclass(frozen=True)
class Script:
    """What a generated stream says, decided before it is written: the input of :meth:`WireFormat.write`.

    The same few fields for every provider, so one drawing serves every format:
    ``text`` holds the text deltas in order (empty ones too, where a format can
    carry them), ``tool_calls`` whole calls whose ``deltas`` are the argument
    cuts (formats that send calls whole ignore the cuts), ``reasoning`` the
    reasoning/thinking deltas, ``usage`` the counts the stream reports (``None``:
    none), ``finish_reason`` the reason in the format's own words (``None``: the
    format's usual one for this content), ``model`` the model the stream names.
    What only one provider has (ids, timestamps, envelope flavours) is a
    keyword argument of that format's writer.
    """

    text: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning: tuple[str, ...] = ()
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str = "model"

    @property
    def content(self) -> str:
        """The text the deltas concatenate to."""
        return "".join(self.text)


def text_of_content(content: Any) -> str | None:
    """A message's text: a str, or the joined ``text`` of a list of content blocks/parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            block["text"] for block in content if isinstance(block, Mapping) and isinstance(block.get("text"), str)
        ]
        return "".join(texts) if texts else None
    return None


class WireFormat(ABC):
    """One provider stream format: how to recognise its traffic, read its frames and write new ones.

    Subclasses set the class attributes and implement :meth:`sniff`,
    :meth:`read` and :meth:`write`; the defaults of :meth:`prompt` and
    :meth:`model` read chat-style request bodies (``messages`` / ``input``
    whose content is a str or a list of text blocks, ``model``).
    """

    name: ClassVar[str]
    """Short identifier: ``"openai-chat"``."""
    provider: ClassVar[str]
    """Who speaks it first: ``"openai"`` (LangChain's ``ls_provider`` where they agree)."""
    paths: ClassVar[tuple[str, ...]] = ()
    """Request path suffixes that are this format's traffic (``"/chat/completions"``)."""
    hosts: ClassVar[frozenset[str]] = frozenset()
    """The provider's API hosts."""
    local_server: ClassVar[bool] = False
    """Whether the embedded llama.cpp server speaks this format, so ``--llm-server=local``
    may stand in for :attr:`hosts` while recording."""
    framing: ClassVar[str] = "sse"
    """The framing its streams use (``streamtest._wire.framing``): ``"sse"``, ``"ndjson"``..."""
    key_env: ClassVar[tuple[str, ...]] = ()
    """Environment variables the provider's clients read an API key from. When none is
    set, streamtest sets the first to a placeholder, so clients built at import time
    exist; recording refuses to send the placeholder to the provider."""
    replay_env: ClassVar[Mapping[str, str]] = MappingProxyType({})
    """Environment set (where unset) only while replaying: placeholder credentials a
    client needs before it builds a request that never leaves the process."""

    def claims(self, path: str) -> bool:
        """Whether a request to ``path`` is this format's traffic."""
        return bool(self.paths) and path.rstrip("/").endswith(self.paths)

    @abstractmethod
    def sniff(self, payloads: Sequence[Any]) -> bool:
        """Whether these parsed data payloads look like this format (when the path says nothing)."""

    @abstractmethod
    def read(self, frames: Sequence[Frame]) -> StreamReading:
        """What the stream says: text, tool-call fragments, reasoning, usage, finish, errors."""

    @abstractmethod
    def write(self, script: Script) -> list[Frame]:
        """The frames of a stream that says ``script``, as the provider would send them.

        Pure: everything random (ids, timestamps) comes in as arguments (each
        format's writer takes its own keywords, with fixed defaults), so the
        same script writes the same frames. ``read(write(script))`` gives back
        the script's text, tool calls, reasoning, usage and finish reason.
        """

    def prompt(self, request: Any) -> str | None:
        """The last user-visible prompt text of a request body, for failure messages."""
        if not isinstance(request, Mapping):
            return None
        messages = request.get("messages") or request.get("input")
        if isinstance(messages, str):
            return messages
        if isinstance(messages, list) and messages and isinstance(messages[-1], Mapping):
            return text_of_content(messages[-1].get("content"))
        return None

    def model(self, request: Any, path: str = "") -> str | None:
        """The model a request asks for: its body's ``model`` (some formats read the ``path``)."""
        model = request.get("model") if isinstance(request, Mapping) else None
        return model if isinstance(model, str) else None

    def error_body(self, status: int, message: str) -> Any:
        """The JSON body this provider answers an HTTP error with (an injected fault's answer).

        The default is OpenAI's ``{"error": {"message", "type", "param", "code"}}``.
        """
        kind = "requests" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        code = "rate_limit_exceeded" if status == 429 else None
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def error_frame(self, message: str) -> Frame:
        """A mid-stream error event as this provider sends it (an injected fault's event).

        The default is what OpenAI-compatible servers send: ``event: error`` with an ``error`` object.
        """
        return Frame(
            "error", json.dumps({"error": {"message": message, "type": "server_error", "param": None, "code": None}})
        )

    def __repr__(self) -> str:
        return f"<wire format {self.name}>"
