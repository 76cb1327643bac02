"""The cassette file: a readable, diff-friendly YAML format that replays byte for byte.

In memory a cassette is vcrpy's: a list of ``vcr.request.Request`` and response
dicts. Our response dicts carry vcrpy's keys (``status``, ``headers``,
``body.string``) plus three of ours:

- ``chunks``: the replay units, one frame each (an SSE event: see
  ``streamtest._wire.framing``; ``b"".join(chunks) == body``);
- ``offsets``: seconds from the request to each chunk's arrival while recording;
- ``started``: seconds from the start of the recording to the request (``None`` in older files);
- ``stream_error``: ``{"type", "message"}`` when the upstream stream broke.

On disk (format version 1)::

    streamtest_format: 1
    recorded_at: '2026-12-01T20:37:59Z'   # optional (older files have none)
    interactions:
    - request:
        method: POST
        uri: http://127.0.0.1:8080/v1/chat/completions
        headers: {content-type: application/json}
        body:
          json: {model: gpt-4o-mini, stream: true, messages: [...]}
      response:
        started: 0.0012        # optional: seconds after recording began
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
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from streamtest._cassette.events import decode_events, encode_events
from streamtest._cassette.foreign import is_foreign, load_foreign
from streamtest._cassette.jsonstyle import ENCODERS, json_style
from streamtest._exceptions import CassetteCorruptError, CassetteVersionError
from streamtest._wire.framing import FRAMINGS, Framing, framing_for

__all__ = ["FORMAT_VERSION", "body_bytes", "dump", "framing_of", "load", "load_path", "sse_response", "try_json"]

FORMAT_VERSION = 1
_VERSION_KEY = "streamtest_format"

try:  # libyaml is ~10x faster on large cassettes; fall back to pure Python.
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

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
    style = json_style(text)
    if style is not None:
        return {"json": json.loads(text), "json_style": style}
    return {"text": text}


def _decode_body(entry: Any, where: str) -> bytes:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a mapping")
    if "json" in entry:
        encoder = ENCODERS.get(entry.get("json_style", "compact"))
        if encoder is None:
            raise ValueError(f"{where} has unknown json_style {entry.get('json_style')!r}")
        return encoder.encode(entry["json"]).encode("utf-8")
    if "text" in entry:
        return str(entry["text"]).encode("utf-8")
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    raise ValueError(f"{where} needs one of json, text, base64")


# --------------------------------------------------------------------------- interactions


def _header_value(headers: dict[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) and value else str(value)
    return ""


def framing_of(response: dict[str, Any]) -> Framing | None:
    """The framing of a response dict (by its content type), or ``None`` for a plain body."""
    return framing_for(_header_value(response.get("headers", {}), "content-type"))


def _dump_request(request: Request) -> dict[str, Any]:
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    out: dict[str, Any] = {"method": request.method, "uri": request.uri, "headers": dict(request.headers)}
    if body:
        encoded = _encode_body(body)
        # A request body is matched as data, so store it as data even when it
        # does not re-encode byte for byte.
        value = encoded.get("json", try_json(body) if "text" in encoded else None)
        out["body"] = {"json": value} if value is not None else encoded
    return out


def try_json(raw: bytes) -> Any:
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
    out: dict[str, Any] = {} if response.get("started") is None else {"started": round(response["started"], 4)}
    out |= {
        "status": int(status.get("code", 200)),
        "reason": status.get("message") or "",
        "headers": {k: list(v) if isinstance(v, list | tuple) else [v] for k, v in response.get("headers", {}).items()},
    }
    body = body_bytes(response)
    chunks = response.get("chunks")
    framing = framing_of(response)
    if chunks is None and framing is not None:
        chunks = framing.split(body)
    if chunks is not None and framing is not None:
        out[framing.name] = encode_events(framing.name, chunks, response.get("offsets"))
    else:
        out["body"] = _encode_body(body)
    if response.get("stream_error"):
        out["stream_error"] = dict(response["stream_error"])
    return out


def body_bytes(response: dict[str, Any]) -> bytes:
    body = response.get("body", {}).get("string", b"")
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _load_response(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or "status" not in entry:
        raise ValueError(f"{where}.response needs a status")
    response: dict[str, Any] = {
        "status": {"code": int(entry["status"]), "message": entry.get("reason", "")},
        "headers": {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in (entry.get("headers") or {}).items()},
    }
    framing = next((f.name for f in FRAMINGS if f.name in entry), None)
    if framing is not None:
        chunks, offsets = decode_events(framing, entry[framing], f"{where}.response")
        response["chunks"] = chunks
        response["offsets"] = offsets
        response["body"] = {"string": b"".join(chunks)}
    else:
        response["body"] = {"string": _decode_body(entry.get("body", {"text": ""}), f"{where}.response.body")}
    if entry.get("started") is not None:
        response["started"] = float(entry["started"])
    if entry.get("stream_error"):
        error = entry["stream_error"]
        if not isinstance(error, dict) or "type" not in error:
            raise ValueError(f"{where}.response.stream_error needs a type")
        response["stream_error"] = {"type": str(error["type"]), "message": str(error.get("message", ""))}
    return response


def dump(requests: Sequence[Request], responses: Sequence[dict[str, Any]], *, recorded_at: str | None = None) -> str:
    """Serialize interactions to the cassette text (format version 1); ``recorded_at`` is an ISO 8601 time."""
    nonce = uuid.uuid4().hex
    blocks: list[list[dict[str, Any]]] = []
    interactions = []
    for req, resp in zip(requests, responses, strict=True):
        response = _dump_response(resp)
        block = next((response[f.name] for f in FRAMINGS if f.name in response), None)
        if block is not None:
            blocks.append(block["events"])
            block["events"] = f"__events_{nonce}_{len(blocks) - 1}__"
        interactions.append({"request": _dump_request(req), "response": response})
    stamp = {} if recorded_at is None else {"recorded_at": recorded_at}
    document = {_VERSION_KEY: FORMAT_VERSION, **stamp, "interactions": interactions}
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
    Another tool's cassette (vcrpy, pytest-recording, cassetter) is read by
    ``streamtest._cassette.foreign`` into the same form.
    """
    if is_foreign(text, path):
        return load_foreign(text, path)
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
            return load_foreign(text, path)
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
