"""OpenAI-compatible servers (DeepSeek, vLLM, Groq, OpenRouter, Ollama's /v1): their extras read correctly.

The streams are hand-built from those servers' documented shapes (the local llama.cpp server
sends none of them on demand) and replayed through the real openai SDK and ChatOpenAI.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from langchain_openai import ChatOpenAI

from streamtest import play
from streamtest._wire.base import Usage

PROMPT = [{"role": "user", "content": "Say hi"}]
USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 9,
    "total_tokens": 19,
    "completion_tokens_details": {"reasoning_tokens": 5},
}
DONE = b"data: [DONE]\n\n"


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    payload = {
        "id": "chatcmpl-abc123",
        "object": "chat.completion.chunk",
        "created": 1764000000,
        "model": "deepseek-reasoner",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


REASONING_CONTENT = [  # DeepSeek, vLLM, llama.cpp
    _chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
    _chunk({"content": None, "reasoning_content": "The user"}),
    _chunk({"content": None, "reasoning_content": " says hi."}),
    _chunk({"content": "Hello", "reasoning_content": None}),
    _chunk({"content": "!", "reasoning_content": None}),
    _chunk({"content": "", "reasoning_content": None}, "stop", usage=USAGE),
    DONE,
]
REASONING = [  # OpenRouter, Groq, newer vLLM
    _chunk({"role": "assistant", "content": "", "reasoning": "Thinking"}),
    _chunk({"content": "Hello", "reasoning": None}),
    _chunk({"content": ""}, "stop", usage=USAGE),
    DONE,
]
KEEP_ALIVES = [  # OpenRouter's comments, between events and inside one
    b": OPENROUTER PROCESSING\n\n",
    _chunk({"role": "assistant", "content": "Hel"}),
    b": OPENROUTER PROCESSING\n\n",
    b": ping\n" + _chunk({"content": "lo"}),
    _chunk({"content": ""}, "stop"),
    DONE,
]
ERRORS = {
    "error object (llama.cpp)": [
        _chunk({"role": "assistant", "content": "Hel"}),
        b'data: {"error":{"code":500,"message":"The model produced output that does not match","type":"server_error"}}\n\n',
    ],
    "event: error": [
        _chunk({"role": "assistant", "content": "Hel"}),
        b'event: error\ndata: {"error":{"message":"upstream overloaded","type":"overloaded_error","code":529}}\n\n',
    ],
    "error in a chunk (OpenRouter)": [
        _chunk({"role": "assistant", "content": "Hel"}),
        _chunk({"content": ""}, "error", error={"code": 502, "message": "Provider disconnected"}),
        DONE,
    ],
}


def _sdk_stream(chunks: list[bytes]) -> tuple[list[Any], Any]:
    client = openai.OpenAI(api_key="not-a-key", base_url="https://api.deepseek.com/v1", max_retries=0)
    with play(chunks) as cassette:
        received = list(client.chat.completions.create(model="deepseek-reasoner", messages=PROMPT, stream=True))  # type: ignore[arg-type]
    (interaction,) = cassette.interactions
    return received, interaction


def _chat_openai_tokens(chunks: list[bytes]) -> list[str]:
    model = ChatOpenAI(
        model="deepseek-reasoner", base_url="https://api.deepseek.com/v1", api_key="not-a-key", max_retries=0
    )  # type: ignore[arg-type]
    with play(chunks):
        return [str(chunk.content) for chunk in model.stream(PROMPT) if chunk.content]


@pytest.mark.parametrize(("chunks", "reasoning"), [(REASONING_CONTENT, "The user says hi."), (REASONING, "Thinking")])
def test_reasoning_deltas_are_read_beside_the_text(chunks: list[bytes], reasoning: str) -> None:
    received, interaction = _sdk_stream(chunks)
    extra = [
        getattr(c.choices[0].delta, "reasoning_content", None) or getattr(c.choices[0].delta, "reasoning", None)
        for c in received
    ]
    assert interaction.reasoning == "".join(piece for piece in extra if piece) == reasoning
    assert interaction.tokens == [c.choices[0].delta.content for c in received if c.choices[0].delta.content]
    assert interaction.usage == Usage(10, 9, 19) and interaction.finish_reason == "stop"
    # ChatOpenAI drops the reasoning; the graph's tokens are the text alone.
    assert _chat_openai_tokens(chunks) == interaction.tokens


def test_keep_alive_comments_carry_no_frame() -> None:
    received, interaction = _sdk_stream(KEEP_ALIVES)
    assert len(interaction.chunks) == 6 and len(interaction.frames) == 4
    assert (
        interaction.tokens
        == ["Hel", "lo"]
        == [c.choices[0].delta.content for c in received if c.choices[0].delta.content]
    )
    assert _chat_openai_tokens(KEEP_ALIVES) == ["Hel", "lo"]
    assert interaction.errors == ()


@pytest.mark.parametrize("kind", ERRORS)
def test_a_mid_stream_error_is_read_and_raised_after_the_tokens_before_it(kind: str) -> None:
    chunks = ERRORS[kind]
    client = openai.OpenAI(api_key="not-a-key", base_url="https://openrouter.ai/api/v1", max_retries=0)
    tokens: list[str] = []
    with play(chunks) as cassette, pytest.raises(openai.APIError):
        for chunk in client.chat.completions.create(model="m", messages=PROMPT, stream=True):  # type: ignore[arg-type]
            tokens.extend(choice.delta.content for choice in chunk.choices if choice.delta.content)
    (interaction,) = cassette.interactions
    assert tokens == interaction.tokens == ["Hel"]
    assert len(interaction.errors) == 1
    with pytest.raises(openai.APIError):
        _chat_openai_tokens(chunks)


def test_any_event_named_error_is_an_error_even_without_an_error_key() -> None:
    """The openai SDK ignores it (it raises only for an "error" key); streamtest still reports it."""
    chunks = [_chunk({"role": "assistant", "content": "Hel"}), b'event: error\ndata: {"message":"boom"}\n\n', DONE]
    _, interaction = _sdk_stream(chunks)
    assert interaction.errors == ("error: boom",)
    assert interaction.tokens == ["Hel"]
