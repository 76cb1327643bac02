"""Switches in client libraries that would otherwise go around the transport stubs while a cassette is active.

google-genai's async client uses **aiohttp** instead of httpx2 whenever aiohttp is
importable (``google.genai._api_client._use_aiohttp``), and ChatGoogleGenerativeAI
builds it that way. Our streaming stubs sit on httpx/httpx2, and vcrpy's own
aiohttp stub buffers whole bodies, so while a cassette is active
``google.genai._api_client.has_aiohttp`` is set to ``False``: the async path then
takes the SDK's own httpx2 branch (the same request, the same SSE reader as the
sync path), which records and replays one event per chunk. The switch is read at
request time, so clients built at import time follow it. What it changes: a
recording goes through httpx2 where production would use aiohttp; the bytes on
the wire and the SDK's parsing are the same. Not covered: Vertex AI with mTLS
client certificates and google-auth's async credentials, which has no httpx2
client to fall back on.

The patches are handed to vcrpy's ``custom_patches`` like the transport stubs'.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["client_patches"]


@functools.cache
def _genai_with_aiohttp() -> bool:
    """Both installed (checked once per process: ``find_spec`` searches ``sys.path``)."""
    try:
        return importlib.util.find_spec("aiohttp") is not None and importlib.util.find_spec("google.genai") is not None
    except ModuleNotFoundError:  # the google namespace package itself is missing
        return False


def client_patches() -> Iterator[tuple[Any, str, Any]]:
    """``(object, attribute, value)`` to set while a cassette is active.

    Only for an SDK the process has already imported: importing google-genai
    here cost 0.4 s in every suite that merely has it installed (bench row 8).
    An application that imports it only inside a test, after the cassette
    started, gets the switch from its next cassette on.
    """
    if _genai_with_aiohttp():
        module = sys.modules.get("google.genai._api_client")
        if module is not None and hasattr(module, "has_aiohttp"):
            yield module, "has_aiohttp", False
