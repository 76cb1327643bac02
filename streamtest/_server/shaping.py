"""What ``--llm-server=local`` changes in a request on its way to the embedded server, and why.

A 270M base model does not call tools or stop answering on its own. The app's
request is left as the app wrote it, and stays so in the cassette (a CI replay
sends the same request and must match it); only the copy sent to the local
llama.cpp server is reshaped, by :func:`shape_request`, which is pure.

The body alone decides what kind of step a request is:

- **tool step**: tools are bound, the app did not say ``tool_choice: none``,
  and the last message is the user's. The model must emit one real, streamed
  tool call. The server's copy gets the assistant turn prefilled with
  ``<tool_call>\\n`` (llama.cpp continues a trailing assistant message, so the
  model's first token is inside a call and the template's tool-call parser turns
  what follows into ``delta.tool_calls``), ``tool_choice: "required"`` (a
  grammar: the JSON must fit a tool's schema), ``parallel_tool_calls: false``,
  a ``logit_bias`` of +20 on Gemma's end-of-turn tokens and the stop string
  ``</tool_call>`` (or the model writes the call again until ``max_tokens``),
  and the template's one worked tool round (``tool_example``);
- **answer step**: anything else (no tools, or the last message is a tool
  result). The server's copy gets ``tool_choice: "none"`` when tools are bound,
  the stop strings ``User:`` (the template's turns are ``User:`` /
  ``Assistant:``, and a base model ends its answer by starting the next user
  turn, so answers end with ``finish_reason: "stop"``), and after tool results
  the worked tool round, so the model answers from the result;
- **reasoning**: an answer step whose app asked for reasoning
  (``reasoning_effort``, Responses ``reasoning={...}``, Anthropic ``thinking``).
  The template opens ``<think>`` with a two-shot primer and llama.cpp's
  ``thinking_budget_tokens`` bounds the reasoning deltas before the answer.

Every step also gets a token ceiling (``max_tokens`` at most
:data:`MAX_TOKENS_CEILING`, :data:`DEFAULT_MAX_TOKENS` when the app set none):
a base model that misses its stop would otherwise run to the end of the context;
and ``temperature: 0`` when the app set none (:data:`DEFAULT_TEMPERATURE`).

Prototyped and measured in the agents research note (December 2026); each
constant below says what it is for.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "END_OF_TURN_BIAS",
    "MAX_TOKENS_CEILING",
    "REASONING_BUDGET",
    "TOOL_CALL_END",
    "TOOL_CALL_PREFILL",
    "TURN_STOPS",
    "StepKind",
    "shape_request",
    "step_kind",
]

StepKind = Literal["tool", "answer", "reasoning"]

TOOL_CALL_PREFILL = "<tool_call>\n"
"""The assistant turn is continued from this text: the model's first token is inside a Hermes tool call."""
TOOL_CALL_END = "</tool_call>"
"""Where one call ends; as a stop string it ends generation after exactly one call."""
END_OF_TURN_BIAS = {"1": 20, "106": 20}
"""Gemma's ``<eos>`` (1) and ``<end_of_turn>`` (106), +20: the turn ends once the grammar closed the call.
Chat Completions and Responses only (llama.cpp's Anthropic converter drops ``logit_bias``)."""
TURN_STOPS = ["\n\nUser:", "\nUser:", "User:", "\n\nAssistant:", "\nAssistant:"]
"""The next turn, longest first (llama.cpp cuts at the stop, so the answer keeps no blank line)."""
DEFAULT_TEMPERATURE = 0.0
"""Greedy decoding when the app sets no temperature: answers stick to the tool result (at llama.cpp's
default 0.8 the model sometimes copies the worked example's numbers) and re-recordings repeat."""
DEFAULT_MAX_TOKENS = 128
"""A ceiling when the app sets none (llama.cpp's default is the whole context: a minute on two cores)."""
MAX_TOKENS_CEILING = 256
"""A ceiling when it sets one (Anthropic thinking asks for ``max_tokens`` > 1024)."""
REASONING_BUDGET = 32
"""Reasoning tokens before llama.cpp closes ``</think>``, at most half the request's own limit."""

_CHAT = "/chat/completions"
_RESPONSES = "/responses"
_MESSAGES = "/messages"


