"""Bedrock ConverseStream (boto3 and ChatBedrockConverse): AWS event-stream frames recorded and replayed one per chunk.

The local llama.cpp server does not speak Bedrock, so the streams here are built by hand
from the botocore service model (``bedrock-runtime`` ``ConverseStream``) and served by a
loopback HTTP server (chunked, as AWS must send them for botocore to stream). Requests
are SigV4-signed with made-up credentials; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import binascii
import json
import struct
from pathlib import Path
from typing import Any

import boto3
import botocore.awsrequest
import botocore.exceptions
import pytest
from botocore.eventstream import EventStreamBuffer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_aws import ChatBedrockConverse
from langchain_core.tools import tool

from streamtest import play, use_cassette
from streamtest._cassette.eventstream_codec import decode_frames, encode_frames
from streamtest._cassette.format import load_path
from streamtest._cli.lint import canonical_form
from streamtest._replay.aws import _credential_endpoint
from streamtest._wire.base import Usage
from streamtest._wire.bedrock import BEDROCK
from streamtest._wire.eventstream import (
    EVENTSTREAM,
    FrameSplitter,
    decode_frame,
    encode_frame,
    event_headers,
    split_frames,
)
from streamtest.strategies import GeneratedStream, bedrock_streams, tool_calls
from tests.chunk_spy import eventstream_chunks
from tests.edge_server import Route, edge_server

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
STREAM_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream"
EVENTSTREAM_TYPE = (("content-type", "application/vnd.amazon.eventstream"),)
MESSAGES = [{"role": "user", "content": [{"text": "Write a joke about cats"}]}]
CREDENTIALS = {
    "aws_access_key_id": "ASIAPLACEHOLDERONLY0",
    "aws_secret_access_key": "not-a-real-secret-key",
    "aws_session_token": "not-a-real-session-token",
}


def _event(name: str, payload: dict[str, Any]) -> bytes:
    return encode_frame(event_headers(name), json.dumps(payload, separators=(",", ":")).encode())


def _exception(name: str, message: str) -> bytes:
    headers = {":exception-type": name, ":content-type": "application/json", ":message-type": "exception"}
    return encode_frame(headers, json.dumps({"message": message}).encode())


# Real payloads carry a padding field "p" of varying length; botocore drops it.
TEXT = [
    _event("messageStart", {"role": "assistant", "p": "abcdefghij"}),
    *(
        _event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": t}, "p": "abcde"[: 3 + i]})
        for i, t in enumerate(["Why", " did", " the cat", "?"])
    ),
    _event("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmnopqrst"}),
    _event("messageStop", {"stopReason": "end_turn", "p": "abcdefgh"}),
    _event(
        "metadata",
        {
            "usage": {"inputTokens": 12, "outputTokens": 4, "totalTokens": 16},
            "metrics": {"latencyMs": 412},
            "p": "abcd",
        },
    ),
]
REASONING_TOOL = [
    _event("messageStart", {"role": "assistant"}),
    *(
        _event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": t}}})
        for t in ["The user wants", " the weather."]
    ),
    _event(
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}}},
    ),
    _event("contentBlockStop", {"contentBlockIndex": 0}),
    _event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Checking."}}),
    _event("contentBlockStop", {"contentBlockIndex": 1}),
    _event(
        "contentBlockStart",
        {
            "contentBlockIndex": 2,
            "start": {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather"}},
        },
    ),
    *(
        _event("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": j}}})
        for j in ['{"locati', 'on": "P', 'aris"}']
    ),
    _event("contentBlockStop", {"contentBlockIndex": 2}),
    _event("messageStop", {"stopReason": "tool_use"}),
    _event(
        "metadata",
        {
            "usage": {"inputTokens": 370, "outputTokens": 65, "totalTokens": 442, "cacheReadInputTokens": 7},
            "metrics": {"latencyMs": 1903},
        },
    ),
]
THROTTLED = [*TEXT[:3], _exception("throttlingException", "Too many tokens, please wait before trying again.")]


@tool
def get_weather(location: str) -> str:
    """The weather at a location."""
    return "sunny"


def _served(frames: list[bytes]) -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/vnd.amazon.eventstream"]},
        "body": {"string": b"".join(frames)},
        "chunks": list(frames),
    }


def _client(endpoint_url: str | None = None) -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=endpoint_url, **CREDENTIALS)


def _chat(endpoint_url: str | None = None) -> ChatBedrockConverse:
    return ChatBedrockConverse(model=MODEL, region_name="us-east-1", endpoint_url=endpoint_url, **CREDENTIALS)  # type: ignore[arg-type]


def _texts(events: Any) -> list[str]:
    return [
        e["contentBlockDelta"]["delta"]["text"]
        for e in events
        if "text" in e.get("contentBlockDelta", {}).get("delta", {})
    ]


# ----------------------------------------------------------------------------- the framing and its codec


def test_our_frames_are_botocores_frames() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(b"".join(REASONING_TOOL))
    decoded = list(buffer)
    assert [m.headers[":event-type"] for m in decoded][:2] == ["messageStart", "contentBlockDelta"]
    for message, frame in zip(decoded, REASONING_TOOL, strict=True):
        headers, payload = decode_frame(frame)  # type: ignore[misc]
        assert headers == message.headers and payload == message.payload


@given(st.lists(st.sampled_from(REASONING_TOOL + THROTTLED), max_size=8), st.binary(max_size=30), st.data())
def test_frames_split_back_whatever_the_network_cuts_and_survive_the_cassette(
    frames: list[bytes], tail: bytes, data: st.DataObject
) -> None:
    body = b"".join(frames) + tail
    units = split_frames(body)
    assert b"".join(units) == body and units[: len(frames)] == frames
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    splitter, fed = FrameSplitter(), []
    for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True):
        fed.extend(splitter.feed(body[a:b]))
    if rest := splitter.flush():
        fed.append(rest)
    assert fed == units
    block = encode_frames(units, [0.5] * len(units))
    assert decode_frames(json.loads(json.dumps(block)), "test")[0] == units


def test_a_frame_that_does_not_reencode_is_kept_raw() -> None:
    frame = TEXT[1]
    corrupt = frame[:-1] + bytes([frame[-1] ^ 1])  # a bad message CRC
    block = encode_frames([corrupt, frame], None)
    assert "raw_base64" in block["events"][0] and block["events"][1]["event"] == "contentBlockDelta"
    assert decode_frame(corrupt) is None and EVENTSTREAM.frame(corrupt) is None
    assert decode_frame(TEXT[0][:20]) is None
    typed = bytearray(encode_frame({"x": "y"}, b"{}"))
    typed[12 + 1 + 1] = 4  # the header's type byte: int32 instead of string
    body = bytes(typed[:-4]) + struct.pack(">I", binascii.crc32(bytes(typed[:-4])))
    assert decode_frame(body) is None
    assert "raw_base64" in encode_frames([body], None)["events"][0]


# ----------------------------------------------------------------------------- replay through boto3 and ChatBedrockConverse


def test_boto3_and_chat_bedrock_are_served_one_recorded_frame_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client()
    with eventstream_chunks(monkeypatch) as served, play(_served(TEXT)) as cassette:
        events = list(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    assert served == TEXT
    (interaction,) = cassette.interactions
    assert interaction.framing == "eventstream" and interaction.wire is BEDROCK
    assert _texts(events) == interaction.tokens == ["Why", " did", " the cat", "?"]
    assert interaction.usage == Usage(12, 4, 16) and interaction.finish_reason == "end_turn"

    with eventstream_chunks(monkeypatch) as served, play(_served(TEXT)):
        tokens = [str(chunk.text) for chunk in _chat().stream("Write a joke about cats") if chunk.text]
    assert served == TEXT
    assert tokens == interaction.tokens


def test_chat_bedrock_async_runs_the_same_replay() -> None:
    async def run() -> list[str]:
        return [str(chunk.text) async for chunk in _chat().astream("Write a joke about cats") if chunk.text]

    with play(_served(TEXT)):
        assert asyncio.run(run()) == ["Why", " did", " the cat", "?"]


def test_reasoning_and_a_tool_call() -> None:
    client = _client()
    with play(_served(REASONING_TOOL)) as cassette:
        list(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    (interaction,) = cassette.interactions
    assert interaction.reasoning == "The user wants the weather." and interaction.tokens == ["Checking."]
    (call,) = interaction.tool_calls
    assert (call.id, call.name, call.args) == ("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", {"location": "Paris"})
    assert interaction.usage == Usage(377, 65, 442, 7) and interaction.finish_reason == "tool_use"
    with play(_served(REASONING_TOOL)):
        message = None
        for chunk in _chat().bind_tools([get_weather]).stream("Weather in Paris?"):
            message = chunk if message is None else message + chunk
    assert message is not None
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        (call.id, "get_weather", {"location": "Paris"})
    ]


def test_an_exception_frame_raises_after_the_frames_before_it_and_is_read() -> None:
    client = _client()
    texts: list[str] = []
    with play(_served(THROTTLED)) as cassette, pytest.raises(botocore.exceptions.EventStreamError) as caught:
        for event in client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"]:
            texts.extend(_texts([event]))
    assert caught.value.response["Error"]["Code"] == "throttlingException"
    (interaction,) = cassette.interactions
    assert texts == interaction.tokens == ["Why", " did"]
    assert interaction.errors == ("throttlingException: Too many tokens, please wait before trying again.",)


# ----------------------------------------------------------------------------- live recording


def test_record_live_through_botocore_then_replay_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bedrock.yaml"
    routes = {
        STREAM_PATH: Route(
            headers=EVENTSTREAM_TYPE, chunks=[TEXT[0] + TEXT[1][:9], TEXT[1][9:], *TEXT[2:]], delay=0.02
        ),
        "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse": Route(
            headers=(("content-type", "application/json"),),
            chunks=[
                b'{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},"metrics":{"latencyMs":9}}'
            ],
        ),
    }
    with edge_server(routes) as edge, use_cassette(path, record="all"):
        client = _client(edge.url)
        assert botocore.awsrequest.AWSHTTPConnectionPool.ConnectionCls is botocore.awsrequest.AWSHTTPConnection, (
            "vcrpy's boto3 patcher is off"
        )
        live = _texts(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
        whole = client.converse(modelId=MODEL, messages=MESSAGES)["output"]["message"]["content"][0]["text"]
        chat_live = [str(c.text) for c in _chat(edge.url).stream("Write a joke about cats") if c.text]
    requests, responses = load_path(path)
    assert responses[0]["chunks"] == TEXT, "frames cut back apart from the network reads"
    offsets = responses[0]["offsets"]
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] >= 0.05
    text = path.read_text()
    for secret in (*CREDENTIALS.values(), "AWS4-HMAC-SHA256", "x-amz-date", "amz-sdk-invocation-id", "!!binary"):
        assert secret.lower() not in text.lower(), secret
    assert '"event":"contentBlockDelta"' in text and canonical_form(text, path) == text
    assert requests[0].path == STREAM_PATH

    client = boto3.client(
        "bedrock-runtime", region_name="eu-west-1", aws_access_key_id="other", aws_secret_access_key="other"
    )
    with use_cassette(path) as cassette, eventstream_chunks(monkeypatch) as served:
        replayed = _texts(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
        replayed_whole = client.converse(modelId=MODEL, messages=MESSAGES)["output"]["message"]["content"][0]["text"]
        chat_replayed = [str(c.text) for c in _chat().stream("Write a joke about cats") if c.text]
    assert served == TEXT + TEXT
    assert replayed == live == chat_replayed == chat_live == cassette.interactions[0].tokens
    assert replayed_whole == whole == "Hi"
    assert cassette.interactions[0].model == MODEL and cassette.interactions[0].prompt == "Write a joke about cats"


def test_credential_endpoints_are_never_recorded() -> None:
    assert _credential_endpoint("http://169.254.169.254/latest/api/token")
    assert _credential_endpoint("https://sts.us-east-1.amazonaws.com/")
    assert _credential_endpoint("https://portal.sso.eu-west-1.amazonaws.com/federation/credentials")
    assert not _credential_endpoint("https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse-stream")


def test_replay_needs_no_aws_credentials_region_or_metadata_service(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_PROFILE",
        "AWS_EC2_METADATA_DISABLED",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with (
        edge_server({STREAM_PATH: Route(headers=EVENTSTREAM_TYPE, chunks=TEXT)}) as edge,
        use_cassette(pytester.path / "cassettes" / "test_app" / "test_joke.yaml", record="all"),
    ):
        _texts(_client(edge.url).converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    pytester.makepyfile(
        test_app="""
