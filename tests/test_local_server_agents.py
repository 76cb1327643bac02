"""The embedded llama.cpp server with streamtest's template and request shaping: real tool calls, stops, reasoning.

Each test sends a request the way an app would, shaped as ``--llm-server=local`` shapes the copy it
sends (``streamtest._server.shaping``), and reads the real SSE body with the wire layer's own readers:
the tool calls are reassembled from real fragments, which is what ``cassette.interactions[i]``
reports for a recording.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from streamtest import use_cassette
from streamtest._replay.cassette import open_cassette
from streamtest._server.shaping import shape_request
from streamtest._wire.base import Frame, StreamReading
from streamtest._wire.framing import frames_of, framing_named
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.openai_responses import OPENAI_RESPONSES

QUESTION = "What is the weather in Paris?"
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city.", "parameters": SCHEMA}},
    {"type": "function", "function": {"name": "get_time", "description": "Get the local time in a city.", "parameters": SCHEMA}},
]
RESPONSES_TOOLS = [{"type": "function", **tool["function"]} for tool in CHAT_TOOLS]
MESSAGES_TOOLS = [
    {"name": t["function"]["name"], "description": t["function"]["description"], "input_schema": SCHEMA} for t in CHAT_TOOLS
]


def stream(server: str, path: str, body: dict[str, Any]) -> list[Frame]:
    """POST the shaped ``body``; the response's SSE frames."""
    with httpx.Client(timeout=300) as http, http.stream("POST", server + path, json=shape_request(path, body)) as reply:
        assert reply.status_code == 200, reply.read()
        raw = b"".join(reply.iter_raw())
    sse = framing_named("sse")
    assert sse is not None
    return frames_of(sse, sse.split(raw))


def chat(server: str, *messages: dict[str, Any], **extra: Any) -> StreamReading:
    body = {"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True}, "temperature": 0,
            "max_completion_tokens": 40, "messages": list(messages), **extra}
    return OPENAI_CHAT.read(stream(server, "/v1/chat/completions", body))


USER = {"role": "user", "content": QUESTION}


def test_a_tool_step_streams_one_real_call_in_fragments(llm_server: str) -> None:
    reading = chat(llm_server, USER, tools=CHAT_TOOLS)
    (call,) = reading.tool_calls
    assert call.name in ("get_weather", "get_time") and set(call.args) == {"city"}
    assert len(call.deltas) > 1 and call.id  # streamed in pieces, as a provider streams them
    assert reading.finish_reason == "tool_calls" and not reading.errors and not "".join(reading.text)
    assert chat(llm_server, USER, tools=CHAT_TOOLS).tool_calls[0].arguments == call.arguments  # repeatable


def test_after_the_tool_result_the_answer_stops_by_itself(llm_server: str) -> None:
    call = {"role": "assistant", "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    result = {"role": "tool", "tool_call_id": "c1", "content": "Sunny, 21 C"}
    reading = chat(llm_server, USER, call, result, tools=CHAT_TOOLS)
    assert reading.finish_reason == "stop" and "".join(reading.text).strip()
    assert not reading.tool_call_fragments and "User:" not in "".join(reading.text)


def test_plain_chat_stops_instead_of_repeating_the_prompt(llm_server: str) -> None:
    reading = chat(llm_server, {"role": "user", "content": "Write a joke about cats"})
    assert reading.finish_reason == "stop"
    assert reading.usage is not None and reading.usage.completion_tokens < 40


def test_reasoning_streams_before_the_answer(llm_server: str) -> None:
    reading = chat(llm_server, {"role": "user", "content": "Is Paris the capital of France?"}, reasoning_effort="low")
    assert "".join(reading.reasoning).strip() and "".join(reading.text).strip()
    body = {"model": "o4-mini", "stream": True, "input": "Is Paris the capital of France?",
            "reasoning": {"effort": "low"}, "max_output_tokens": 40}
    responses = OPENAI_RESPONSES.read(stream(llm_server, "/v1/responses", body))
    assert "".join(responses.reasoning).strip() and "".join(responses.text).strip()


def test_the_responses_api_streams_function_call_arguments(llm_server: str) -> None:
    body = {"model": "gpt-4o-mini", "stream": True, "temperature": 0, "max_output_tokens": 40,
            "input": [{"role": "user", "content": QUESTION}], "tools": RESPONSES_TOOLS}
    frames = stream(llm_server, "/v1/responses", body)
    reading = OPENAI_RESPONSES.read(frames)
    (call,) = reading.tool_calls
    assert set(call.args) == {"city"} and len(call.deltas) > 1 and call.id.startswith("call_")
    assert reading.finish_reason == "completed" and reading.usage is not None
    assert sum(frame.event == "response.function_call_arguments.delta" for frame in frames) == len(call.deltas)


def test_anthropic_messages_stream_tool_use(llm_server: str) -> None:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True,
            "messages": [{"role": "user", "content": QUESTION}], "tools": MESSAGES_TOOLS}
    payloads = [frame.json() for frame in stream(llm_server, "/v1/messages", body)]
    fragments = [p["delta"]["partial_json"] for p in payloads if p.get("type") == "content_block_delta"]
    starts = [p["content_block"] for p in payloads if p.get("type") == "content_block_start"]
    assert [block["type"] for block in starts] == ["tool_use"]
    assert len(fragments) > 1 and set(json.loads("".join(fragments))) == {"city"}
    (end,) = [p for p in payloads if p.get("type") == "message_delta"]
    assert end["delta"]["stop_reason"] == "tool_use"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_recording_keeps_the_apps_request_and_the_servers_stream(llm_server: str, tmp_path: Any) -> None:
    """Through the recording transport: the server's copy is shaped, the cassette's is the app's."""
    client = openai.OpenAI(api_key="sk-test-not-a-key", max_retries=0)
    path = tmp_path / "tool.yaml"
    # The plugin's --llm-server=local path: open_cassette's upstream is where api.openai.com really goes.
    with open_cassette(path, record="all", upstream=llm_server) as cassette:
        list(client.chat.completions.create(model="gpt-4o-mini", messages=[USER], tools=CHAT_TOOLS, stream=True, max_tokens=40))
    cassette.finish()
    (interaction,) = cassette.interactions
    assert interaction.request_json == {"model": "gpt-4o-mini", "messages": [USER], "tools": CHAT_TOOLS, "stream": True, "max_tokens": 40}
    assert interaction.tool_calls and interaction.finish_reason == "tool_calls"
    with use_cassette(path) as replayed:  # and a replay, which sends the app's request, matches it
        list(client.chat.completions.create(model="gpt-4o-mini", messages=[USER], tools=CHAT_TOOLS, stream=True, max_tokens=40))
    assert replayed.play_count == 1
