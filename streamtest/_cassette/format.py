"""The cassette file: a readable, diff-friendly YAML format that replays byte for byte.

In memory a cassette is vcrpy's: a list of ``vcr.request.Request`` and response
dicts. Our response dicts carry vcrpy's keys (``status``, ``headers``,
``body.string``) plus three of ours:

- ``chunks``: the replay units, one SSE event each (``b"".join(chunks) == body``);
- ``offsets``: seconds from the request to each chunk's arrival while recording;
- ``stream_error``: ``{"type", "message"}`` when the upstream stream broke.

On disk (format version 1)::

    streamtest_format: 1
    interactions:
    - request:
        method: POST
        uri: http://127.0.0.1:8080/v1/chat/completions
        headers: {content-type: application/json}
        body:
          json: {model: gpt-4o-mini, stream: true, messages: [...]}
      response:
        status: 200
        reason: OK
        headers: {content-type: [text/event-stream]}
        sse:
          json: compact          # how each event's JSON data re-encodes exactly
          eol: lf                # line ending: lf, crlf or cr
          events:  # one JSON object per line
          - {"t":0.1021,"data":{"id":"chatcmpl-1","choices":[...]}}
          - {"t":0.1104,"text":"[DONE]"}

Every event is one line, a JSON object (JSON is YAML too, so any YAML tool
reads the file), so a re-recording diffs by token. The loader reads such a
block with ``json.loads``, line by line, instead of building it node by node
through YAML: that is what keeps loading linear and close to vcrpy's speed
(measured in ``bench`` row 4). A block edited by hand into other YAML still
loads, through YAML.
An event is written as parsed JSON (``data``) only when re-encoding it gives
the recorded bytes back; otherwise as its data string (``text``) or, for
comments, multi-line data or a broken tail, as the whole event (``raw``).
Non-SSE bodies follow the same rule: ``json`` (+ ``json_style``), ``text``
or ``base64``. Replay therefore delivers exactly the bytes that were recorded.
"""

from __future__ import annotations

import base64
import functools
import gc
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from streamtest._exceptions import CassetteCorruptError, CassetteVersionError
from streamtest._sse import SSEEvent, encode_event, parse_event, split_events

__all__ = ["FORMAT_VERSION", "Interaction", "dump", "interactions_of", "is_event_stream", "load", "load_path", "sse_response"]

FORMAT_VERSION = 1
_VERSION_KEY = "streamtest_format"

try:  # libyaml is ~10x faster on large cassettes; fall back to pure Python.
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

_EOL_NAMES = {"\n": "lf", "\r\n": "crlf", "\r": "cr"}
_EOLS = {name: eol for eol, name in _EOL_NAMES.items()}

# JSON encodings seen from real providers; the first that reproduces the bytes wins.
_JSON_STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "compact-ascii": {"separators": (",", ":"), "ensure_ascii": True},
    "spaced": {"ensure_ascii": False},
    "spaced-ascii": {"ensure_ascii": True},
    "indent2": {"indent": 2, "ensure_ascii": False},
    "indent2-ascii": {"indent": 2, "ensure_ascii": True},
}


# One encoder per style: json.dumps with options builds a new encoder on every call,
# which was a quarter of a cassette's load time (bench row 3's profile).
_ENCODERS = {name: json.JSONEncoder(**options) for name, options in _JSON_STYLES.items()}


def _json_style(text: str) -> str | None:
    """The style under which ``text`` re-encodes to itself, or ``None``."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    for name, encoder in _ENCODERS.items():
        if encoder.encode(value) == text:
            return name
    return None


_EVENTS_HEADER = "events:  # one JSON object per line"
_EVENTS_TAG = "!streamtest/json-lines"


def _event_line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _lift_json_lines(text: str) -> tuple[str, list[list[Any]]]:
    """Replace each events block that is all JSON lines by a tagged scalar; return the parsed blocks.

    A block that is not all JSON objects (edited by hand) is left for YAML.
    """
    lines = text.split("\n")
    out: list[str] = []
    blocks: list[list[Any]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.lstrip(" ")
        if stripped != _EVENTS_HEADER:
            out.append(line)
            continue
        indent = line[: len(line) - len(stripped)]
        item = indent + "- "
        end = index
        while end < len(lines) and lines[end].startswith(item):
            end += 1
        try:
            block = [json.loads(lines[i][len(item) :]) for i in range(index, end)]
        except ValueError:
            out.append(line)
            continue
        if not all(isinstance(event, dict) for event in block):
            out.append(line)
            continue
        out.append(f"{indent}events: {_EVENTS_TAG} {len(blocks)}")
        blocks.append(block)
        index = end
    return "\n".join(out), blocks


# --------------------------------------------------------------------------- bodies


def _encode_body(raw: bytes) -> dict[str, Any]:
    """A non-SSE body as ``json`` (+ style), ``text`` or ``base64``, whichever is exact."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    if not text:
        return {"text": ""}
    style = _json_style(text)
    if style is not None:
        return {"json": json.loads(text), "json_style": style}
    return {"text": text}


