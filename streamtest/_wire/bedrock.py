"""Amazon Bedrock ConverseStream (``POST /model/{modelId}/converse-stream``): AWS event-stream frames.

Spoken by ``bedrock-runtime.{region}.amazonaws.com`` (boto3's ``converse_stream``,
langchain-aws's ChatBedrockConverse). Each binary frame (see :mod:`.eventstream`)
is named by its ``:event-type`` header and carries a JSON payload::

    messageStart       {"role": "assistant"}
    contentBlockStart  {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "tooluse_..", "name": "f"}}}
    contentBlockDelta  {"contentBlockIndex": 0, "delta": {"text": "Why"}}
                       {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\\"ci"}}}
                       {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "..."}}}   (or "signature")
    contentBlockStop   {"contentBlockIndex": 0}
    messageStop        {"stopReason": "end_turn"}
    metadata           {"usage": {"inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens"}, "metrics": {"latencyMs"}}
    throttlingException {"message": "..."}      (an exception frame: ``:message-type: exception``)

Real payloads may carry a padding field ``"p"`` of varying length (botocore drops
it). Tool calls are keyed by ``contentBlockIndex``; text blocks need no start
event. The model id is in the URL path (URL-encoded: ``%3A`` for ``:``). Requests
are SigV4-signed; the signature, ``X-Amz-Date`` and ``amz-sdk-invocation-id``
change on every call, so matching is on method, path and body only. The
embedded llama.cpp server does not speak this API: streamtest's Bedrock streams
are built from the documented format (the botocore service model).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from streamtest._wire.base import (
    Frame,
    ReadingBuilder,
    Script,
    StreamReading,
    ToolCallFragment,
    Usage,
    WireFormat,
    compact_json,
    int_field,
)

__all__ = ["BEDROCK", "BedrockConverse"]

_STREAM_PATH = re.compile(r"/model/(?P<model>[^/]+)/converse-stream$")
_EVENTS = frozenset(
    {"messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"}
)


class BedrockConverse(WireFormat):
    name = "bedrock-converse"
    provider = "amazon_bedrock"
    framing = "eventstream"
    # No fixed host: bedrock-runtime.{region}.amazonaws.com, FIPS and VPC endpoints. The path tells
    # the traffic apart, and the local server does not stand in for Bedrock.
    # boto3 signs every request before it is sent, so a replay needs credentials that are
    # never used, a region, and no instance-metadata lookup (it would leave the process).
    replay_env = MappingProxyType(
        {
            "AWS_ACCESS_KEY_ID": "streamtest-placeholder",
            "AWS_SECRET_ACCESS_KEY": "streamtest-placeholder",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )

    def claims(self, path: str) -> bool:
        return _STREAM_PATH.search(path) is not None

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(isinstance(p, Mapping) and ("contentBlockIndex" in p or "stopReason" in p) for p in payloads)

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        signatures: list[str] = []
        for frame in frames:
            payload = frame.json()
            if frame.event not in _EVENTS:
                message = payload.get("message") if isinstance(payload, Mapping) else frame.data
                out.errors.append(f"{frame.event}: {message}" if message else str(frame.event))
                continue
            if not isinstance(payload, Mapping):
                continue
            index = payload.get("contentBlockIndex", 0)
            if frame.event == "contentBlockStart":
                start = payload.get("start")
                tool = start.get("toolUse") if isinstance(start, Mapping) else None
                if isinstance(tool, Mapping):
                    out.fragments.append(
                        ToolCallFragment(
                            call=index,
                            id=tool["toolUseId"] if isinstance(tool.get("toolUseId"), str) else None,
                            name=tool["name"] if isinstance(tool.get("name"), str) else None,
                        )
                    )
            elif frame.event == "contentBlockDelta" and isinstance(payload.get("delta"), Mapping):
                delta = payload["delta"]
                if isinstance(delta.get("text"), str):
                    out.text.append(delta["text"])
                tool = delta.get("toolUse")
                if isinstance(tool, Mapping) and isinstance(tool.get("input"), str):
                    out.fragments.append(ToolCallFragment(call=index, arguments=tool["input"]))
                thought = delta.get("reasoningContent")
                if isinstance(thought, Mapping):
                    if isinstance(thought.get("text"), str):
                        out.reasoning.append(thought["text"])
                    if isinstance(thought.get("signature"), str):
                        signatures.append(thought["signature"])
            elif frame.event == "messageStop" and isinstance(payload.get("stopReason"), str):
                out.finish_reason = payload["stopReason"]
            elif frame.event == "metadata" and isinstance(payload.get("usage"), Mapping):
                counts = payload["usage"]
                cached = int_field(counts, "cacheReadInputTokens")
                prompt = int_field(counts, "inputTokens") + cached + int_field(counts, "cacheWriteInputTokens")
                completion = int_field(counts, "outputTokens")
                out.usage = Usage(prompt, completion, prompt + completion, cached)
        if signatures:
            out.extra["signatures"] = tuple(signatures)
        return out.build()

    def error_body(self, status: int, message: str) -> Any:
        """An AWS JSON error body (botocore reads the code from ``__type``)."""
        kind = (
            "ThrottlingException"
            if status == 429
            else "InternalServerException"
            if status >= 500
            else "ValidationException"
        )
        return {"__type": kind, "message": message}

    def error_frame(self, message: str) -> Frame:
        """An exception frame (botocore raises ``EventStreamError``)."""
        return Frame("internalServerException", compact_json({"message": message}))

    def write(self, script: Script, *, signature: str = "", latency_ms: int = 412) -> list[Frame]:
        """``messageStart``; a reasoning block when ``script.reasoning`` (its deltas, then a
        ``signature``); a text block when there is text or no tool call (deltas only: text
        blocks have no start event); one ``toolUse`` block per call (``contentBlockStart``
        with id and name, then the argument cuts); ``messageStop`` (``tool_use`` or
        ``end_turn`` unless the script says otherwise); ``metadata`` with the usage."""
        events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
        index = 0

        def block(deltas: list[dict[str, Any]], start: dict[str, Any] | None = None) -> None:
            nonlocal index
            if start is not None:
                events.append(("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            events.extend(("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}) for delta in deltas)
            events.append(("contentBlockStop", {"contentBlockIndex": index}))
            index += 1

        if script.reasoning:
            block(
                [
                    *({"reasoningContent": {"text": piece}} for piece in script.reasoning),
                    {"reasoningContent": {"signature": signature}},
                ]
            )
        if script.content or not script.tool_calls:
            block([{"text": piece} for piece in script.text])
        for call in script.tool_calls:
            block(
                [{"toolUse": {"input": piece}} for piece in call.pieces],
                start={"toolUse": {"toolUseId": call.id, "name": call.name}},
            )
        finish = script.finish_reason or ("tool_use" if script.tool_calls else "end_turn")
        events.append(("messageStop", {"stopReason": finish}))
        if script.usage is not None:
            usage = script.usage
            counts = {
                "inputTokens": usage.prompt_tokens - usage.cached_tokens,
                "outputTokens": usage.completion_tokens,
                "totalTokens": usage.total_tokens,
            }
            if usage.cached_tokens:
                counts["cacheReadInputTokens"] = usage.cached_tokens
            events.append(("metadata", {"usage": counts, "metrics": {"latencyMs": latency_ms}}))
        return [Frame(name, compact_json(payload)) for name, payload in events]

    def model(self, request: Any, path: str = "") -> str | None:
        found = _STREAM_PATH.search(path)
        return unquote(found.group("model")) if found else None


BEDROCK = BedrockConverse()
