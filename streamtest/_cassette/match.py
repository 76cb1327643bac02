"""Request matching and the diff a person reads when a recorded request changed.

Matching is method + path + JSON body compared as data (key order and
whitespace ignored). Scheme, host and port are deliberately not matched, so a
cassette recorded against the local llama.cpp server replays for
api.openai.com and the other way round.

The matcher functions follow vcrpy's protocol (raise ``AssertionError`` on a
mismatch); vcrpy's own ``body`` matcher raises a bare ``AssertionError``, which
is why :func:`describe_mismatch` builds the readable message itself.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Sequence
from typing import Any

from vcr.matchers import requests_match

__all__ = ["MATCH_ON", "body_value", "describe_mismatch", "json_body", "method", "pretty_body"]


def body_value(request: Any) -> Any:
    """The request body as data: parsed JSON when it is JSON, else bytes."""
    raw = request.body
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return bytes(raw)


def json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: bodies equal as JSON data (or as bytes when not JSON)."""
    if body_value(r1) != body_value(r2):
        raise AssertionError("request bodies differ")


def _path(r1: Any, r2: Any) -> None:
    if r1.path != r2.path:
        raise AssertionError(f"path {r1.path!r} != {r2.path!r}")


def method(r1: Any, r2: Any) -> None:
    """vcrpy matcher: same HTTP method."""
    if r1.method != r2.method:
        raise AssertionError(f"method {r1.method!r} != {r2.method!r}")


MATCH_ON = (method, _path, json_body)


def pretty_body(request: Any) -> list[str]:
    """Body lines for a diff: indented JSON with sorted keys, or text."""
    value = body_value(request)
    if value is None:
        return ["<no body>"]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").splitlines() or [""]
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def describe_mismatch(
    request: Any,
    recorded: Sequence[Any],
    played: Sequence[bool],
    *,
    cassette: str,
    rerecord: str,
    match_on: Sequence[Callable[[Any, Any], None]] = MATCH_ON,
) -> str:
    """Explain why ``request`` has no match among ``recorded`` requests.

    ``played[i]`` says whether recorded request ``i`` was already replayed, so
    "same request, but every copy was used up" reads differently from "the
    prompt changed".
    """
    head = [
        f"no recorded response matches {request.method} {request.path}",
        f"  cassette: {cassette} ({len(recorded)} recorded, {sum(played)} already played)",
    ]
    same_route = [i for i, r in enumerate(recorded) if r.method == request.method and r.path == request.path]
    identical = [i for i, r in enumerate(recorded) if requests_match(request, r, match_on)]
    if identical:
        head.append(
            f"  the {len(identical)} recorded interaction(s) with this exact request were all played already: "
            "the code made more calls than were recorded."
        )
    elif not same_route:
        routes = sorted({f"{r.method} {r.path}" for r in recorded}) or ["<none>"]
        head.append(f"  nothing was recorded for this method and path; recorded: {', '.join(routes)}")
    else:
        new_lines = pretty_body(request)
        new_text = "\n".join(new_lines)

        def similarity(i: int) -> float:
            # Character level: a one-word change in a long line must beat a rewritten line.
            return difflib.SequenceMatcher(None, "\n".join(pretty_body(recorded[i])), new_text, autojunk=False).ratio()

        closest = max(same_route, key=lambda i: (similarity(i), not played[i]))
        diff = difflib.unified_diff(
            pretty_body(recorded[closest]),
            new_lines,
            fromfile=f"recorded #{closest + 1}",
            tofile="requested",
            lineterm="",
            n=2,
        )
        head.append(f"  closest recorded request: #{closest + 1} (body differs):")
        head.extend("    " + line for line in diff)
        head.append("  The prompt or parameters changed since recording.")
    head.append(f"  Re-record with: {rerecord}")
    return "\n".join(head)
