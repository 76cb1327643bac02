"""Hypothesis strategies for LLM token streams.

A recorded cassette shows one way a provider split a text; production sees
others. These strategies generate the others, as complete SSE bodies that go
through the same replay path as a recording (``streamtest.play``), so the real
``openai`` SDK parses them, ChatOpenAI turns them into message chunks and
LangGraph streams them.

Everything here is pure: strategies draw Python values and encode them with
:mod:`streamtest._sse`. Nothing imports openai, langchain or langgraph.

Layers, each usable alone::

    chunkings(text)                   how one text is cut into deltas
    tool_calls()                      a function name and its JSON arguments
    chat_completion_streams(text)     a whole /v1/chat/completions SSE body
    responses_streams(text)           a whole /v1/responses SSE body
    rechunkings(recorded)             a recorded body, same content, other cuts
    sse_variations(streams)           the same events, encoded as other servers do

Shrinking: every random decision is drawn so that its simplest value means
"nothing special": no cut, no empty delta, no keep-alive, LF line endings, one
network chunk per event. A failing example therefore shrinks towards few,
plain chunks, and prints as ``GeneratedStream('Why| was| the| cat')``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._profiles import CI_PROFILE, DEV_PROFILE, load_ci_profile_if_ci, register_profiles
from streamtest._sse import encode_event, parse_event, split_events

__all__ = [
    "CI_PROFILE",
    "DEV_PROFILE",
    "Chunking",
    "GeneratedStream",
    "ToolCall",
    "Usage",
    "chat_completion_streams",
    "chunkings",
    "json_objects",
    "load_ci_profile_if_ci",
    "rechunkings",
    "register_profiles",
    "responses_streams",
    "sse_variations",
    "tool_calls",
]

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
CHAT_COMPLETIONS = "chat.completions"
RESPONSES = "responses"
Api = Literal["chat.completions", "responses"]
Flavor = Literal["openai", "llama.cpp"]
_FLAVORS = ("openai", "llama.cpp")
_DONE = "[DONE]"

_T = TypeVar("_T")


# --------------------------------------------------------------------------- values


class Chunking(tuple[str, ...]):
    """A text cut into deltas; a plain tuple of ``str`` that prints as ``Chunking('Why| was')``."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return "".join(self)

    def __repr__(self) -> str:
        return f"Chunking({_pipe_form(self)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def _pipe_form(pieces: Sequence[str]) -> str:
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
        shown = _pipe_form(self.deltas) if self.deltas else repr(self.arguments)
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
        return [json.loads(data) for _, data in self.events if data != _DONE]

    def __iter__(self) -> Any:
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def __repr__(self) -> str:
        parts = [_pipe_form(self.deltas)]
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


# --------------------------------------------------------------------------- helpers

_B62 = string.digits + string.ascii_letters


def _b62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        out.append(_B62[rest])
    return "".join(reversed(out))


def _draw_id(draw: Callable[[SearchStrategy[Any]], Any], prefix: str, width: int, salt: object = "") -> str:
    """An OpenAI-looking id (``call_`` + base62) from one small integer draw, hashed to full width.

    ``salt`` keeps ids of one stream apart when their draws shrink to the same seed.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    return _hashed_id(prefix, width, f"{seed}/{salt}")


def _hashed_id(prefix: str, width: int, seed: str) -> str:
    digest = hashlib.blake2b(f"{prefix}{seed}".encode(), digest_size=48).digest()
    return prefix + _b62(int.from_bytes(digest, "big"), width)


def _dumps(value: Any) -> str:
    """JSON the way OpenAI sends it: compact, UTF-8 unescaped."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _named(name: str) -> Callable[[Callable[..., _T]], Callable[..., SearchStrategy[_T]]]:
    """``st.composite`` under a public name, so the strategy repr shows the public call."""

    def decorate(function: Callable[..., _T]) -> Callable[..., SearchStrategy[_T]]:
        function.__name__ = function.__qualname__ = name
        return st.composite(function)

    return decorate


def _check_text(name: str, value: object, *, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, (str, SearchStrategy)):
        raise UsageError(f"{name}={value!r} must be a str or a hypothesis strategy of str")


def _check_max_size(max_size: object) -> None:
    if max_size is None:
        return
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise UsageError(f"max_size={max_size!r} must be None or an int >= 1")


def _check_bool(name: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, bool):
        expected = "True, False or None" if allow_none else "True or False"
        raise UsageError(f"{name}={value!r} must be {expected}")


def _check_strategy(name: str, value: object) -> None:
    if value is not None and not isinstance(value, SearchStrategy):
        raise UsageError(f"{name}={value!r} must be None or a hypothesis strategy")


def _check_model(model: object) -> None:
    if not isinstance(model, str) or not model:
        raise UsageError(f"model={model!r} must be a non-empty str")


def _check_flavor(flavor: object) -> None:
    if flavor is not None and flavor not in _FLAVORS:
        raise UsageError(f"flavor={flavor!r} must be None or one of {_FLAVORS!r}")


def _as_strategy(value: str | SearchStrategy[str] | None, default: SearchStrategy[str]) -> SearchStrategy[str]:
    if value is None:
        return default
    if isinstance(value, str):
        return st.just(value)
    return value


# --------------------------------------------------------------------------- texts