def shape_request(path: str, body: Any) -> Any:
    """The body to send to the local server for ``POST path`` with ``body`` (a new object; ``body`` is untouched).

    Bodies of other endpoints, and bodies that are not JSON objects, come back as they are.
    """
    api = _api_for(path, body)
    if api is None:
        return body
    api = type(api)(copy.deepcopy(body))
    api.cap_max_tokens()
    if api.body.get("temperature") is None:
        api.body["temperature"] = DEFAULT_TEMPERATURE
    if api.is_tool_step():
        api.force_one_tool_call()
    else:
        api.answer_in_text()
        # An app's own trailing assistant message is a prefill, and llama.cpp parses no
        # reasoning after a prefill: reasoning is opened only for a fresh assistant turn.
        if api.wants_reasoning() and api.last_role() != "assistant":
            api.open_reasoning()
        else:
            api.set_template_flags(enable_thinking=False)
    return api.body


def step_kind(path: str, body: Any) -> StepKind | None:
    """``"tool"``, ``"answer"`` or ``"reasoning"``: which shaping a request gets (``None``: none)."""
    api = _api_for(path, body)
    if api is None:
        return None
    if api.is_tool_step():
        return "tool"
    return "reasoning" if api.wants_reasoning() else "answer"


def _api_for(path: str, body: Any) -> _Api | None:
    if not isinstance(body, dict):
        return None
    path = path.split("?", 1)[0].rstrip("/")
    for suffix, cls in ((_CHAT, _Chat), (_RESPONSES, _Responses), (_MESSAGES, _Messages)):
        if path.endswith(suffix):
            return cls(body)
    return None


