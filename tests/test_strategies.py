"""The strategies on their own: shapes, ground truth, validation, reprs, shrinking. No SDK, no graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import streamtest
from streamtest import strategies as S
from streamtest._wire.sse import parse_event, split_events
from streamtest.strategies import (
    Chunking,
    GeneratedStream,
    ToolCall,
    chat_completion_streams,
    chunkings,
    rechunkings,
    responses_streams,
    sse_variations,
    tool_calls,
)

TEXT = "Why was the cat sitting on the computer? \U0001f431 na\u00efve \u65e5\u672c"
SHORT = "Why was the cat \U0001f431?"

# A stream recorded from llama.cpp's server (Gemma 3 270M), trimmed to its first deltas
# and with the model path shortened; bytes otherwise as the server sent them.
_LLAMA_ENVELOPE = (
    '"created":1795475208,"id":"chatcmpl-LSKInEv9PbwUzAEx8hOwiQg2YLeJvgWT","model":"gemma-3-270m",'
    '"system_fingerprint":"b0-unknown","object":"chat.completion.chunk"'
)
RECORDED_CHAT = [
    b'data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],'
    + _LLAMA_ENVELOPE.encode()
    + b"}\n\n",
    *(
        b'data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"%s"}}],' % word.encode()
        + _LLAMA_ENVELOPE.encode()
        + b"}\n\n"
        for word in ("Write", " a", " joke", " about")
    ),
    b'data: {"choices":[{"finish_reason":"length","index":0,"delta":{}}],' + _LLAMA_ENVELOPE.encode() + b"}\n\n",
    b'data: {"choices":[],'
    + _LLAMA_ENVELOPE.encode()
    + b',"usage":{"completion_tokens":4,"prompt_tokens":29,"total_tokens":33,"prompt_tokens_details":'
    b'{"cached_tokens":0}},"timings":{"cache_n":0,"prompt_n":29,"predicted_n":4}}\n\n',
    b"data: [DONE]\n\n",
]

# OpenAI's tool-call shape: the header (id, name, arguments "") in the role chunk, then argument pieces.
_OPENAI_ENVELOPE = (
    '"id":"chatcmpl-Bx1","object":"chat.completion.chunk","created":1731000000,'
    '"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_1"'
)


def _openai_chunk(delta: str, finish: str = "null") -> bytes:
    return (
        f'data: {{{_OPENAI_ENVELOPE},"choices":[{{"index":0,"delta":{delta},"logprobs":null,'
        f'"finish_reason":{finish}}}],"usage":null}}\r\n\r\n'
    ).encode()


RECORDED_TOOLS = [
    _openai_chunk(
        '{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function",'
        '"function":{"name":"get_weather","arguments":""}}],"refusal":null}'
    ),
    *(
        _openai_chunk(f'{{"tool_calls":[{{"index":0,"function":{{"arguments":{json.dumps(p)}}}}}]}}')
        for p in ('{"', "city", '":"', "Par", 'is"}')
    ),
    _openai_chunk(
        '{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"add","arguments":""}}]}'
    ),
    *(
        _openai_chunk(f'{{"tool_calls":[{{"index":1,"function":{{"arguments":{json.dumps(p)}}}}}]}}')
        for p in ('{"a":', "1,", '"b":2}')
    ),
    _openai_chunk("{}", '"tool_calls"'),
    f'data: {{{_OPENAI_ENVELOPE},"choices":[],"usage":{{"prompt_tokens":50,"completion_tokens":20,'
    f'"total_tokens":70}}}}\r\n\r\n'.encode(),
    b"data: [DONE]\r\n\r\n",
]

_RESP_ID = "resp_VGXSbkhLpMTWn8I4IzTZSOns45mGDtMj"
_MSG_ID = "msg_ZcV4DUsbNdbCWzobwdOeCEBkPvRyxQri"


def _resp_event(payload: dict) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


_PART_DONE = {"type": "output_text", "annotations": [], "logprobs": [], "text": "write a joke"}
# llama.cpp's /v1/responses stream, trimmed; it sends no sequence_number.
RECORDED_RESPONSES = [
    _resp_event(
        {"type": "response.created", "response": {"id": _RESP_ID, "object": "response", "status": "in_progress"}}
    ),
    _resp_event(
        {
            "type": "response.output_item.added",
            "item": {"content": [], "id": _MSG_ID, "role": "assistant", "status": "in_progress", "type": "message"},
        }
    ),
    _resp_event(
        {"type": "response.content_part.added", "item_id": _MSG_ID, "part": {"type": "output_text", "text": ""}}
    ),
    *(
        _resp_event({"type": "response.output_text.delta", "item_id": _MSG_ID, "delta": d})
        for d in ("write", " a", " joke")
    ),
    _resp_event({"type": "response.output_text.done", "item_id": _MSG_ID, "text": "write a joke"}),
    _resp_event({"type": "response.content_part.done", "item_id": _MSG_ID, "part": _PART_DONE}),
    _resp_event(
        {
            "type": "response.completed",
            "response": {
                "id": _RESP_ID,
                "object": "response",
                "created_at": 1795475246,
                "status": "completed",
                "model": "gemma-3-270m",
                "output": [
                    {
                        "type": "message",
                        "status": "completed",
                        "id": _MSG_ID,
                        "content": [_PART_DONE],
                        "role": "assistant",
                    }
                ],
                "usage": {
                    "input_tokens": 29,
                    "output_tokens": 3,
                    "total_tokens": 32,
                    "input_tokens_details": {"cached_tokens": 24},
                },
            },
        }
    ),
]


def data_events(body: bytes) -> list[tuple[str | None, str]]:
    """(event, data) of each SSE event with data, read by our own spec parser."""
    events = [parse_event(chunk) for chunk in split_events(body)]
    return [(event.event, event.data) for event in events if event.data is not None]


# ----------------------------------------------------------------------------- chunkings


@given(chunkings(TEXT))
def test_chunkings_concatenate_to_the_text(chunks: Chunking) -> None:
    assert "".join(chunks) == TEXT
    assert chunks.text == TEXT
    assert isinstance(chunks, tuple)


@given(st.data())
def test_chunkings_of_a_text_strategy(data: st.DataObject) -> None:
    chunks = data.draw(chunkings(st.text(max_size=30), max_size=5, empty_deltas=False))
    assert len(chunks) <= 5
    assert "" not in chunks


@given(chunkings(TEXT, max_size=3))
def test_max_size_counts_empty_deltas_too(chunks: Chunking) -> None:
    assert 1 <= len(chunks) <= 3
    assert "".join(chunks) == TEXT


@pytest.mark.parametrize(
    ("description", "condition"),
    [
        ("one code point per delta", lambda c: len(c) == len(SHORT) and all(len(p) == 1 for p in c)),
        ("the whole text in one delta", lambda c: c == (SHORT,)),
        ("an emoji alone", lambda c: "\U0001f431" in c),
        ("a whitespace-only delta", lambda c: " " in c),
        ("an empty delta", lambda c: "" in c),
        ("a token-like cut inside a word", lambda c: "Wh" in c or "ca" in c),
        ("space-led words", lambda c: {" was", " the", " cat"} <= set(c)),
    ],
)
def test_chunkings_reach(description: str, condition) -> None:
    found = find(chunkings(SHORT), condition, settings=settings(max_examples=2000, database=None))
    assert condition(found), description


def test_multibyte_code_points_are_never_cut() -> None:
    text = "\U0001f468\u200d\U0001f469\u200d\U0001f467 caf\u00e9"
    every = find(chunkings(text, empty_deltas=False), lambda c: len(c) == len(text), settings=settings(database=None))
    # One code point per delta: each is valid UTF-8 on its own, the ZWJ family is cut between code points.
    assert [piece.encode("utf-8").decode("utf-8") for piece in every] == list(text)


def test_chunkings_shrink_to_one_cut() -> None:
    smallest = find(chunkings(TEXT), lambda c: len(c) >= 2, settings=settings(database=None))
    assert len(smallest) == 2


def test_chunking_repr_is_the_pipe_form() -> None:
    assert repr(Chunking(["Why", " was", " the", " cat"])) == "Chunking('Why| was| the| cat')"
    assert repr(Chunking(["a|b", "c"])) == "Chunking(['a|b', 'c'])"
    assert repr(Chunking([])) == "Chunking([])"


# ----------------------------------------------------------------------------- chat completions


@given(chat_completion_streams(tool_calls=st.lists(tool_calls(), max_size=3), interleaved=True))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_chat_stream_shape(stream: GeneratedStream) -> None:
    assert split_events(stream.body) == list(stream.chunks), "one SSE event per chunk"
    events = data_events(stream.body)
    assert events == list(stream.events)
    assert events[-1] == (None, "[DONE]")
    payloads = stream.payloads
    assert all(p["object"] == "chat.completion.chunk" for p in payloads)
    assert len({p["id"] for p in payloads}) == 1
    assert payloads[0]["choices"][0]["delta"]["role"] == "assistant"

    choices = [p["choices"][0] for p in payloads if p["choices"]]
    content = [c["delta"]["content"] for c in choices[1:] if "content" in c["delta"]]
    assert tuple(content) == stream.deltas
    finishes = [c["finish_reason"] for c in choices if c["finish_reason"]]
    assert finishes == [stream.finish_reason] == ["tool_calls" if stream.tool_calls else "stop"]

    arguments: dict[int, list[str]] = {}
    headers: dict[int, dict] = {}
    for choice in choices:
        for call in choice["delta"].get("tool_calls", []):
            if "id" in call:
                headers[call["index"]] = call
                assert call["function"]["arguments"] == ""
            else:
                assert call["index"] in headers, "a header comes before its arguments"
                arguments.setdefault(call["index"], []).append(call["function"]["arguments"])
    assert sorted(headers) == list(range(len(stream.tool_calls)))
    assert len({call.id for call in stream.tool_calls}) == len(stream.tool_calls), "call ids are unique"
    for index, call in enumerate(stream.tool_calls):
        assert headers[index]["id"] == call.id and headers[index]["function"]["name"] == call.name
        assert tuple(arguments.get(index, [])) == call.deltas
        assert "".join(call.deltas) == call.arguments
        assert json.loads(call.arguments) == call.args

    usage_chunks = [p for p in payloads if not p["choices"]]
    if stream.usage is None:
        assert usage_chunks == []
    else:
        (usage_chunk,) = usage_chunks
        assert usage_chunk is payloads[-1]
        assert usage_chunk["usage"]["prompt_tokens"] == stream.usage.prompt_tokens
        assert usage_chunk["usage"]["total_tokens"] == stream.usage.total_tokens


@given(chat_completion_streams("Hi there", flavor="openai", usage=True))
def test_openai_flavor_matches_openai_chunks(stream: GeneratedStream) -> None:
    first, *_, last = stream.payloads
    assert list(first) == [
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
        "obfuscation",
    ]
    assert first["choices"][0] == {
        "index": 0,
        "delta": {"role": "assistant", "content": "", "refusal": None},
        "logprobs": None,
        "finish_reason": None,
    }
    assert first["usage"] is None and last["choices"] == [] and last["usage"]["completion_tokens_details"]
    assert first["id"].startswith("chatcmpl-") and first["system_fingerprint"].startswith("fp_")


@given(chat_completion_streams("Hi there", flavor="llama.cpp", usage=True))
def test_llama_cpp_flavor_matches_the_local_server(stream: GeneratedStream) -> None:
    first, *_, last = stream.payloads
    assert list(first) == ["choices", "created", "id", "model", "system_fingerprint", "object"]
    assert first["choices"][0] == {"finish_reason": None, "index": 0, "delta": {"role": "assistant", "content": None}}
    assert "timings" in last and last["choices"] == []


@given(chat_completion_streams("", tool_calls=st.lists(tool_calls(), min_size=1, max_size=2), flavor="openai"))
def test_tool_only_message_sends_the_first_header_in_the_role_chunk(stream: GeneratedStream) -> None:
    delta = stream.payloads[0]["choices"][0]["delta"]
    assert delta["content"] is None
    assert delta["tool_calls"][0]["id"] == stream.tool_calls[0].id


def test_interleaved_tool_calls_are_reachable() -> None:
    def interleaved(stream: GeneratedStream) -> bool:
        order = [
            call["index"] for p in stream.payloads for c in p["choices"] for call in c["delta"].get("tool_calls", [])
        ]
        return order != sorted(order)

    calls = st.lists(tool_calls(arguments=st.just({"city": "Paris"})), min_size=2, max_size=2)
    strategy = chat_completion_streams("", tool_calls=calls, interleaved=True)
    found = find(strategy, interleaved, settings=settings(database=None, max_examples=500))
    assert interleaved(found)


@given(tool_calls())
def test_tool_calls_carry_json_objects(call: ToolCall) -> None:
    assert isinstance(call.args, dict)
    assert call.id.startswith("call_") and len(call.id) == 29
    assert json.loads(call.arguments) == call.args


# ----------------------------------------------------------------------------- responses


@given(responses_streams(tool_calls=st.lists(tool_calls(), max_size=2)))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_responses_stream_shape(stream: GeneratedStream) -> None:
    assert split_events(stream.body) == list(stream.chunks)
    events = data_events(stream.body)
    assert events == list(stream.events)
    payloads = stream.payloads
    assert [name for name, _ in events] == [p["type"] for p in payloads]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    assert payloads[0]["type"] == "response.created" and payloads[-1]["type"] == "response.completed"
    deltas = [p["delta"] for p in payloads if p["type"] == "response.output_text.delta"]
    assert tuple(deltas) == stream.deltas
    completed = payloads[-1]["response"]
    assert completed["status"] == "completed"
    ids = [item["id"] for item in completed["output"]] + [call.id for call in stream.tool_calls]
    assert len(set(ids)) == len(ids), "item and call ids are unique"
    assert completed["usage"]["output_tokens"] == stream.usage.completion_tokens
    calls = [item for item in completed["output"] if item["type"] == "function_call"]
    assert [(c["call_id"], c["name"], c["arguments"]) for c in calls] == [
        (c.id, c.name, c.arguments) for c in stream.tool_calls
    ]
    texts = [part["text"] for item in completed["output"] if item["type"] == "message" for part in item["content"]]
    assert "".join(texts) == stream.text


# ----------------------------------------------------------------------------- rechunkings


@given(rechunkings(RECORDED_CHAT))
def test_rechunking_keeps_everything_but_the_cuts(stream: GeneratedStream) -> None:
    assert stream.text == "Write a joke about"
    assert stream.chunks[0] == RECORDED_CHAT[0]
    assert stream.chunks[-3:] == tuple(RECORDED_CHAT[-3:]), "finish, usage and [DONE] byte for byte"
    assert stream.usage == S.Usage(29, 4, 33, 0)
    assert stream.finish_reason == "length" and stream.model == "gemma-3-270m"
    template = json.loads(parse_event(RECORDED_CHAT[1]).data)
    for payload in stream.payloads[1:-2]:
        assert {k: v for k, v in payload.items() if k != "choices"} == {
            k: v for k, v in template.items() if k != "choices"
        }
    assert data_events(stream.body) == list(stream.events)


def test_rechunking_reaches_other_cuts() -> None:
    recorded = ("Write", " a", " joke", " about")
    found = find(
        rechunkings(RECORDED_CHAT),
        lambda s: len(s.deltas) > 1 and s.deltas != recorded,
        settings=settings(database=None),
    )
    assert found.text == "".join(recorded)


@given(rechunkings(b"".join(RECORDED_TOOLS)))
def test_rechunking_tool_call_arguments(stream: GeneratedStream) -> None:
    assert [(c.id, c.name, c.args) for c in stream.tool_calls] == [
        ("call_A", "get_weather", {"city": "Paris"}),
        ("call_B", "add", {"a": 1, "b": 2}),
    ]
    assert stream.chunks[0] == RECORDED_TOOLS[0] and stream.chunks[-3:] == tuple(RECORDED_TOOLS[-3:])
    assert all(chunk.endswith(b"\r\n\r\n") for chunk in stream.chunks), "the recorded line endings are kept"
    arguments: dict[int, str] = {}
    for payload in stream.payloads:
        for choice in payload["choices"]:
            for call in choice["delta"].get("tool_calls", []):
                arguments[call["index"]] = arguments.get(call["index"], "") + call["function"]["arguments"]
    assert arguments == {0: '{"city":"Paris"}', 1: '{"a":1,"b":2}'}


@given(rechunkings(RECORDED_RESPONSES))
def test_rechunking_a_responses_stream(stream: GeneratedStream) -> None:
    assert stream.api == "responses" and stream.text == "write a joke"
    assert stream.usage == S.Usage(29, 3, 32, 24)
    assert stream.chunks[:3] == tuple(RECORDED_RESPONSES[:3])
    assert stream.chunks[-3:] == tuple(RECORDED_RESPONSES[-3:])


@given(
    chat_completion_streams(tool_calls=st.lists(tool_calls(), max_size=2)).flatmap(
        lambda original: st.tuples(st.just(original), rechunkings(original))
    )
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_rechunking_a_generated_stream_keeps_its_ground_truth(pair: tuple[GeneratedStream, GeneratedStream]) -> None:
    original, again = pair
    assert again.text == original.text
    assert [(c.id, c.name, c.arguments) for c in again.tool_calls] == [
        (c.id, c.name, c.arguments) for c in original.tool_calls
    ]
    assert again.usage == original.usage and again.finish_reason == original.finish_reason


@pytest.mark.parametrize(
    ("recorded", "message"),
    [
        (b"", "holds no JSON event"),
        ("data: {}\n\n", "must be an SSE body"),
        ([b'data: {"object":"chat.completion.chunk","choices":[{"index":1,"delta":{}}]}\n\n'], "several choices"),
        ([b'data: {"object":"list"}\n\n'], "neither chat completions nor responses"),
        ([b"data: not json\n\n"], "does not carry JSON"),
        ([b'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}\n\n'], "carries logprobs"),
    ],
)
def test_rechunkings_rejects_what_it_cannot_recut(recorded, message: str) -> None:
    with pytest.raises(streamtest.UsageError, match=message):
        rechunkings(recorded)


def test_a_responses_stream_with_logprobs_is_refused_not_corrupted() -> None:
    """Each output_text.delta carries the logprobs of its own tokens; a re-cut delta would copy the wrong ones."""
    logprob = {"token": " a", "logprob": -0.5, "bytes": [32, 97], "top_logprobs": []}
    with_logprobs = [
        _resp_event({**json.loads(chunk.split(b"data: ", 1)[1]), "logprobs": [logprob]}) if b"output_text.delta" in chunk else chunk
        for chunk in RECORDED_RESPONSES
    ]
    with pytest.raises(streamtest.UsageError, match="recorded responses stream carries logprobs, which cannot follow other cuts"):
        rechunkings(with_logprobs)
    # Empty logprobs (what the API sends when none were asked for) are fine.
    empty = [
        _resp_event({**json.loads(chunk.split(b"data: ", 1)[1]), "logprobs": []}) if b"output_text.delta" in chunk else chunk
        for chunk in RECORDED_RESPONSES
    ]
    assert find(rechunkings(empty), lambda stream: True).text == "write a joke"


# ----------------------------------------------------------------------------- SSE variations


@given(sse_variations(chat_completion_streams(TEXT, tool_calls=st.lists(tool_calls(), max_size=1))))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_variations_keep_the_payloads(stream: GeneratedStream) -> None:
    assert data_events(stream.body) == list(stream.events)
    parsed = [json.loads(data) for _, data in data_events(stream.body) if data != "[DONE]"]
    assert parsed == stream.payloads
    assert stream.text == TEXT


@given(sse_variations(responses_streams(TEXT)))
def test_variations_of_responses_keep_the_payloads(stream: GeneratedStream) -> None:
    parsed = [json.loads(data) for _, data in data_events(stream.body)]
    assert parsed == stream.payloads


@pytest.mark.parametrize(
    ("description", "condition"),
    [
        ("CRLF", lambda s: b"\r\n" in s.body),
        ("lone CR", lambda s: b"\r" in s.body and b"\n" not in s.body),
        ("keep-alive comment events", lambda s: any(parse_event(c).data is None for c in split_events(s.body))),
        (
            "a comment inside an event",
            lambda s: any(parse_event(c).comments and parse_event(c).data for c in split_events(s.body)),
        ),
        ("event lines", lambda s: b"event: message" in s.body),
        ("no space after data:", lambda s: b"data:{" in s.body),
        ("multi-line data", lambda s: b'data:  "id"' in s.body or b'data: "id"' in s.body),
        ("chunks that cut events", lambda s: split_events(s.body) != list(s.chunks)),
        ("id lines", lambda s: any(parse_event(c).id for c in split_events(s.body))),
    ],
)
def test_variations_reach(description: str, condition) -> None:
    found = find(
        sse_variations(chat_completion_streams("Hi"), event_ids=True),
        condition,
        settings=settings(database=None, max_examples=2000),
    )
    assert condition(found), description
    assert description in repr(found) or found.variations


@given(
    sse_variations(
        chat_completion_streams("Hi"),
        line_endings=False,
        comments=False,
        event_lines=False,
        no_space=False,
        multiline_data=False,
        network_splits=False,
    )
)
def test_variations_can_be_turned_off(stream: GeneratedStream) -> None:
    assert stream.variations == ()
    assert split_events(stream.body) == list(stream.chunks)
    assert b"id:" not in stream.body, "event_ids is off by default"
    assert all(chunk.startswith(b"data: {") or chunk == b"data: [DONE]\n\n" for chunk in stream.chunks)


# ----------------------------------------------------------------------------- reprs, validation, profiles


def test_generated_stream_repr_is_the_pipe_form() -> None:
    stream = GeneratedStream(chunks=(), api="chat.completions", deltas=("Why", " was", " the", " cat"))
    assert repr(stream) == "GeneratedStream('Why| was| the| cat')"
    call = ToolCall("get_weather", '{"city":"Paris"}', deltas=('{"ci', 'ty":"Paris"}'))
    stream = GeneratedStream(
        chunks=(), api="responses", deltas=("Hi",), tool_calls=(call,), usage=S.Usage(3, 1, 4), variations=("CRLF",)
    )
    assert repr(stream) == (
        "GeneratedStream('Hi', tool_calls=[get_weather('{\"ci|ty\":\"Paris\"}')], api='responses', "
        "usage=Usage(3+1), sse='CRLF')"
    )


def test_strategy_reprs_show_the_call() -> None:
    assert repr(chunkings("abc", max_size=3)) == "chunkings('abc', max_size=3)"
    assert repr(chat_completion_streams("hi", usage=True)) == "chat_completion_streams(text='hi', usage=True)"
    assert repr(sse_variations(responses_streams(), comments=False)) == (
        "sse_variations(responses_streams(), comments=False)"
    )
    assert repr(tool_calls()) == "tool_calls()"
    assert "recorded chat.completions stream: 8 events" in repr(rechunkings(RECORDED_CHAT))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: chunkings(42), "text=42 must be a str"),
        (lambda: chunkings("a", max_size=0), "max_size=0 must be"),
        (lambda: chunkings("a", empty_deltas="yes"), "empty_deltas='yes'"),
        (lambda: chat_completion_streams(usage=1), "usage=1 must be"),
        (lambda: chat_completion_streams(model=""), "model='' must be"),
        (lambda: chat_completion_streams(flavor="vllm"), "flavor='vllm'"),
        (lambda: chat_completion_streams(tool_calls=[ToolCall("f", "{}")]), "tool_calls=\\[f\\('{}'\\)\\] must be"),
        (lambda: chat_completion_streams(finish_reason=""), "finish_reason='' must be"),
        (lambda: responses_streams(max_size=-1), "max_size=-1"),
        (lambda: sse_variations(chat_completion_streams(), comments=None), "comments=None"),
        (lambda: sse_variations("streams"), "streams='streams' must be a hypothesis strategy"),
        (lambda: S.json_objects(max_size=-1), "max_size=-1"),
    ],
)
def test_arguments_are_validated_up_front(make, message: str) -> None:
    with pytest.raises(streamtest.UsageError, match=message):
        make()


def test_a_tool_calls_strategy_must_draw_lists() -> None:
    @given(chat_completion_streams(tool_calls=tool_calls()))
    @settings(database=None)
    def draws(stream: GeneratedStream) -> None:
        pass

    with pytest.raises(streamtest.UsageError, match="must draw a list of ToolCall"):
        draws()


def test_public_names() -> None:
    assert sorted(S.__all__) == sorted(n for n in S.__all__ if hasattr(S, n))
    assert S.chunkings.__module__ == "streamtest.strategies"


def test_importing_the_strategies_leaves_shared_classes_alone() -> None:
    """Only the strategy functions report the public module; the wire's types keep theirs."""
    from streamtest._wire import base

    assert S.ToolCall is base.ToolCall is streamtest.ToolCall and S.Usage is base.Usage is streamtest.Usage
    assert base.ToolCall.__module__ == base.Usage.__module__ == "streamtest._wire.base"
    assert {"ToolCall", "Usage"} <= set(streamtest.__all__)