# Pieces that look like real model output: leading-space words, punctuation,
# newlines, accents, CJK, emoji with and without ZWJ/skin-tone sequences.
_VOCABULARY = (
    "Why",
    " was",
    " the",
    " cat",
    " sitting",
    " on",
    " computer",
    "?",
    "\n\n",
    "Because",
    " it",
    " wanted",
    " to",
    " keep",
    " an",
    " eye",
    " mouse",
    "!",
    " na\u00efve",
    " caf\u00e9",
    " \u65e5\u672c\u8a9e",
    " \U0001f431",
    " \U0001f468\u200d\U0001f469\u200d\U0001f467",
    " \U0001f44d\U0001f3fd",
    " \u00a0",
    "\t",
    " ",
    "  ",
    ",",
    " 42",
    "-",
    "\u2014",
)
_DEFAULT_TEXTS: SearchStrategy[str] = st.one_of(
    st.lists(st.sampled_from(_VOCABULARY), max_size=12).map("".join),
    st.text(st.characters(codec="utf-8"), max_size=24),
)


# --------------------------------------------------------------------------- chunkings

# Every position between two code points draws a level 0..15 once; the density
# (drawn first) says from which level on that position is cut. Level 0 never
# cuts, so each position shrinks to "no cut" on its own, and a lower density
# over the same levels cuts a subset of the same positions: shrinking never
# has to invent a cut. Densities, from the simplest: the whole text in one
# delta, few random cuts, token-like cuts, half, most, nearly every code point.
_DENSITIES = ("whole", "sparse", "words", "half", "dense", "chars")
_LEVELS = st.sampled_from(range(16))
_THRESHOLD = {"sparse": 15, "half": 8, "dense": 3, "chars": 1}
_WORD_THRESHOLD = {True: 3, False: 14}  # at a token boundary / inside a word
_SOMETIMES = st.sampled_from((False,) * 7 + (True,))


def _kind(char: str) -> str:
    if char.isspace():
        return "space"
    category = unicodedata.category(char)[0]
    if category in "LM":
        return "letter"
    if category == "N":
        return "digit"
    return "symbol"


def _token_boundary(previous: str, current: str) -> bool:
    """Where a BPE tokenizer usually cuts: before a space-led word, around punctuation."""
    before, after = _kind(previous), _kind(current)
    if after == "space":
        return before != "space" or previous == "\n"
    if before == "space":
        return previous in "\n\r"
    return before != after or after == "symbol"


def _draw_chunking(
    draw: Callable[[SearchStrategy[Any]], Any], text: str, *, max_size: int | None, empty_deltas: bool
) -> Chunking:
    pieces: list[str] = []
    if text:
        density = draw(st.sampled_from(_DENSITIES))
        start = 0
        for index in range(1, len(text)):
            if max_size is not None and len(pieces) + 1 >= max_size:
                break
            if density == "whole":
                break
            if density == "words":
                threshold = _WORD_THRESHOLD[_token_boundary(text[index - 1], text[index])]
            else:
                threshold = _THRESHOLD[density]
            if draw(_LEVELS) >= threshold:
                pieces.append(text[start:index])
                start = index
        pieces.append(text[start:])
    if empty_deltas and draw(st.sampled_from((False, False, False, True))):
        with_empties: list[str] = []
        for slot in range(len(pieces) + 1):
            still_to_add = len(pieces) - slot
            if (max_size is None or len(with_empties) + still_to_add < max_size) and draw(_SOMETIMES):
                with_empties.append("")
            if slot < len(pieces):
                with_empties.append(pieces[slot])
        pieces = with_empties
    return Chunking(pieces)


@_named("chunkings")
def _chunkings(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str],
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> Chunking:
    value = draw(st.just(text) if isinstance(text, str) else text)
    if not isinstance(value, str):
        raise UsageError(f"the text strategy {text!r} drew {value!r}, which is not a str")
    return _draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)


def chunkings(
    text: str | SearchStrategy[str],
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> SearchStrategy[Chunking]:
    """Ways to cut ``text`` (or each text ``text`` draws) into deltas, at code-point boundaries.

    Every result concatenates back to the text. Cuts come in densities: the
    whole text in one delta, a few random cuts, token-like cuts (before
    space-led words, around punctuation, sometimes inside words), and one code
    point per delta. A multi-byte character or emoji code point is never cut
    (ZWJ sequences may be, as real tokenizers do); whitespace-only deltas
    appear wherever the text has whitespace; with ``empty_deltas`` some ``""``
    deltas are inserted, as servers send them. ``max_size`` bounds the number
    of deltas, empty ones included.

    Shrinks towards fewer cuts (ultimately the whole text as one delta) and no
    empty deltas.
    """
    _check_text("text", text, allow_none=False)
    _check_max_size(max_size)
    _check_bool("empty_deltas", empty_deltas)
    return _chunkings(text, max_size=max_size, empty_deltas=empty_deltas)


# --------------------------------------------------------------------------- tool calls

_JSON_SCALARS: SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    _JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def json_objects(*, max_size: int = 4) -> SearchStrategy[dict[str, Any]]:
    """JSON objects, as a function's arguments: str keys, nested JSON values (no NaN/inf).

    Shrinks towards ``{}``.
    """
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise UsageError(f"max_size={max_size!r} must be an int >= 0")
    return st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=10), _JSON_VALUES, max_size=max_size)


_NAMES = st.one_of(
    st.sampled_from(("get_weather", "search", "lookup_order", "send_email", "add")),
    st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_-]{0,30}", fullmatch=True),
)


@_named("tool_calls")
def _tool_calls(
    draw: Callable[[SearchStrategy[Any]], Any],
    *,
    names: SearchStrategy[str] | None = None,
    arguments: SearchStrategy[Any] | None = None,
) -> ToolCall:
    name = draw(_NAMES if names is None else names)
    args = draw(json_objects() if arguments is None else arguments)
    spaced = draw(st.sampled_from((False, True)))
    text = json.dumps(args, ensure_ascii=False) if spaced else _dumps(args)
    return ToolCall(name=name, arguments=text, id=_draw_id(draw, "call_", 24))


