"""What a recorded request's HTTP parts must be for a replay to match it: shared by both loaders.

A leaf: imports nothing of streamtest.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TOKEN", "http_method"]

# RFC 9110 token: an HTTP method or a header name.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def http_method(value: Any, where: str) -> str:
    """The recorded method as clients send it (upper case: httpx, requests and aiohttp upper-case theirs).

    ``ValueError`` naming ``where`` for anything that is not a method: a
    cassette that could never be matched is refused when it is read.
    """
    if not isinstance(value, str) or not TOKEN.fullmatch(value):
        raise ValueError(f"{where}.method must be an HTTP method, not {value!r:.60}")
    return value.upper()