def _decode_body(entry: Any, where: str) -> bytes:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a mapping")
    if "json" in entry:
        encoder = _ENCODERS.get(entry.get("json_style", "compact"))
        if encoder is None:
            raise ValueError(f"{where} has unknown json_style {entry.get('json_style')!r}")
        return encoder.encode(entry["json"]).encode("utf-8")
    if "text" in entry:
        return str(entry["text"]).encode("utf-8")
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    raise ValueError(f"{where} needs one of json, text, base64")


def _encode_events(chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """SSE chunks as one-line event entries; the stream's JSON style and EOL are detected once."""
    parsed: list[SSEEvent | None] = []
    for chunk in chunks:
        try:
            parsed.append(parse_event(chunk))
        except UnicodeDecodeError:
            parsed.append(None)
    eol = next((p.eol for p in parsed if p is not None), "\n")
    style = next(
        (s for p in parsed if p is not None and p.data is not None and (s := _json_style(p.data)) is not None),
        "compact",
    )
    events = []
    for index, (chunk, event) in enumerate(zip(chunks, parsed, strict=True)):
        entry: dict[str, Any] = {}
        if offsets is not None:
            entry["t"] = round(offsets[index], 4)
        entry.update(_encode_event(chunk, event, eol, style))
        events.append(entry)
    return {"json": style, "eol": _EOL_NAMES[eol], "events": events}


def _encode_event(chunk: bytes, event: SSEEvent | None, eol: str, style: str) -> dict[str, Any]:
    if event is None:
        return {"raw_base64": base64.b64encode(chunk).decode("ascii")}
    simple = event.data is not None and not (event.comments or event.id or event.retry)
    if simple and encode_event(event.data, event=event.event, eol=eol) == chunk:  # type: ignore[arg-type]
        named = {"event": event.event} if event.event is not None else {}
        if _json_style(event.data) == style:  # type: ignore[arg-type]
            return {**named, "data": json.loads(event.data)}  # type: ignore[arg-type]
        return {**named, "text": event.data}
    return {"raw": chunk.decode("utf-8")}


def _decode_events(entry: Any, where: str) -> tuple[list[bytes], list[float] | None]:
    if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
        raise ValueError(f"{where}.sse needs an events list")
    encoder = _ENCODERS.get(entry.get("json", "compact"))
    if encoder is None:
        raise ValueError(f"{where}.sse has unknown json style {entry.get('json')!r}")
    eol = _EOLS.get(entry.get("eol", "lf"))
    if eol is None:
        raise ValueError(f"{where}.sse has unknown eol {entry.get('eol')!r} (lf, crlf or cr)")
    chunks: list[bytes] = []
    offsets: list[float] = []
    for number, event in enumerate(entry["events"], 1):
        if not isinstance(event, dict):
            raise ValueError(f"{where}.sse event {number} must be a mapping")
        if "raw" in event:
            chunks.append(str(event["raw"]).encode("utf-8"))
        elif "raw_base64" in event:
            chunks.append(base64.b64decode(event["raw_base64"]))
        elif "data" in event:
            chunks.append(encode_event(encoder.encode(event["data"]), event=event.get("event"), eol=eol))
        elif "text" in event:
            chunks.append(encode_event(str(event["text"]), event=event.get("event"), eol=eol))
        else:
            raise ValueError(f"{where}.sse event {number} needs data, text or raw")
        if "t" in event:
            offsets.append(float(event["t"]))
    return chunks, (offsets if len(offsets) == len(chunks) else None)


# --------------------------------------------------------------------------- interactions


def _header_value(headers: dict[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) and value else str(value)
    return ""


def is_event_stream(response: dict[str, Any]) -> bool:
    return _header_value(response.get("headers", {}), "content-type").startswith("text/event-stream")


def _dump_request(request: Request) -> dict[str, Any]:
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    out: dict[str, Any] = {"method": request.method, "uri": request.uri, "headers": dict(request.headers)}
    if body:
        encoded = _encode_body(body)
        # A request body is matched as data, so store it as data even when it
        # does not re-encode byte for byte.
        value = encoded.get("json", _try_json(body) if "text" in encoded else None)
        out["body"] = {"json": value} if value is not None else encoded
    return out


def _try_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _load_request(entry: Any, where: str) -> Request:
    if not isinstance(entry, dict) or "method" not in entry or "uri" not in entry:
        raise ValueError(f"{where}.request needs method and uri")
    body = _decode_body(entry["body"], f"{where}.request.body") if entry.get("body") is not None else b""
    headers = {str(k): str(v[0] if isinstance(v, list) else v) for k, v in (entry.get("headers") or {}).items()}
    return Request(str(entry["method"]), str(entry["uri"]), body, headers)


def _dump_response(response: dict[str, Any]) -> dict[str, Any]:
    status = response.get("status", {})
    out: dict[str, Any] = {
        "status": int(status.get("code", 200)),
        "reason": status.get("message") or "",
        "headers": {k: list(v) if isinstance(v, list | tuple) else [v] for k, v in response.get("headers", {}).items()},
    }
    body = _body_bytes(response)
    chunks = response.get("chunks")
    if chunks is None and is_event_stream(response):
        chunks = split_events(body)
    if chunks is not None and is_event_stream(response):
        out["sse"] = _encode_events(chunks, response.get("offsets"))
    else:
        out["body"] = _encode_body(body)
    if response.get("stream_error"):
        out["stream_error"] = dict(response["stream_error"])
    return out


def _body_bytes(response: dict[str, Any]) -> bytes:
    body = response.get("body", {}).get("string", b"")
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _load_response(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or "status" not in entry:
        raise ValueError(f"{where}.response needs a status")
    response: dict[str, Any] = {
        "status": {"code": int(entry["status"]), "message": entry.get("reason", "")},
        "headers": {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in (entry.get("headers") or {}).items()},
    }
    if "sse" in entry:
        chunks, offsets = _decode_events(entry["sse"], f"{where}.response")
        response["chunks"] = chunks
        response["offsets"] = offsets
        response["body"] = {"string": b"".join(chunks)}
    else:
        response["body"] = {"string": _decode_body(entry.get("body", {"text": ""}), f"{where}.response.body")}
    if entry.get("stream_error"):
        error = entry["stream_error"]
        if not isinstance(error, dict) or "type" not in error:
            raise ValueError(f"{where}.response.stream_error needs a type")
        response["stream_error"] = {"type": str(error["type"]), "message": str(error.get("message", ""))}
    return response


def dump(requests: Sequence[Request], responses: Sequence[dict[str, Any]]) -> str:
    """Serialize interactions to the cassette text (format version 1)."""
    nonce = uuid.uuid4().hex
    blocks: list[list[dict[str, Any]]] = []
    interactions = []
    for req, resp in zip(requests, responses, strict=True):
        response = _dump_response(resp)
        if "sse" in response:
            blocks.append(response["sse"]["events"])
            response["sse"]["events"] = f"__events_{nonce}_{len(blocks) - 1}__"
        interactions.append({"request": _dump_request(req), "response": response})
    document = {_VERSION_KEY: FORMAT_VERSION, "interactions": interactions}
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=2**31 - 1)
    if not blocks:
        return text

    def events_block(match: re.Match[str]) -> str:
        indent, number = match.group(1), int(match.group(2))
        lines = [f"{indent}{_EVENTS_HEADER}"]
        lines.extend(f"{indent}- {_event_line(event)}" for event in blocks[number])
        return "\n".join(lines)

    return re.sub(rf"^( *)events: __events_{nonce}_(\d+)__$", events_block, text, flags=re.M)


def load(text: str, path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    """Parse cassette text; errors name the file and what is wrong.

    The cyclic garbage collector is paused while parsing: a large cassette
    allocates millions of small containers, and collections triggered by them
    made loading cost grow faster than the file (bench row 4).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(text, path)
    finally:
        if enabled:
            gc.enable()


def _load(text: str, path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    lifted, blocks = _lift_json_lines(text)

    class Loader(_Loader):  # type: ignore[misc, valid-type]
        """The safe loader, plus the events blocks already parsed as JSON lines."""

    def events_block(loader: Any, node: yaml.ScalarNode) -> list[Any]:
        return blocks[int(node.value)]

    Loader.add_constructor(_EVENTS_TAG, events_block)
    try:
        document = yaml.load(lifted, Loader=Loader)
    except yaml.YAMLError as exc:
        raise CassetteCorruptError(path, f"not valid YAML ({exc})".replace("\n", " ")) from exc
    if not isinstance(document, dict):
        raise CassetteCorruptError(path, "the file is not a mapping with a 'streamtest_format' key")
    if _VERSION_KEY not in document:
        if "interactions" in document and "version" in document:
            raise CassetteCorruptError(path, "this is a plain vcrpy cassette, not a streamtest one")
        raise CassetteCorruptError(path, f"missing the {_VERSION_KEY!r} key")
    if document[_VERSION_KEY] != FORMAT_VERSION:
        raise CassetteVersionError(path, document[_VERSION_KEY], FORMAT_VERSION)
    interactions = document.get("interactions")
    if not isinstance(interactions, list):
        raise CassetteCorruptError(path, "'interactions' must be a list")
    requests, responses = [], []
    for number, item in enumerate(interactions, 1):
        where = f"interaction {number}"
        try:
            if not isinstance(item, dict):
                raise ValueError(f"{where} must be a mapping")
            requests.append(_load_request(item.get("request"), where))
            responses.append(_load_response(item.get("response"), where))
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            raise CassetteCorruptError(path, str(exc)) from exc
    return requests, responses


def load_path(path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    """Read and parse a cassette file.

    Parsing is cached by (path, mtime, size): a suite replays the same cassette
    in many tests, and YAML parsing is most of a replay's set-up cost. Callers
    get fresh lists; the requests and response dicts inside are shared and
    never mutated by the replay path.
    """
    stat = Path(path).stat()
    requests, responses = _load_cached(str(path), stat.st_mtime_ns, stat.st_size)
    return list(requests), list(responses)


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int, size: int) -> tuple[tuple[Request, ...], tuple[dict[str, Any], ...]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteCorruptError(path, "the file is not UTF-8 text") from exc
    requests, responses = load(text, path)
    return tuple(requests), tuple(responses)


def sse_response(chunks: Iterable[bytes], *, status: int = 200, reason: str = "OK") -> dict[str, Any]:
    """A response dict serving ``chunks`` as an SSE stream, one chunk per event."""
    chunk_list = [bytes(c) for c in chunks]
    return {
        "status": {"code": status, "message": reason},
        "headers": {"content-type": ["text/event-stream"]},
        "body": {"string": b"".join(chunk_list)},
        "chunks": chunk_list,
        "offsets": None,
    }


# --------------------------------------------------------------------------- the read-only view


def _delta_text(event: SSEEvent) -> str | None:
    """The text a provider event adds: a chat-completions content delta or a Responses text delta."""
    if event.data is None or event.data == "[DONE]":
        return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("type") == "response.output_text.delta":
        delta = payload.get("delta")
        return delta if isinstance(delta, str) else None
    choices = payload.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        content = (choices[0].get("delta") or {}).get("content")
        return content if isinstance(content, str) else None
    return None


@dataclass(frozen=True)
class Interaction:
    """One recorded request and response, read-only, for assertions and reports."""

    method: str
    uri: str
    request_json: Any
    status: int
    chunks: tuple[bytes, ...]
    offsets: tuple[float, ...] | None
    stream_error: dict[str, str] | None = None

    @classmethod
    def from_vcr(cls, request: Request, response: dict[str, Any]) -> Interaction:
        chunks = response.get("chunks")
        if chunks is None:
            chunks = split_events(_body_bytes(response)) if is_event_stream(response) else [_body_bytes(response)]
        offsets = response.get("offsets")
        return cls(
            method=request.method,
            uri=request.uri,
            request_json=_try_json(request.body or b"") if request.body else None,
            status=int(response.get("status", {}).get("code", 200)),
            chunks=tuple(chunks),
            offsets=tuple(offsets) if offsets is not None else None,
            stream_error=response.get("stream_error"),
        )

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @cached_property
    def events(self) -> list[SSEEvent]:
        """The SSE events (empty for a non-SSE body)."""
        parsed = []
        for chunk in self.chunks:
            try:
                parsed.append(parse_event(chunk))
            except UnicodeDecodeError:
                continue
        return [e for e in parsed if e.data is not None]

    @property
    def tokens(self) -> list[str]:
        """The provider's text deltas in order (empty deltas left out)."""
        return [text for event in self.events if (text := _delta_text(event))]

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def interactions_of(requests: Sequence[Request], responses: Sequence[dict[str, Any]]) -> list[Interaction]:
    return [Interaction.from_vcr(req, resp) for req, resp in zip(requests, responses, strict=True)]