def tool_calls(
    *,
    names: SearchStrategy[str] | None = None,
    arguments: SearchStrategy[Any] | None = None,
) -> SearchStrategy[ToolCall]:
    """Function calls: a name, JSON arguments (compact or with spaces) and a ``call_…`` id.

    ``arguments`` draws the parsed value (default :func:`json_objects`); ChatOpenAI
    accepts only objects as arguments. Stream strategies split the JSON text at
    arbitrary code points. Shrinks towards ``get_weather('{}')``.
    """
    _check_strategy("names", names)
    _check_strategy("arguments", arguments)
    return _tool_calls(names=names, arguments=arguments)


# --------------------------------------------------------------------------- chat completions


@dataclass(frozen=True)
class _ChatEnvelope:
    flavor: str
    id: str
    created: int
    model: str
    fingerprint: str
    include_usage: bool

    def chunk(
        self, delta: dict[str, Any] | None, finish_reason: str | None = None, usage: Any = None
    ) -> dict[str, Any]:
        choices = [] if delta is None else [self.choice(delta, finish_reason)]
        if self.flavor == "llama.cpp":
            payload: dict[str, Any] = {
                "choices": choices,
                "created": self.created,
                "id": self.id,
                "model": self.model,
                "system_fingerprint": self.fingerprint,
                "object": "chat.completion.chunk",
            }
            if usage is not None:
                payload["usage"] = usage
                payload["timings"] = {"prompt_n": usage["prompt_tokens"], "predicted_n": usage["completion_tokens"]}
            return payload
        payload = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if self.include_usage:
            payload["usage"] = usage
        # OpenAI pads every chunk with an "obfuscation" field of varying length.
        payload["obfuscation"] = _B62[: 1 + (len(json.dumps(delta)) * 7) % 16]
        return payload

    def choice(self, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        if self.flavor == "llama.cpp":
            return {"finish_reason": finish_reason, "index": 0, "delta": delta}
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

    def usage(self, usage: Usage) -> dict[str, Any]:
        if self.flavor == "llama.cpp":
            return {
                "completion_tokens": usage.completion_tokens,
                "prompt_tokens": usage.prompt_tokens,
                "total_tokens": usage.total_tokens,
                "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
            }
        return {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


def _draw_usage(draw: Callable[[SearchStrategy[Any]], Any], completion_tokens: int) -> Usage:
    prompt = draw(st.integers(1, 4096))
    cached = draw(st.sampled_from((0, 0, 0, prompt // 2)))
    return Usage(prompt, completion_tokens, prompt + completion_tokens, cached)


def _draw_calls(
    draw: Callable[[SearchStrategy[Any]], Any],
    calls_strategy: SearchStrategy[Sequence[ToolCall]] | None,
    *,
    max_size: int | None,
) -> tuple[ToolCall, ...]:
    if calls_strategy is None:
        return ()
    drawn = draw(calls_strategy)
    if isinstance(drawn, ToolCall) or not all(isinstance(call, ToolCall) for call in drawn):
        raise UsageError(
            f"the tool_calls strategy drew {drawn!r}; it must draw a list of ToolCall, "
            "e.g. st.lists(streamtest.strategies.tool_calls(), max_size=3)"
        )
    out = []
    seen: set[str] = set()
    for position, call in enumerate(drawn):
        deltas = _draw_chunking(draw, call.arguments, max_size=max_size, empty_deltas=False)
        # Call ids are unique within a response; a repeated one gets a derived id.
        ident = call.id if call.id not in seen else _hashed_id("call_", 24, f"{call.id}/{position}")
        seen.add(ident)
        out.append(replace(call, id=ident, deltas=tuple(deltas)))
    return tuple(out)


def _encode_all(events: Sequence[tuple[str | None, str]]) -> tuple[bytes, ...]:
    return tuple(encode_event(data, event=name) for name, data in events)


@_named("chat_completion_streams")
def _chat_completion_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    usage: bool | None = None,
    finish_reason: str | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
    interleaved: bool = False,
    flavor: str | None = None,
) -> GeneratedStream:
    value = draw(_as_strategy(text, _DEFAULT_TEXTS))
    deltas = _draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)
    calls = _draw_calls(draw, tool_calls, max_size=max_size)
    with_usage = draw(st.booleans()) if usage is None else usage
    flavor = draw(st.sampled_from(_FLAVORS)) if flavor is None else flavor
    envelope = _ChatEnvelope(
        flavor=flavor,
        id=_draw_id(draw, "chatcmpl-", 29),
        created=draw(st.integers(1_700_000_000, 1_800_000_000)),
        model=model,
        fingerprint="b0-unknown" if flavor == "llama.cpp" else _draw_id(draw, "fp_", 10),
        include_usage=with_usage,
    )
    finish = finish_reason if finish_reason is not None else ("tool_calls" if calls else "stop")

    payloads: list[dict[str, Any]] = []
    role: dict[str, Any] = {"role": "assistant", "content": None}
    if envelope.flavor == "openai" and (value or not calls):
        role["content"] = ""
    if envelope.flavor == "openai":
        role["refusal"] = None
    headers = [
        {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        for index, call in enumerate(calls)
    ]
    # OpenAI sends the first tool-call header in the role chunk when there is no text.
    first_header_in_role = bool(calls) and not value and envelope.flavor == "openai"
    if first_header_in_role:
        role["tool_calls"] = [headers[0]]
    payloads.append(envelope.chunk(role))
    payloads.extend(envelope.chunk({"content": piece}) for piece in deltas)

    per_call: list[list[dict[str, Any]]] = []
    for index, call in enumerate(calls):
        events = [] if (index == 0 and first_header_in_role) else [envelope.chunk({"tool_calls": [headers[index]]})]
        events.extend(
            envelope.chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in call.deltas
        )
        per_call.append(events)
    if interleaved:
        # Headers keep index order (call i starts after call i-1 started); the
        # argument deltas of started calls mix. Choice 0 is the earliest call,
        # so this shrinks to the sequential order.
        started = 0
        while any(per_call):
            live = [i for i in range(min(started + 1, len(per_call))) if per_call[i]]
            chosen = live[draw(st.integers(0, len(live) - 1))]
            started = max(started, chosen + 1)
            payloads.append(per_call[chosen].pop(0))
    else:
        for events in per_call:
            payloads.extend(events)

    payloads.append(envelope.chunk({}, finish))
    drawn_usage = None
    if with_usage:
        completion = sum(1 for piece in deltas if piece) + sum(len(call.deltas) + 1 for call in calls)
        drawn_usage = _draw_usage(draw, completion)
        payloads.append(envelope.chunk(None, usage=envelope.usage(drawn_usage)))

    events = tuple((None, _dumps(payload)) for payload in payloads) + ((None, _DONE),)
    return GeneratedStream(
        chunks=_encode_all(events),
        api=CHAT_COMPLETIONS,
        deltas=tuple(deltas),
        tool_calls=calls,
        usage=drawn_usage,
        finish_reason=finish,
        model=model,
        events=events,
    )


def chat_completion_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    usage: bool | None = None,
    finish_reason: str | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
    interleaved: bool = False,
    flavor: Flavor | None = None,
) -> SearchStrategy[GeneratedStream]:
    """Complete ``/v1/chat/completions`` streams (``stream=True``) as SSE bodies.

    Each stream is: the role chunk, the content of ``text`` (a str, a strategy
    of str, or by default short model-like texts with emoji and CJK) cut by
    :func:`chunkings`, one header delta per tool call (``index``, ``id``,
    name, ``arguments: ""``) followed by its JSON arguments cut at arbitrary
    code points, the ``finish_reason`` chunk (default ``"tool_calls"`` when
    there are tool calls, else ``"stop"``), the usage chunk
    (``choices: []``) of ``stream_options.include_usage`` (``usage=None``
    draws whether there is one), and ``data: [DONE]``.

    ``tool_calls`` draws the calls, e.g. ``st.lists(tool_calls(), max_size=3)``
    (a repeated call id is replaced: ids are unique within a response); with
    ``interleaved`` the argument deltas of different calls are mixed (each
    call's own order kept, headers in index order). ``flavor`` fixes the chunk JSON to what OpenAI or
    llama.cpp's server sends (key order, ``usage: null``, ``obfuscation``,
    ``timings``); ``None`` draws it. ``max_size`` bounds the deltas of the
    content and of each call's arguments.

    Shrinks towards one content delta, no tool calls' cuts, no usage chunk.
    """
    _check_text("text", text)
    _check_strategy("tool_calls", tool_calls)
    _check_bool("usage", usage, allow_none=True)
    if finish_reason is not None and (not isinstance(finish_reason, str) or not finish_reason):
        raise UsageError(f"finish_reason={finish_reason!r} must be None or a non-empty str")
    _check_model(model)
    _check_max_size(max_size)
    _check_bool("empty_deltas", empty_deltas)
    _check_bool("interleaved", interleaved)
    _check_flavor(flavor)
    return _chat_completion_streams(
        text,
        tool_calls=tool_calls,
        usage=usage,
        finish_reason=finish_reason,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        interleaved=interleaved,
        flavor=flavor,
    )


# --------------------------------------------------------------------------- responses


def _response_object(
    response_id: str, created: int, model: str, status: str, output: list[Any], usage: Usage | None
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None
        if usage is None
        else {
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_tokens},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage.total_tokens,
        },
        "user": None,
        "metadata": {},
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


@_named("responses_streams")
def _responses_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> GeneratedStream:
    value = draw(_as_strategy(text, _DEFAULT_TEXTS))
    deltas = _draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)
    calls = _draw_calls(draw, tool_calls, max_size=max_size)
    response_id = _draw_id(draw, "resp_", 48)
    created = draw(st.integers(1_700_000_000, 1_800_000_000))
    completion = sum(1 for piece in deltas if piece) + sum(len(call.deltas) for call in calls)
    usage = _draw_usage(draw, completion)

    events: list[dict[str, Any]] = []
    output_done: list[dict[str, Any]] = []

    def emit(payload: dict[str, Any]) -> None:
        events.append({"type": payload.pop("type"), "sequence_number": len(events), **payload})

    emit(
        {"type": "response.created", "response": _response_object(response_id, created, model, "in_progress", [], None)}
    )
    emit(
        {
            "type": "response.in_progress",
            "response": _response_object(response_id, created, model, "in_progress", [], None),
        }
    )
    if value or not calls:
        item_id = _draw_id(draw, "msg_", 48)
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        emit(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": item_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"},
            }
        )
        emit({"type": "response.content_part.added", **where, "part": _text_part("")})
        for piece in deltas:
            emit({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []})
        emit({"type": "response.output_text.done", **where, "text": value, "logprobs": []})
        emit({"type": "response.content_part.done", **where, "part": _text_part(value)})
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "content": [_text_part(value)],
            "role": "assistant",
        }
        emit({"type": "response.output_item.done", "output_index": 0, "item": item})
        output_done.append(item)
    for call in calls:
        index = len(output_done)
        item_id = _draw_id(draw, "fc_", 48, salt=index)
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call.id,
            "name": call.name,
        }
        emit({"type": "response.output_item.added", "output_index": index, "item": item})
        for piece in call.deltas:
            emit(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item_id,
                    "output_index": index,
                    "delta": piece,
                }
            )
        emit(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item_id,
                "output_index": index,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
        item = {**item, "status": "completed", "arguments": call.arguments}
        emit({"type": "response.output_item.done", "output_index": index, "item": item})
        output_done.append(item)
    completed = _response_object(response_id, created, model, "completed", output_done, usage)
    emit({"type": "response.completed", "response": completed})

    sse = tuple((payload["type"], _dumps(payload)) for payload in events)
    return GeneratedStream(
        chunks=_encode_all(sse),
        api=RESPONSES,
        deltas=tuple(deltas),
        tool_calls=calls,
        usage=usage,
        finish_reason=None,
        model=model,
        events=sse,
    )


def responses_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> SearchStrategy[GeneratedStream]:
    """Complete ``/v1/responses`` streams (``stream=True``) as typed SSE events.

    ``response.created``, ``response.in_progress``, then a message item
    (``output_item.added``, ``content_part.added``, ``output_text.delta`` per
    delta, ``output_text.done``, ``content_part.done``, ``output_item.done``)
    when there is text or no tool call, then one ``function_call`` item per
    tool call with its ``function_call_arguments.delta`` events, and
    ``response.completed`` with the full output and usage. Every event has its
    ``event:`` line and ``sequence_number``. Options as in
    :func:`chat_completion_streams`.

    Shrinks like :func:`chat_completion_streams`.
    """
    _check_text("text", text)
    _check_strategy("tool_calls", tool_calls)
    _check_model(model)
    _check_max_size(max_size)
    _check_bool("empty_deltas", empty_deltas)
    return _responses_streams(text, tool_calls=tool_calls, model=model, max_size=max_size, empty_deltas=empty_deltas)


# --------------------------------------------------------------------------- rechunkings


@dataclass
class _Recorded:
    """A recorded body taken apart: its events and the ground truth they carry."""

    api: Api
    raw: list[bytes]  # every event chunk as recorded
    parsed: list[Any]  # JSON per chunk; None for [DONE] and comment-only events
    names: list[str | None]
    eol: str
    text: str
    calls: list[ToolCall]
    call_keys: list[Any]  # tool index (chat) or item id (responses), parallel to calls
    usage: Usage | None
    finish_reason: str | None
    model: str


_Planned = tuple[bytes | None, str | None, Any]  # (recorded bytes to keep | None, event name, payload)


def _chat_delta(payload: Any) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        return None
    choices = payload.get("choices") or []
    if not choices:
        return None
    return choices[0].get("delta") or {}


def _is_content_only(payload: Any) -> bool:
    delta = _chat_delta(payload)
    return (
        delta is not None
        and set(delta) <= {"content"}
        and isinstance(delta.get("content"), str)
        and payload["choices"][0].get("finish_reason") is None
    )


def _args_only_index(payload: Any) -> int | None:
    delta = _chat_delta(payload)
    if delta is None or set(delta) != {"tool_calls"} or len(delta["tool_calls"] or []) != 1:
        return None
    call = delta["tool_calls"][0]
    if set(call) != {"index", "function"} or set(call["function"] or {}) != {"arguments"}:
        return None
    if payload["choices"][0].get("finish_reason") is not None:
        return None
    return int(call["index"])


def _usage_from(data: Any, *, responses: bool) -> Usage | None:
    if not isinstance(data, dict):
        return None
    if responses:
        details = data.get("input_tokens_details") or {}
        return Usage(
            data["input_tokens"], data["output_tokens"], data["total_tokens"], details.get("cached_tokens") or 0
        )
    details = data.get("prompt_tokens_details") or {}
    return Usage(
        data["prompt_tokens"], data["completion_tokens"], data["total_tokens"], details.get("cached_tokens") or 0
    )


def _take_apart(recorded: object) -> _Recorded:
    if isinstance(recorded, GeneratedStream):
        raw = split_events(recorded.body)
    elif isinstance(recorded, (bytes, bytearray)):
        raw = split_events(bytes(recorded))
    elif (
        isinstance(recorded, Sequence)
        and not isinstance(recorded, str)
        and recorded
        and all(isinstance(chunk, (bytes, bytearray)) for chunk in recorded)
    ):
        raw = split_events(b"".join(recorded))
    else:
        raise UsageError(
            f"recorded={recorded!r:.200} must be an SSE body (bytes), a non-empty list of its event "
            "chunks (bytes), or a GeneratedStream"
        )
    parsed: list[Any] = []
    names: list[str | None] = []
    eol = "\n"
    for index, chunk in enumerate(raw):
        try:
            event = parse_event(chunk)
        except UnicodeDecodeError as error:
            raise UsageError(f"recorded event {index} is not UTF-8: {chunk[:80]!r}") from error
        names.append(event.event)
        if event.data is not None and eol == "\n":
            eol = event.eol
        if event.data is None or event.data == _DONE:
            parsed.append(None)
            continue
        try:
            parsed.append(json.loads(event.data))
        except ValueError as error:
            raise UsageError(f"recorded event {index} does not carry JSON data: {chunk[:80]!r}") from error
    payloads = [payload for payload in parsed if isinstance(payload, dict)]
    if not payloads:
        raise UsageError(f"recorded={recorded!r:.200} holds no JSON event: nothing to re-chunk")
    if any(str(payload.get("type", "")).startswith("response.") for payload in payloads):
        return _take_apart_responses(raw, parsed, names, eol)
    odd = next((payload for payload in payloads if payload.get("object") != "chat.completion.chunk"), None)
    if odd is not None:
        raise UsageError(f"recorded stream is neither chat completions nor responses: event {odd!r:.200}")

    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    usage: Usage | None = None
    finish: str | None = None
    for payload in payloads:
        for choice in payload.get("choices") or []:
            if choice.get("index", 0) != 0:
                raise UsageError(f"recorded stream has several choices (n > 1), not supported: {choice!r:.200}")
            if choice.get("logprobs"):
                raise UsageError("recorded stream carries logprobs, which cannot follow other cuts")
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                text.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call["index"], {"id": None, "name": "", "arguments": []})
                entry["id"] = entry["id"] or call.get("id")
                function = call.get("function") or {}
                entry["name"] += function.get("name") or ""
                if function.get("arguments"):
                    entry["arguments"].append(function["arguments"])
            finish = choice.get("finish_reason") or finish
        if payload.get("usage"):
            usage = _usage_from(payload["usage"], responses=False)
    keys = sorted(calls)
    found = [
        ToolCall(
            name=calls[key]["name"],
            arguments="".join(calls[key]["arguments"]),
            id=calls[key]["id"] or "",
            deltas=tuple(calls[key]["arguments"]),
        )
        for key in keys
    ]
    return _Recorded(
        CHAT_COMPLETIONS,
        raw,
        parsed,
        names,
        eol,
        "".join(text),
        found,
        keys,
        usage,
        finish,
        payloads[0].get("model", ""),
    )