def test_ci_profile() -> None:
    S.register_profiles()
    S.register_profiles()  # idempotent
    ci = settings.get_profile(S.CI_PROFILE)
    assert ci.derandomize is True and ci.deadline is None and ci.print_blob is True and ci.database is None
    assert HealthCheck.too_slow in ci.suppress_health_check
    assert settings.get_profile(S.DEV_PROFILE).deadline is None


def test_importing_hypothesis_registers_the_profiles() -> None:
    """The ``hypothesis`` entry point: ``settings.load_profile("streamtest-ci")`` in a process that never imported streamtest."""
    probe = (
        "import sys\n"
        "from hypothesis import settings\n"
        "settings.load_profile('streamtest-ci')\n"
        "assert settings().derandomize is True\n"
        "print(sorted(m for m in sys.modules if m.startswith('streamtest')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "'streamtest._profiles'" in done.stdout


@pytest.mark.parametrize(
    "first",
    ["import streamtest.strategies", "import streamtest._profiles", "from streamtest._profiles import register_profiles; register_profiles()", "import streamtest.plugin"],
)
def test_any_import_order_registers_the_profiles(first: str) -> None:
    """Hypothesis calls our entry point while it is being imported: no order of imports may make that a cycle."""
    probe = f"{first}\nfrom hypothesis import settings\nsettings.load_profile('streamtest-ci')\n"
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr


def test_a_suite_that_never_uses_hypothesis_does_not_import_it(tmp_path: Path) -> None:
    """The plugin leaves hypothesis alone (about 60 ms of every run's start-up) unless the run selects a profile."""
    (tmp_path / "test_plain.py").write_text(
        "import sys\n\ndef test_no_hypothesis():\n    assert 'hypothesis' not in sys.modules\n", encoding="utf-8"
    )
    (tmp_path / "test_profile.py").write_text(
        "from hypothesis import settings\n\ndef test_profile():\n    assert settings().derandomize is True\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "streamtest.plugin"]
    plain = subprocess.run([*base, "test_plain.py"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    selected = subprocess.run(
        [*base, "-p", "_hypothesis_pytestplugin", "--hypothesis-profile=streamtest-ci", "test_profile.py"],
        cwd=tmp_path,
        env={**env, "HYPOTHESIS_NO_PLUGINS": "1"},  # no entry points: the plugin's own registration
        capture_output=True,
        text=True,
        check=False,
    )
    assert selected.returncode == 0, selected.stdout + selected.stderr


def test_ci_profile_loads_only_on_ci() -> None:
    current = settings.get_current_profile_name()
    try:
        assert S.load_ci_profile_if_ci({}) is False
        assert S.load_ci_profile_if_ci({"CI": "false"}) is False
        assert S.load_ci_profile_if_ci({"CI": "true"}) is True
        assert settings().derandomize is True
    finally:
        settings.load_profile(current)


@given(responses_streams("", tool_calls=st.lists(tool_calls(), min_size=1, max_size=2)))
def test_a_tool_call_only_responses_stream_has_no_text_deltas(stream: GeneratedStream) -> None:
    """Found by the derandomized CI profile: empty text plus a drawn empty delta claimed a delta never sent."""
    assert stream.deltas == ()
    assert not [p for p in stream.payloads if p["type"] == "response.output_text.delta"]