def _as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Api:
    """One API's view of a request body; the changes mutate ``body`` (a copy)."""

    max_tokens_keys: tuple[str, ...] = ("max_tokens", "max_completion_tokens")
    stop_key = "stop"

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    # ------------------------------------------------------------------ what the request is

    def has_tools(self) -> bool:
        return bool(self.body.get("tools"))

    def last_role(self) -> str | None:
        """``"user"``, ``"tool"`` (the last message is a tool result), ``"assistant"``... or None."""
        raise NotImplementedError

    def tool_choice_none(self) -> bool:
        return self.body.get("tool_choice") == "none"

    def wants_reasoning(self) -> bool:
        raise NotImplementedError

    def is_tool_step(self) -> bool:
        return self.has_tools() and not self.tool_choice_none() and self.last_role() == "user"

    # ------------------------------------------------------------------ changes

    def cap_max_tokens(self) -> None:
        keys = [key for key in self.max_tokens_keys if isinstance(self.body.get(key), int)]
        if not keys:
            self.body[self.max_tokens_keys[0]] = DEFAULT_MAX_TOKENS
        for key in keys:
            self.body[key] = min(self.body[key], MAX_TOKENS_CEILING)

    def max_tokens(self) -> int:
        return next((self.body[key] for key in self.max_tokens_keys if isinstance(self.body.get(key), int)), DEFAULT_MAX_TOKENS)

    def add_stops(self, stops: list[str]) -> None:
        own = self.body.get(self.stop_key)
        mine = [own] if isinstance(own, str) else list(own or [])
        self.body[self.stop_key] = mine + [stop for stop in stops if stop not in mine]

    def set_template_flags(self, **flags: bool) -> None:
        """Switch parts of the chat template on or off (llama.cpp's ``chat_template_kwargs``)."""
        self.body["chat_template_kwargs"] = {**_as_dict(self.body.get("chat_template_kwargs")), **flags}

    def open_reasoning(self) -> None:
        self.set_template_flags(enable_thinking=True, reasoning_example=True)
        self.body["thinking_budget_tokens"] = max(1, min(REASONING_BUDGET, self.max_tokens() // 2))

    def force_one_tool_call(self) -> None:
        self.keep_only_named_tool()
        self.append_prefill()
        self.body["tool_choice"] = "required"
        self.body["parallel_tool_calls"] = False
        self.body["logit_bias"] = {**_as_dict(self.body.get("logit_bias")), **END_OF_TURN_BIAS}
        self.add_stops([TOOL_CALL_END])
        # llama.cpp refuses a prefill together with enable_thinking; a reasoning
        # request with tools reasons on its answer step instead.
        self.set_template_flags(enable_thinking=False, tool_example=True)

    def answer_in_text(self) -> None:
        if self.has_tools():
            self.body["tool_choice"] = "none"
        self.add_stops(TURN_STOPS)
        if self.last_role() == "tool":
            self.set_template_flags(tool_example=True)

    def keep_only_named_tool(self) -> None:
        """llama.cpp rejects a named ``tool_choice`` object (and falls back to auto): send only that tool."""
        choice = _as_dict(self.body.get("tool_choice"))
        name = choice.get("name") or _as_dict(choice.get("function")).get("name")
        if name:
            tools = [tool for tool in self.body["tools"] if _tool_name(tool) == name]
            self.body["tools"] = tools or self.body["tools"]

    def append_prefill(self) -> None:
        self.body["messages"].append({"role": "assistant", "content": TOOL_CALL_PREFILL})


def _tool_name(tool: Any) -> str | None:
    tool = _as_dict(tool)
    name = tool.get("name") or _as_dict(tool.get("function")).get("name")
    return name if isinstance(name, str) else None


class _Chat(_Api):
    """OpenAI Chat Completions."""

    def last_role(self) -> str | None:
        messages = self.body.get("messages") or []
        return _as_dict(messages[-1]).get("role") if messages else None

    def wants_reasoning(self) -> bool:
        return self.body.get("reasoning_effort") not in (None, "none", "minimal")


class _Responses(_Api):
    """OpenAI Responses: ``input`` items, ``max_output_tokens``, ``reasoning={"effort": ...}``."""

    max_tokens_keys = ("max_output_tokens",)

    def last_role(self) -> str | None:
        items = self.body.get("input")
        if isinstance(items, str):
            return "user"
        if not items:
            return None
        last = _as_dict(items[-1])
        kind = last.get("type")
        if kind == "function_call_output":
            return "tool"
        if kind == "function_call":
            return "assistant"
        return last.get("role")

    def wants_reasoning(self) -> bool:
        reasoning = self.body.get("reasoning")
        return isinstance(reasoning, Mapping) and reasoning.get("effort") not in ("none", "minimal")

    def append_prefill(self) -> None:
        if isinstance(self.body.get("input"), str):
            self.body["input"] = [{"role": "user", "content": self.body["input"]}]
        # A plain string content is refused (HTTP 400); an output_text part is accepted.
        self.body["input"].append(
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": TOOL_CALL_PREFILL}]}
        )


class _Messages(_Api):
    """Anthropic Messages. llama.cpp converts it to a chat request and keeps only messages, system,
    tools, tool_choice (auto/any/tool -> auto/required), stop_sequences, max_tokens, temperature,
    top_p, top_k, stream, chat_template_kwargs and thinking (-> thinking_budget_tokens)."""

    max_tokens_keys = ("max_tokens",)
    stop_key = "stop_sequences"

    def last_role(self) -> str | None:
        messages = self.body.get("messages") or []
        if not messages:
            return None
        last = _as_dict(messages[-1])
        content = last.get("content")
        if (
            last.get("role") == "user"
            and isinstance(content, list)
            and any(_as_dict(block).get("type") == "tool_result" for block in content)
        ):
            return "tool"
        return last.get("role")

    def tool_choice_none(self) -> bool:
        return _as_dict(self.body.get("tool_choice")).get("type") == "none"

    def wants_reasoning(self) -> bool:
        return _as_dict(self.body.get("thinking")).get("type") in ("enabled", "adaptive")

    def force_one_tool_call(self) -> None:
        self.keep_only_named_tool()
        self.append_prefill()
        self.body["tool_choice"] = {"type": "any"}  # llama.cpp's "required"
        self.add_stops([TOOL_CALL_END])  # logit_bias and parallel_tool_calls are not forwarded
        self.body.pop("thinking", None)
        self.set_template_flags(enable_thinking=False, tool_example=True)

    def answer_in_text(self) -> None:
        if self.has_tools():
            # The converter has no "none" tool_choice (it becomes auto): send no tools. Earlier
            # tool_use / tool_result blocks still render as <tool_call> / <tool_response>.
            self.body.pop("tools", None)
            self.body.pop("tool_choice", None)
        self.add_stops(TURN_STOPS)
        if self.last_role() == "tool":
            self.set_template_flags(tool_example=True)

    def open_reasoning(self) -> None:
        self.set_template_flags(enable_thinking=True, reasoning_example=True)
        # Anthropic's minimum budget is 1024; the server's copy gets a small one.
        self.body["thinking"] = {"type": "enabled", "budget_tokens": max(1, min(REASONING_BUDGET, self.max_tokens() // 2))}