def _take_apart_responses(raw: list[bytes], parsed: list[Any], names: list[str | None], eol: str) -> _Recorded:
    text: list[str] = []
    parts: set[tuple[Any, Any]] = set()
    calls: dict[str, dict[str, Any]] = {}
    usage, model = None, ""
    for payload in parsed:
        if not isinstance(payload, dict):
            continue
        kind = payload.get("type")
        if kind == "response.output_text.delta":
            text.append(payload["delta"])
            parts.add((payload.get("item_id"), payload.get("content_index")))
        elif kind == "response.output_item.added" and payload["item"].get("type") == "function_call":
            item = payload["item"]
            calls[item["id"]] = {"id": item.get("call_id", ""), "name": item.get("name", ""), "arguments": []}
        elif kind == "response.function_call_arguments.delta":
            calls.setdefault(payload["item_id"], {"id": "", "name": "", "arguments": []})["arguments"].append(
                payload["delta"]
            )
        elif kind == "response.completed":
            response = payload["response"]
            model = response.get("model", "")
            usage = _usage_from(response.get("usage"), responses=True)
    if len(parts) > 1:
        raise UsageError(
            f"recorded responses stream has text in {len(parts)} content parts {sorted(parts, key=repr)!r}; "
            "re-chunking handles one"
        )
    found = [
        ToolCall(name=c["name"], arguments="".join(c["arguments"]), id=c["id"], deltas=tuple(c["arguments"]))
        for c in calls.values()
    ]
    return _Recorded(RESPONSES, raw, parsed, names, eol, "".join(text), found, list(calls), usage, None, model)


