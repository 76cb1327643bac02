"""What --llm-server=local changes in a request, decided from the body alone (pure: no server here)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from streamtest._server import shaping
from streamtest._server.shaping import shape_request, step_kind

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}]
USER = {"role": "user", "content": "What is the weather in Paris?"}
CALL = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "Sunny"}


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "stream": True, "messages": list(messages), **extra}


def test_a_tool_step_is_forced_into_exactly_one_streamed_call() -> None:
    body = chat(USER, tools=TOOLS, max_completion_tokens=40)
    before = copy.deepcopy(body)
    shaped = shape_request("/v1/chat/completions", body)
    assert body == before  # the app's request (the cassette's) is untouched
    assert step_kind("/v1/chat/completions", body) == "tool"
    assert shaped["messages"][-1] == {"role": "assistant", "content": "<tool_call>\n"}
    assert shaped["tool_choice"] == "required" and shaped["parallel_tool_calls"] is False
    assert shaped["logit_bias"] == {"1": 20, "106": 20}
    assert shaped["stop"] == ["</tool_call>"]
    assert shaped["chat_template_kwargs"] == {"enable_thinking": False, "tool_example": True}
    assert shaped["max_completion_tokens"] == 40 and "max_tokens" not in shaped
    assert shaped["temperature"] == 0.0  # greedy unless the app chose a temperature
    assert shape_request("/v1/chat/completions", chat(USER, temperature=0.7))["temperature"] == 0.7


def test_after_tool_results_the_model_answers_in_text_and_stops_at_the_next_turn() -> None:
    body = chat(USER, CALL, RESULT, tools=TOOLS, stop="END")
    assert step_kind("/v1/chat/completions", body) == "answer"
    shaped = shape_request("/v1/chat/completions", body)
    assert shaped["tool_choice"] == "none"
    assert shaped["stop"] == ["END", *shaping.TURN_STOPS] and "\nAssistant:" in shaped["stop"]
    assert shaped["chat_template_kwargs"] == {"tool_example": True, "enable_thinking": False}
    assert shaped["max_tokens"] == shaping.DEFAULT_MAX_TOKENS
    assert len(shaped["messages"]) == 3


def test_plain_chat_gets_stops_and_a_ceiling_only() -> None:
    shaped = shape_request("/v1/chat/completions", chat(USER, max_tokens=10_000))
    assert shaped["max_tokens"] == shaping.MAX_TOKENS_CEILING
    assert "tool_choice" not in shaped and shaped["chat_template_kwargs"] == {"enable_thinking": False}
    assert shape_request("/v1/chat/completions", chat(USER, tools=TOOLS, tool_choice="none"))["tool_choice"] == "none"


def test_a_named_tool_choice_sends_only_that_tool() -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    shaped = shape_request("/v1/chat/completions", chat(USER, tools=TOOLS, tool_choice=named))
    assert [t["function"]["name"] for t in shaped["tools"]] == ["get_time"] and shaped["tool_choice"] == "required"


def test_reasoning_opens_think_with_a_budget() -> None:
    body = chat(USER, reasoning_effort="low", max_completion_tokens=40)
    assert step_kind("/v1/chat/completions", body) == "reasoning"
    shaped = shape_request("/v1/chat/completions", body)
    assert shaped["chat_template_kwargs"] == {"enable_thinking": True, "reasoning_example": True}
    assert shaped["thinking_budget_tokens"] == 20
    assert step_kind("/v1/chat/completions", chat(USER, reasoning_effort="minimal")) == "answer"
    prefilled = shape_request("/v1/chat/completions", chat(USER, {"role": "assistant", "content": "Yes"}, reasoning_effort="low"))
    assert prefilled["chat_template_kwargs"] == {"enable_thinking": False}  # llama.cpp parses no reasoning after a prefill


def test_responses_api() -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    body = {"model": "m", "input": [{"role": "user", "content": "Weather?"}], "tools": tools, "max_output_tokens": 40}
    shaped = shape_request("/v1/responses", body)
    assert shaped["input"][-1] == {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "<tool_call>\n"}]}
    assert shaped["tool_choice"] == "required" and shaped["max_output_tokens"] == 40
    as_text = shape_request("/v1/responses", {"model": "m", "input": "Weather?", "tools": tools})
    assert as_text["input"][0] == {"role": "user", "content": "Weather?"}
    after = {**body, "input": [*body["input"], {"type": "function_call", "call_id": "c"}, {"type": "function_call_output", "call_id": "c", "output": "Sunny"}]}
    assert step_kind("/v1/responses", after) == "answer"
    assert step_kind("/v1/responses", {"model": "m", "input": "Hi", "reasoning": {"effort": "low"}}) == "reasoning"


def test_anthropic_messages() -> None:
    tools = [{"name": "get_weather", "input_schema": {"type": "object"}}]
    body = {"model": "claude", "max_tokens": 2000, "messages": [USER], "tools": tools, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    shaped = shape_request("/v1/messages", body)
    assert shaped["tool_choice"] == {"type": "any"} and shaped["stop_sequences"] == ["</tool_call>"]
    assert "thinking" not in shaped and "logit_bias" not in shaped and shaped["max_tokens"] == shaping.MAX_TOKENS_CEILING
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "Sunny"}]}
    answer = shape_request("/v1/messages", {**body, "messages": [USER, {"role": "assistant", "content": []}, result]})
    assert "tools" not in answer and answer["thinking"] == {"type": "enabled", "budget_tokens": 32}
    assert step_kind("/v1/messages", {**body, "tool_choice": {"type": "none"}}) == "reasoning"


@pytest.mark.parametrize("path, body", [("/v1/embeddings", {"input": "x"}), ("/v1/chat/completions", None), ("/v1/chat/completions", [1])])
def test_other_requests_pass_unchanged(path: str, body: Any) -> None:
    assert shape_request(path, body) is body and step_kind(path, body) is None
