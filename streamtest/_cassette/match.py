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
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from vcr.matchers import requests_match

__all__ = ["MATCH_ON", "body_diff", "body_value", "describe_mismatch", "json_body", "likeness", "method", "pretty_body"]


def body_value(request: Any) -> Any:
    """The request body as data: parsed JSON when it is JSON, else bytes.

    Parsed once per body and kept on the request (keyed by the body object,
    so a new body is parsed again): vcrpy compares a live request with every
    recorded one, and a mismatch message reads them all again. Callers must
    not mutate the value.
    """
    raw = request.body
    cached = request.__dict__.get(_PARSED)
    if cached is not None and cached[0] is raw:
        return cached[1]
    value = _parse(raw)
    request.__dict__[_PARSED] = (raw, value)
    return value


_PARSED = "_streamtest_body_value"


def _parse(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, bytes | bytearray):
        return raw
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
    prompt changed". Linear in the bodies' size (a 10 MB prompt included):
    see :func:`likeness` and :func:`body_diff`.
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
        value = body_value(request)
        closest = max(same_route, key=lambda i: (likeness(body_value(recorded[i]), value), not played[i]))
        diff = body_diff(body_value(recorded[closest]), value, f"recorded #{closest + 1}", "requested")
        head.append(f"  closest recorded request: #{closest + 1} (body differs):")
        head.extend("    " + line for line in diff)
        head.append("  The prompt or parameters changed since recording.")
    head.append(f"  Re-record with: {rerecord}")
    return "\n".join(head)


# ---------------------------------------------------------------------- a bounded diff
#
# difflib compared characters in quadratic time (a one-word change in a 40k
# character prompt took 30 s to describe). Now: the closest recording is chosen
# by comparing the bodies as data (linear, no encoding); the two bodies are
# pretty-printed with every long string kept out as a short token (equal
# strings get the same token), so the lines are short; lines shared at both
# ends are cut off and difflib only sees the changed middle (bounded); a long
# changed string is shown as a window around its first difference, encoded
# only there.

_CONTEXT = 2  # unchanged lines shown around a change
_MAX_MIDDLE = 400  # changed lines per side handed to difflib; more are cut
_WINDOW = 160  # characters of a long line or string shown around its first difference
_LONG = 1024  # strings longer than this stay out of the pretty text until shown
_BLOCK = 1 << 16
_MAX_DEPTH = 64


def common_prefix(a: str | bytes, b: str | bytes) -> int:
    """Length of the common prefix, compared block by block at C speed (linear)."""
    limit = min(len(a), len(b))
    start = 0
    while start < limit and a[start : start + _BLOCK] == b[start : start + _BLOCK]:
        start = min(start + _BLOCK, limit)
    end = min(start + _BLOCK, limit)
    while start < end and a[start] == b[start]:
        start += 1
    return start


def _common_suffix(a: str | bytes, b: str | bytes, floor: int) -> int:
    """Length of the common suffix that does not reach into the first ``floor`` characters."""
    limit = min(len(a), len(b)) - floor
    size = 0
    while size < limit:
        step = min(_BLOCK, limit - size)
        if a[len(a) - size - step : len(a) - size] != b[len(b) - size - step : len(b) - size]:
            break
        size += step
    while size < limit and a[len(a) - size - 1] == b[len(b) - size - 1]:
        size += 1
    return size


def likeness(a: Any, b: Any) -> float:
    """How alike two bodies are, as data: the share of their characters that are equal, from 0 to 1.

    Objects are compared key by key and lists item by item; two strings share
    their common prefix and suffix, so a one-word change in a long prompt scores
    near 1 and a rewritten prompt near 0. Linear in the bodies' size, with no
    encoding: a 10 MB string costs a few block compares.
    """
    shared, size = _alike(a, b, 0)
    return shared / size if size else 1.0


def _alike(a: Any, b: Any, depth: int) -> tuple[int, int]:
    """(equal characters, characters) of two JSON values."""
    if depth > _MAX_DEPTH:
        size = max(_size(a, depth), _size(b, depth))
        return (size if a == b else 0), size
    if isinstance(a, dict) and isinstance(b, dict):
        shared = size = 0
        for key in a.keys() | b.keys():
            if key in a and key in b:
                s, n = _alike(a[key], b[key], depth + 1)
                shared, size = shared + s + len(key), size + n + len(key)
            else:
                size += len(key) + _size(a.get(key, b.get(key)), depth + 1)
        return shared, size
    if isinstance(a, list) and isinstance(b, list):
        shared = size = 0
        for x, y in zip(a, b, strict=False):
            s, n = _alike(x, y, depth + 1)
            shared, size = shared + s, size + n
        for extra in a[len(b) :] + b[len(a) :]:
            size += _size(extra, depth + 1)
        return shared, size
    if isinstance(a, str | bytes) and type(a) is type(b):
        head = common_prefix(a, b)
        return head + _common_suffix(a, b, head), max(len(a), len(b), 1)
    size = max(_size(a, depth), _size(b, depth))
    return (size if a == b else 0), size


def _size(value: Any, depth: int) -> int:
    if depth > _MAX_DEPTH:
        return 1
    if isinstance(value, dict):
        return sum(len(key) + _size(item, depth + 1) for key, item in value.items()) or 1
    if isinstance(value, list):
        return sum(_size(item, depth + 1) for item in value) or 1
    if isinstance(value, str | bytes):
        return max(len(value), 1)
    return 1