def _rechunk_chat(rec: _Recorded, deltas: Sequence[str], arguments: dict[Any, tuple[str, ...]]) -> list[_Planned]:
    """The recorded events with the content and argument deltas replaced by ``deltas``/``arguments``.

    The new content deltas go where the first content delta was, each tool
    call's argument deltas right after its header; they copy the JSON of the
    event they replace. A chunk that mixes content or arguments with other
    fields (role, a tool-call header, finish_reason) is kept with those emptied.
    """
    out: list[_Planned] = []
    content_placed = False
    args_placed: set[Any] = set()

    def content_events(template: Any, name: str | None) -> list[_Planned]:
        events: list[_Planned] = []
        for piece in deltas:
            payload = copy.deepcopy(template)
            payload["choices"][0]["delta"] = {"content": piece}
            payload["choices"][0]["finish_reason"] = None
            events.append((None, name, payload))
        return events

    def args_events(template: Any, name: str | None, index: Any) -> list[_Planned]:
        events: list[_Planned] = []
        for piece in arguments.get(index, ()):
            payload = copy.deepcopy(template)
            payload["choices"][0]["delta"] = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            payload["choices"][0]["finish_reason"] = None
            events.append((None, name, payload))
        return events

    for raw, payload, name in zip(rec.raw, rec.parsed, rec.names, strict=True):
        if _is_content_only(payload):
            if not content_placed:
                out.extend(content_events(payload, name))
                content_placed = True
            continue
        index = _args_only_index(payload)
        if index is not None:
            if index not in args_placed:
                out.extend(args_events(payload, name, index))
                args_placed.add(index)
            continue
        delta = _chat_delta(payload)
        if not delta:
            out.append((raw, name, payload))
            continue
        changed = copy.deepcopy(payload)
        new_delta = changed["choices"][0]["delta"]
        pending: list[_Planned] = []
        if isinstance(new_delta.get("content"), str) and new_delta["content"]:
            new_delta["content"] = ""
            if not content_placed:
                pending.extend(content_events(payload, name))
                content_placed = True
        for call in new_delta.get("tool_calls") or []:
            function = call.get("function") or {}
            if function.get("arguments"):
                function["arguments"] = ""
            if call["index"] not in args_placed:
                pending.extend(args_events(payload, name, call["index"]))
                args_placed.add(call["index"])
        kept = (raw if changed == payload else None, name, changed)
        finishes = changed["choices"][0].get("finish_reason") is not None
        out.extend([*pending, kept] if finishes else [kept, *pending])
    return out


