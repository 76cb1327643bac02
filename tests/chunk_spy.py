"""What a client library is handed, chunk by chunk: spies on the HTTP layers the SDKs read from.

``httpx_chunks()`` logs every chunk ``Response.iter_bytes`` / ``aiter_bytes`` yields (httpx and
httpx2: what the openai, anthropic, google-genai and ollama clients read their streams from);
``eventstream_chunks()`` logs every piece botocore's event-stream decoder is fed. A replay
that serves one recorded unit per chunk shows up here as the recorded units, byte for byte.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def httpx_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    log: list[bytes] = []
    for name in ("httpx", "httpx2"):
        response = importlib.import_module(name).Response
        real_sync, real_async = response.iter_bytes, response.aiter_bytes

        def iter_bytes(self: Any, *args: Any, _real: Any = real_sync, **kwargs: Any) -> Iterator[bytes]:
            for chunk in _real(self, *args, **kwargs):
                log.append(chunk)
                yield chunk

        async def aiter_bytes(self: Any, *args: Any, _real: Any = real_async, **kwargs: Any) -> AsyncIterator[bytes]:
            async for chunk in _real(self, *args, **kwargs):
                log.append(chunk)
                yield chunk

        monkeypatch.setattr(response, "iter_bytes", iter_bytes)
        monkeypatch.setattr(response, "aiter_bytes", aiter_bytes)
    yield log


@contextlib.contextmanager
def eventstream_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    from botocore.eventstream import EventStreamBuffer

    log: list[bytes] = []
    real = EventStreamBuffer.add_data

    def add_data(self: Any, data: bytes) -> None:
        log.append(bytes(data))
        real(self, data)

    monkeypatch.setattr(EventStreamBuffer, "add_data", add_data)
    yield log