import boto3, os, pytest

client = boto3.client("bedrock-runtime")  # built at import: needs a region

@pytest.mark.streamtest
def test_joke(cassette):
    stream = client.converse_stream(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[{"role": "user", "content": [{"text": "Write a joke about cats"}]}])
    texts = [e["contentBlockDelta"]["delta"]["text"] for e in stream["stream"] if "contentBlockDelta" in e]
    assert texts == cassette.interactions[0].tokens == ["Why", " did", " the cat", "?"]
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
"""
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


# ----------------------------------------------------------------------------- generated streams


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bedrock_streams(tool_calls=st.lists(tool_calls(), max_size=2), reasoning=st.text(max_size=10)))
def test_generated_streams_are_read_alike_by_boto3_chat_bedrock_and_streamtest(stream: GeneratedStream) -> None:
    client = _client()
    with play(stream) as cassette:
        events = list(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
    (interaction,) = cassette.interactions
    assert _texts(events) == list(stream.deltas) and interaction.tokens == [d for d in stream.deltas if d]
    assert interaction.reasoning == "".join(stream.reasoning)
    assert [(c.id, c.name, c.args) for c in interaction.tool_calls] == [
        (c.id, c.name, c.args) for c in stream.tool_calls
    ]
    assert interaction.usage == stream.usage
    with play(stream):
        message = None
        for chunk in _chat().bind_tools([get_weather]).stream("hi"):
            message = chunk if message is None else message + chunk
    assert message is not None and str(message.text) == "".join(stream.deltas)
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        (c.id, c.name, c.args) for c in stream.tool_calls
    ]


def test_other_streaming_operations_record_and_replay_frame_by_frame_unread(tmp_path: Path) -> None:
    """InvokeModelWithResponseStream: the stub keeps its frames; no format reads them (no tokens)."""
    import base64

    chunks = [
        _event("chunk", {"bytes": base64.b64encode(json.dumps({"completion": t}).encode()).decode()})
        for t in ("Why", " not")
    ]
    path = tmp_path / "invoke.yaml"
    route = "/model/anthropic.claude-v2/invoke-with-response-stream"
    body = json.dumps({"prompt": "Human: hi\n\nAssistant:", "max_tokens_to_sample": 8})
    with edge_server({route: Route(headers=EVENTSTREAM_TYPE, chunks=chunks)}) as edge, use_cassette(path, record="all"):
        live = [
            e["chunk"]["bytes"]
            for e in _client(edge.url).invoke_model_with_response_stream(modelId="anthropic.claude-v2", body=body)[
                "body"
            ]
        ]
    with use_cassette(path) as cassette:
        replayed = [
            e["chunk"]["bytes"]
            for e in _client().invoke_model_with_response_stream(modelId="anthropic.claude-v2", body=body)["body"]
        ]
    assert replayed == live and len(live) == 2
    (interaction,) = cassette.interactions
    assert interaction.chunks == tuple(chunks) and interaction.wire is None and interaction.tokens == []


def test_verify_sends_live_through_botocore_and_reports_a_changed_shape(tmp_path: Path) -> None:
    from streamtest import StreamDriftError

    path = tmp_path / "bedrock.yaml"
    changed = [
        *TEXT[:-1],
        _event(
            "metadata",
            {
                "usage": {"inputTokens": 12, "outputTokens": 4, "totalTokens": 16},
                "metrics": {"latencyMs": 9},
                "trace": {},
            },
        ),
    ]
    with edge_server({STREAM_PATH: Route(headers=EVENTSTREAM_TYPE, chunks=TEXT)}) as edge:
        with use_cassette(path, record="all"):
            _texts(_client(edge.url).converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
        with use_cassette(path, record="verify"):  # same shape live: passes
            assert _texts(_client(edge.url).converse_stream(modelId=MODEL, messages=MESSAGES)["stream"]) == [
                "Why",
                " did",
                " the cat",
                "?",
            ]
        assert len(edge.connections) == 2
    with edge_server({STREAM_PATH: Route(headers=EVENTSTREAM_TYPE, chunks=changed)}) as edge:
        with pytest.raises(StreamDriftError, match=r"-\s+p\n\s+\+\s+trace"):
            with use_cassette(path, record="verify"):
                _texts(_client(edge.url).converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])
        assert edge.connections == [STREAM_PATH]


def test_credential_fields_in_frame_payloads_are_scrubbed_frame_by_frame() -> None:
    from streamtest._cassette.scrub import ScrubPolicy, scrub_response

    frames = [
        TEXT[0],
        _event("metadata", {"usage": {"inputTokens": 1}, "access_token": "ya29.not-a-real-token-0123456789"}),
        TEXT[-1],
    ]
    clean = scrub_response(_served(frames) | {"offsets": None}, ScrubPolicy())
    assert clean["chunks"][0] == frames[0] and clean["chunks"][2] == frames[2]
    headers, payload = decode_frame(clean["chunks"][1])  # type: ignore[misc]
    assert headers == event_headers("metadata") and b"ya29" not in payload
    assert b"".join(clean["chunks"]) == clean["body"]["string"]