def _rechunk_responses(rec: _Recorded, deltas: Sequence[str], arguments: dict[Any, tuple[str, ...]]) -> list[_Planned]:
    """The recorded events with text and argument delta events replaced; sequence numbers renumbered."""
    out: list[_Planned] = []
    text_placed = False
    args_placed: set[Any] = set()
    for raw, payload, name in zip(rec.raw, rec.parsed, rec.names, strict=True):
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "response.output_text.delta":
            if not text_placed:
                out.extend((None, name, {**payload, "delta": piece}) for piece in deltas)
                text_placed = True
            continue
        if kind == "response.function_call_arguments.delta":
            if payload["item_id"] not in args_placed:
                out.extend((None, name, {**payload, "delta": piece}) for piece in arguments[payload["item_id"]])
                args_placed.add(payload["item_id"])
            continue
        out.append((raw, name, payload))
    number = 0
    renumbered: list[_Planned] = []
    for raw, name, payload in out:
        if isinstance(payload, dict) and "sequence_number" in payload:
            if payload["sequence_number"] != number:
                raw, payload = None, {**payload, "sequence_number": number}
            number += 1
        renumbered.append((raw, name, payload))
    return renumbered


@_named("rechunkings")
def _rechunkings(
    draw: Callable[[SearchStrategy[Any]], Any],
    recorded: Any,
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
    arguments: bool = True,
) -> GeneratedStream:
    rec: _Recorded = recorded.parsed
    deltas = _draw_chunking(draw, rec.text, max_size=max_size, empty_deltas=empty_deltas)
    calls = [
        replace(call, deltas=tuple(_draw_chunking(draw, call.arguments, max_size=max_size, empty_deltas=False)))
        if arguments
        else call
        for call in rec.calls
    ]
    by_key = {key: call.deltas for key, call in zip(rec.call_keys, calls, strict=True)}
    rechunk = _rechunk_chat if rec.api == CHAT_COMPLETIONS else _rechunk_responses
    chunks: list[bytes] = []
    events: list[tuple[str | None, str]] = []
    for raw, name, payload in rechunk(rec, deltas, by_key):
        if raw is not None:
            chunks.append(raw)
            data = parse_event(raw).data
            if data is not None:
                events.append((name, data))
            continue
        data = _dumps(payload)
        chunks.append(encode_event(data, event=name, eol=rec.eol))
        events.append((name, data))
    return GeneratedStream(
        chunks=tuple(chunks),
        api=rec.api,
        deltas=tuple(deltas),
        tool_calls=tuple(calls),
        usage=rec.usage,
        finish_reason=rec.finish_reason,
        model=rec.model,
        events=tuple(events),
    )