class _Longs:
    """Long strings of two bodies swapped for short tokens (one per distinct string) while diffing."""

    def __init__(self) -> None:
        self._nonce = uuid.uuid4().hex[:12]
        self._tokens: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        self.pattern = re.compile(rf'"(~{self._nonce}~\d+)"')

    def swap(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str) and len(value) > _LONG:
            token = self._tokens.get(value)
            if token is None:
                token = self._tokens[value] = f"~{self._nonce}~{len(self._tokens)}"
                self.strings[token] = value
            return token
        if depth > _MAX_DEPTH:
            return value
        if isinstance(value, dict):
            return {key: self.swap(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self.swap(item, depth + 1) for item in value]
        return value

    def lines(self, value: Any) -> list[str]:
        """Body lines for a diff: indented JSON with sorted keys (long strings as tokens), or text."""
        if value is None:
            return ["<no body>"]
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace").splitlines() or [""]
        return json.dumps(self.swap(value), indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    def long_string(self, line: str) -> tuple[re.Match[str], str] | None:
        match = self.pattern.search(line)
        return (match, self.strings[match.group(1)]) if match else None


def body_diff(old: Any, new: Any, from_label: str, to_label: str) -> list[str]:
    """A unified diff of two bodies (as data), in time linear in their size, long lines shown around the change."""
    longs = _Longs()
    a, b = longs.lines(old), longs.lines(new)
    prefix, suffix = _ends(a, b)
    start = max(0, prefix - _CONTEXT)
    end_a, end_b = len(a) - max(0, suffix - _CONTEXT), len(b) - max(0, suffix - _CONTEXT)
    window_a, window_b = a[start:end_a], b[start:end_b]
    note = []
    limit = _MAX_MIDDLE + 2 * _CONTEXT
    if len(window_a) > limit or len(window_b) > limit:
        note = [f"(diff cut: {len(window_a)} recorded and {len(window_b)} requested lines around the change; first {limit} shown)"]
        window_a, window_b = window_a[:limit], window_b[:limit]
    diff = list(difflib.unified_diff(window_a, window_b, fromfile=from_label, tofile=to_label, lineterm="", n=_CONTEXT))
    return _shown(_renumbered(diff, start), longs) + note


def _ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """How many lines ``a`` and ``b`` share at the start, and then at the end."""
    limit = min(len(a), len(b))
    prefix = 0
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    return prefix, suffix


def _renumbered(diff: list[str], offset: int) -> list[str]:
    """Hunk headers of a diff of a window, numbered as lines of the whole body."""
    if not offset:
        return diff

    def shift(match: re.Match[str]) -> str:
        return str(int(match.group()) + offset)

    return [re.sub(r"(?<=[-+])\d+", shift, line) if line.startswith("@@ ") else line for line in diff]


def _shown(diff: list[str], longs: _Longs) -> list[str]:
    """Diff lines as a person reads them: each long line or string cut to a window around its change.

    A removed line is paired with the added line in the same position of its
    hunk; the window of both starts where they first differ.
    """
    out = diff[2:]  # after the ---/+++ file header
    index = 0
    while index < len(out):
        if not out[index].startswith("-"):
            out[index] = _show(out[index], "", longs)
            index += 1
            continue
        minus_end = index
        while minus_end < len(out) and out[minus_end].startswith("-"):
            minus_end += 1
        plus_end = minus_end
        while plus_end < len(out) and out[plus_end].startswith("+"):
            plus_end += 1
        removed, added = out[index:minus_end], out[minus_end:plus_end]
        for k in range(max(len(removed), len(added))):
            old = removed[k] if k < len(removed) else ""
            new = added[k] if k < len(added) else ""
            if k < len(removed):
                out[index + k] = _show(old, new, longs)
            if k < len(added):
                out[minus_end + k] = _show(new, old, longs)
        index = plus_end
    return diff[:2] + out


_KEY = re.compile(r'\s*"(?:[^"\\]|\\.){0,60}": ')


def _show(line: str, other: str, longs: _Longs) -> str:
    """One diff line (marker + text) with a long string or a long text cut around where it differs from ``other``."""
    marker, text = line[:1], line[1:]
    found, found_other = longs.long_string(text), longs.long_string(other[1:])
    if found is not None:
        match, string = found
        focus = common_prefix(string, found_other[1] if found_other else "")
        start = max(0, min(focus - _WINDOW // 3, len(string) - _WINDOW))
        end = start + _WINDOW
        shown = json.dumps(string[start:end], ensure_ascii=False)[1:-1]
        quoted = f'"{"…" if start else ""}{shown}{"…" if end < len(string) else ""}"'
        return f"{marker}{text[: match.start()]}{quoted}{text[match.end() :]}"
    if len(text) <= _WINDOW:
        return line
    key = _KEY.match(text)
    keep = key.end() if key else 0
    start = max(keep, min(common_prefix(text, other[1:]) - _WINDOW // 3, len(text) - _WINDOW))
    end = start + _WINDOW
    return f"{marker}{text[:keep]}{'…' if start > keep else ''}{text[start:end]}{'…' if end < len(text) else ''}"