class _RecordedArgument:
    """The recorded stream, parsed once when the strategy is built; prints as a short summary."""

    def __init__(self, original: object, parsed: _Recorded) -> None:
        self.original = original
        self.parsed = parsed

    def __repr__(self) -> str:
        if isinstance(self.original, GeneratedStream):
            return repr(self.original)
        rec = self.parsed
        return f"<recorded {rec.api} stream: {len(rec.raw)} events, text {_shorten(rec.text)!r}>"


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def rechunkings(
    recorded: bytes | Sequence[bytes] | GeneratedStream,
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
    arguments: bool = True,
) -> SearchStrategy[GeneratedStream]:
    """A recorded stream cut at other boundaries: same content, same tool calls, other deltas.

    ``recorded`` is a chat-completions or responses SSE body, the list of its
    event chunks (as a cassette stores them), or a :class:`GeneratedStream`.
    The recorded text and each tool call's JSON arguments are re-cut with
    :func:`chunkings`; every other event (role, headers, finish, usage,
    ``[DONE]``, keep-alives, ``response.*`` bookkeeping) is kept byte for byte,
    and the re-cut deltas reuse the JSON of the recorded delta events (id,
    created, model, extra fields), so a recording becomes a family of streams.
    ``sequence_number`` is renumbered in responses streams. With
    ``arguments=False`` tool-call arguments keep their recorded cuts.

    The recording is parsed here, so a body that is not one of those streams
    (several choices, logprobs, not JSON) raises ``UsageError`` at once.

    Shrinks towards the text in one delta; the recorded cuts themselves are
    one of the possible draws, not a guaranteed one.
    """
    parsed = _take_apart(recorded)
    _check_max_size(max_size)
    _check_bool("empty_deltas", empty_deltas)
    _check_bool("arguments", arguments)
    return _rechunkings(
        _RecordedArgument(recorded, parsed), max_size=max_size, empty_deltas=empty_deltas, arguments=arguments
    )


# --------------------------------------------------------------------------- SSE variations

_KEEP_ALIVES = (": ping", ":", ": keep-alive", ": OPENROUTER PROCESSING")
_EOLS = ("\n", "\r\n", "\r")


def _encode_varied(
    name: str | None, data: str, *, eol: str, space: bool, comment: str | None, ident: str | None = None
) -> bytes:
    lines = [comment] if comment is not None else []
    if ident is not None:
        lines.append(f"id:{' ' if space else ''}{ident}")
    if name is not None:
        lines.append(f"event:{' ' if space else ''}{name}")
    lines.extend(f"data:{' ' if space else ''}{line}" for line in data.split("\n"))
    return (eol.join(lines) + eol + eol).encode("utf-8")


@_named("sse_variations")
def _sse_variations(
    draw: Callable[[SearchStrategy[Any]], Any],
    streams: SearchStrategy[GeneratedStream],
    *,
    line_endings: bool = True,
    comments: bool = True,
    event_lines: bool = True,
    no_space: bool = True,
    multiline_data: bool = True,
    network_splits: bool = True,
    event_ids: bool = False,
) -> GeneratedStream:
    stream = draw(streams)
    if not isinstance(stream, GeneratedStream):
        raise UsageError(f"sse_variations() needs a strategy of GeneratedStream, got a draw of {stream!r:.200}")
    marks: list[str] = []
    eol = draw(st.sampled_from(_EOLS)) if line_endings else "\n"
    if eol != "\n":
        marks.append({"\r\n": "CRLF", "\r": "CR"}[eol])
    space = not (no_space and draw(st.sampled_from((False, False, True))))
    if not space:
        marks.append("data:no-space")
    # Event lines: as generated, or toggled (added to chat chunks as "message",
    # dropped from responses events, where the SDK reads "type" from the data).
    toggle_events = event_lines and draw(st.sampled_from((False, False, True)))
    if toggle_events:
        marks.append("event lines" if stream.api == CHAT_COMPLETIONS else "no event lines")
    with_comments = comments and draw(st.sampled_from((False, True)))
    multiline = multiline_data and draw(st.sampled_from((False, False, False, True)))
    if multiline:
        marks.append("multi-line data")
    with_ids = event_ids and draw(st.sampled_from((False, True)))
    if with_ids:
        marks.append("id lines")

    chunks: list[bytes] = []
    events: list[tuple[str | None, str]] = []
    keep_alives = 0
    for name, data in stream.events:
        if toggle_events and stream.api == CHAT_COMPLETIONS:
            name = "message" if name is None else None
        elif toggle_events:
            name = None
        if multiline and data != _DONE:
            data = json.dumps(json.loads(data), ensure_ascii=False, indent=1)
        comment = None
        if with_comments:
            where = draw(st.sampled_from((None, None, None, "before", "inside")))
            keep_alive = draw(st.sampled_from(_KEEP_ALIVES)) if where else None
            if where == "before":
                chunks.append(f"{keep_alive}{eol}{eol}".encode())
                keep_alives += 1
            elif where == "inside":
                comment = keep_alive
                keep_alives += 1
        ident = str(len(events)) if with_ids else None
        chunk = _encode_varied(name, data, eol=eol, space=space, comment=comment, ident=ident)
        chunks.append(chunk)
        # What a spec parser reads back (without the optional space, an indented
        # data line loses one space of its indentation; the JSON is the same).
        events.append((name, parse_event(chunk).data or ""))
    if keep_alives:
        marks.append(f"comments={keep_alives}")
    if network_splits and draw(st.sampled_from((False, False, True))):
        body = b"".join(chunks)
        cuts = sorted(draw(st.lists(st.integers(1, max(1, len(body) - 1)), unique=True, min_size=1, max_size=24)))
        cuts = [cut for cut in cuts if 0 < cut < len(body)]
        edges = [0, *cuts, len(body)]
        chunks = [body[a:b] for a, b in itertools.pairwise(edges)]
        marks.append(f"network chunks={len(chunks)}")
    return replace(stream, chunks=tuple(chunks), events=tuple(events), variations=stream.variations + tuple(marks))


def sse_variations(
    streams: SearchStrategy[GeneratedStream],
    *,
    line_endings: bool = True,
    comments: bool = True,
    event_lines: bool = True,
    no_space: bool = True,
    multiline_data: bool = True,
    network_splits: bool = True,
    event_ids: bool = False,
) -> SearchStrategy[GeneratedStream]:
    """The same streams, encoded the other ways the SSE spec allows and servers send.

    Each variation can be turned off: ``line_endings`` (CRLF or a lone CR
    instead of LF), ``comments`` (keep-alive comment events such as
    ``: ping`` between events, or a comment line inside an event),
    ``event_lines`` (``event: message`` added to chat chunks; ``event:``
    lines dropped from responses events), ``no_space`` (``data:{...}``
    without the optional space), ``multiline_data`` (indented JSON over
    several ``data:`` lines, which the spec joins with ``\\n``) and
    ``network_splits`` (the body re-cut at arbitrary byte offsets, across
    events and inside UTF-8 sequences, as TCP delivers it).

    The ground truth (text, tool calls, usage, payloads) is unchanged, so every
    property of the wrapped stream still holds.

    ``event_ids`` (off by default) adds ``id:`` lines. The spec allows them, but
    openai's SDK (3.5x) keeps the last event id across events and then turns a
    later comment-only keep-alive into an empty data event, which it fails to
    parse as JSON: turn it on to test a client that does not use that SDK, or
    to see the SDK fail.

    Shrinks towards the wrapped stream unchanged.
    """
    if not isinstance(streams, SearchStrategy):
        raise UsageError(f"streams={streams!r} must be a hypothesis strategy of GeneratedStream")
    for name, value in (
        ("line_endings", line_endings),
        ("comments", comments),
        ("event_lines", event_lines),
        ("no_space", no_space),
        ("multiline_data", multiline_data),
        ("network_splits", network_splits),
        ("event_ids", event_ids),
    ):
        _check_bool(name, value)
    return _sse_variations(
        streams,
        line_endings=line_endings,
        comments=comments,
        event_lines=event_lines,
        no_space=no_space,
        multiline_data=multiline_data,
        network_splits=network_splits,
        event_ids=event_ids,
    )
