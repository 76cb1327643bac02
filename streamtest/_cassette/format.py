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
          events:  # one JSON object per line (2 lines, 123 bytes, crc32 5d1e0c3a)
          - {"t":0.1021,"data":{"id":"chatcmpl-1","choices":[...]}}
          - {"t":0.1104,"text":"[DONE]"}

Every event is one line, a JSON object (JSON is YAML too, so any YAML tool
reads the file), so a re-recording diffs by token. An event is written as
parsed JSON (``data``) only when re-encoding it gives the recorded bytes back;
otherwise as its data string (``text``) or, for comments, multi-line data or a
broken tail, as the whole event (``raw``). Non-SSE bodies follow the same
rule: ``json`` (+ ``json_style``), ``text`` or ``base64``. Replay therefore
delivers exactly the bytes that were recorded.

Loading (bench row 4 measures it against vcrpy and cassetter):

- The events blocks are cut out of the file as lines before YAML sees it;
  YAML parses the rest, which is small. A block edited into other YAML still
  loads, through YAML.
- The comment on an events block gives its line count, byte size and CRC-32.
  When they match, the lines are byte for byte what :func:`dump` wrote
  (and checked) when it recorded them, and the SSE codec cuts each event's
  wire bytes out of its line (see ``events.py``). When they do not (an edited
  line, a merge, a file written by hand or by an older streamtest), every
  line is parsed and checked. A CRC guards against accidents, not against
  someone forging a file: a forged ``data`` line replays as written, which
  is what a ``text`` line may do anyway.
- Everything is checked here, at load: a file that loads replays without
  errors of its own. A problem raises ``CassetteCorruptError`` naming the
  file, the interaction, the field and, for an event, its line.
- YAML aliases are refused and nesting is bounded, so no file costs more than
  a small multiple of its size to load.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import functools
import gc
import json
import math
import os
import re
import uuid
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import yaml
from vcr.request import Request

from streamtest._cassette.blockyaml import read_block
from streamtest._cassette.events import EventLines, decode_events, encode_events
from streamtest._cassette.foreign import is_foreign, load_foreign, raw_dialect
from streamtest._cassette.httptoken import TOKEN, http_method
from streamtest._cassette.jsonstyle import ENCODERS, json_style
from streamtest._cassette.yamlsafe import MAX_DEPTH, check_nodes
from streamtest._exceptions import CassetteCorruptError, CassetteVersionError, StreamtestError
from streamtest._wire.framing import FRAMINGS, Framing, framing_for

__all__ = [
    "FORMAT_VERSION",
    "LoadedFile",
    "body_bytes",
    "dump",
    "framing_of",
    "load",
    "load_path",
    "read_path",
    "sse_response",
    "try_json",
]

FORMAT_VERSION = 1
_VERSION_KEY = "streamtest_format"

try:  # libyaml is ~10x faster on large cassettes; fall back to pure Python.
    _BaseLoader: type = yaml.CSafeLoader
    _BaseDumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader
    _BaseDumper = yaml.SafeDumper


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with timestamps kept as the text they are (JSON has no dates)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:value", _Loader.construct_yaml_str)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """The safe dumper, never writing anchors or aliases (the loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# Tags a cassette may use: JSON's types. Aliases, !!binary, !!set, !!omap, !!python/... are refused.
_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge", "value")
)

# The scalar an events block is replaced with while YAML reads the rest: random per process, so no file can hold it.
_PLACEHOLDER = f"streamtest-events-{uuid.uuid4().hex}"
_EVENTS_COMMENT = "# one JSON object per line"
_EVENTS_HEADER = b"events:  " + _EVENTS_COMMENT.encode()
# What dump adds to the header: the block's size and CRC-32, so the loader can tell an untouched block.
_CHECK = re.compile(rb" \((\d+) lines, (\d+) bytes, crc32 ([0-9a-f]{8})\)")


def _event_line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


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
        raise ValueError(f"{where} must be a mapping with json, text or base64")
    if "json" in entry:
        style = entry.get("json_style", "compact")
        encoder = ENCODERS.get(style) if isinstance(style, str) else None
        if encoder is None:
            raise ValueError(f"{where} has unknown json_style {style!r} ({', '.join(ENCODERS)})")
        return _utf8(encoder.encode(entry["json"]), f"{where}.json")
    if "text" in entry:
        return _utf8(_text(entry["text"], f"{where}.text"), f"{where}.text")
    if "base64" in entry:
        try:
            return base64.b64decode(_text(entry["base64"], f"{where}.base64"), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"{where}.base64 is not base64 ({exc})") from None
    raise ValueError(f"{where} needs one of json, text, base64")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be text, not {type(value).__name__}")
    return value


def _utf8(text: str, where: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{where} holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


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


_SCALARS = (str, int, float, bool)


def _header_text(value: Any, where: str) -> str:
    """A header name or value as the replay transport will send it: one line of ASCII."""
    if not isinstance(value, _SCALARS):
        raise ValueError(f"{where} must be text, not {type(value).__name__}")
    text = str(value)
    if not text.isascii() or "\n" in text or "\r" in text or "\0" in text:
        raise ValueError(f"{where} must be one line of ASCII, not {text!r:.60}")
    return text


def _load_headers(entry: Any, where: str) -> dict[str, list[str]]:
    if entry is None:
        return {}
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a mapping of header names to values")
    headers: dict[str, list[str]] = {}
    for name, value in entry.items():
        key = _header_text(name, f"{where} name")
        if not TOKEN.fullmatch(key):
            raise ValueError(f"{where} has an invalid header name {key!r:.60}")
        values = value if isinstance(value, list) else [value]
        headers[key] = [_header_text(v, f"{where}.{key}") for v in values]
    return headers


def _load_request(entry: Any, where: str) -> Request:
    where = f"{where}.request"
    if not isinstance(entry, dict) or "method" not in entry or "uri" not in entry:
        raise ValueError(f"{where} needs method and uri")
    method, uri = http_method(entry["method"], where), entry["uri"]
    if not isinstance(uri, str):
        raise ValueError(f"{where}.uri must be text, not {type(uri).__name__}")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"{where}.uri is not a URL ({exc}): {uri!r:.80}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or not uri.isascii() or any(c in uri for c in " \r\n\t\0"):
        raise ValueError(f"{where}.uri must be an http(s) URL in ASCII, not {uri!r:.80}")
    body = _decode_body(entry["body"], f"{where}.body") if entry.get("body") is not None else b""
    headers = {name: values[0] if values else "" for name, values in _load_headers(entry.get("headers"), f"{where}.headers").items()}
    return Request(method, uri, body, headers)


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


# The recorded exception type of a broken stream: ``module.Name`` (see transport._raise_recorded).
_ERROR_TYPE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _load_stream_error(error: Any, where: str) -> dict[str, str]:
    where = f"{where}.stream_error"
    if not isinstance(error, dict) or not isinstance(error.get("type"), str):
        raise ValueError(f"{where} needs a type (module.Name of the exception)")
    kind = error["type"]
    if not _ERROR_TYPE.fullmatch(kind):
        raise ValueError(f"{where}.type must read module.Name, not {kind!r:.80}")
    module, _, name = kind.rpartition(".")
    if module == "builtins" and not (isinstance(found := getattr(builtins, name, None), type) and issubclass(found, Exception)):
        raise ValueError(f"{where}.type {kind!r} is not an Exception class")
    message = error.get("message", "")
    if not isinstance(message, _SCALARS) and message is not None:
        raise ValueError(f"{where}.message must be text")
    return {"type": kind, "message": "" if message is None else str(message)}


def _load_response(entry: Any, where: str) -> dict[str, Any]:
    where = f"{where}.response"
    if not isinstance(entry, dict) or "status" not in entry:
        raise ValueError(f"{where} needs a status")
    status, reason = entry["status"], entry.get("reason", "")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"{where}.status must be an HTTP status from 100 to 599, not {status!r:.40}")
    if reason is not None and not isinstance(reason, _SCALARS):
        raise ValueError(f"{where}.reason must be text")
    response: dict[str, Any] = {
        "status": {"code": status, "message": "" if reason is None else str(reason)},
        "headers": _load_headers(entry.get("headers"), f"{where}.headers"),
    }
    framing = next((f.name for f in FRAMINGS if f.name in entry), None)
    if framing is not None:
        chunks, offsets = decode_events(framing, entry[framing], where)
        response["chunks"] = chunks
        response["offsets"] = offsets
        response["body"] = JoinedBody(chunks)
    else:
        body = entry.get("body")
        response["body"] = {"string": b"" if body is None else _decode_body(body, f"{where}.body")}
    if entry.get("started") is not None:
        response["started"] = _seconds(entry["started"], f"{where}.started")
    if entry.get("stream_error"):
        response["stream_error"] = _load_stream_error(entry["stream_error"], where)
    return response


class JoinedBody(dict):  # type: ignore[type-arg]
    """vcrpy's ``{"string": body}`` for a streamed response, joined from its chunks when first read.

    Replay serves the chunks; only vcrpy's stubs for other HTTP libraries
    (requests, aiohttp...) read the whole body. Joining it up front cost a
    copy of every byte (27 MB and 6 ms for 100,000 events, bench row 4).
    Every way of reading the dict joins it first, so it behaves as the plain
    ``{"string": b"".join(chunks)}`` it stands for.
    """

    def __init__(self, chunks: Sequence[bytes]) -> None:
        super().__init__()
        self.chunks = chunks

    def _joined(self) -> JoinedBody:
        if not super().__contains__("string"):
            super().__setitem__("string", b"".join(self.chunks))
        return self

    def __missing__(self, key: str) -> bytes:
        if key != "string":
            raise KeyError(key)
        return self._joined()["string"]  # type: ignore[no-any-return]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key == "string" else super().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key == "string" or super().__contains__(key)

    def __iter__(self) -> Any:
        return super(JoinedBody, self._joined()).__iter__()

    def __len__(self) -> int:
        return super(JoinedBody, self._joined()).__len__()

    def keys(self) -> Any:
        return super(JoinedBody, self._joined()).keys()

    def values(self) -> Any:
        return super(JoinedBody, self._joined()).values()

    def items(self) -> Any:
        return super(JoinedBody, self._joined()).items()

    def __eq__(self, other: object) -> bool:
        return super(JoinedBody, self._joined()).__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return super(JoinedBody, self._joined()).__repr__()

    def copy(self) -> dict[str, Any]:
        return dict(self._joined())

    def __reduce__(self) -> tuple[Any, ...]:
        return (JoinedBody, (self.chunks,))


# --------------------------------------------------------------------------- dump


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
        if not blocks[number]:
            return f"{indent}events: []"
        lines = "\n".join(f"{indent}- {_event_line(event)}" for event in blocks[number]).encode("utf-8")
        check = f"({len(blocks[number])} lines, {len(lines)} bytes, crc32 {zlib.crc32(lines):08x})"
        return f"{indent}events:  {_EVENTS_COMMENT} {check}\n{lines.decode('utf-8')}"

    return re.sub(rf"^( *)events: __events_{nonce}_(\d+)__$", events_block, text, flags=re.M)


# --------------------------------------------------------------------------- load


def load(text: str | bytes, path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    """Parse a cassette (text, or the file's bytes); errors name the file and what is wrong, and where.

    Raises only :class:`~streamtest.CassetteCorruptError` and
    :class:`~streamtest.CassetteVersionError`. Another tool's cassette (vcrpy,
    pytest-recording, cassetter) is read by ``streamtest._cassette.foreign``
    into the same form. The cyclic garbage collector is paused while parsing:
    a large cassette allocates many small containers, and collections
    triggered by them made loading cost grow faster than the file (bench row 4).
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    enabled = gc.isenabled()
    gc.disable()
    try:
        if not raw.startswith(_VERSION_KEY.encode()) and is_foreign(decoded := _utf8_text(raw, path), path):
            return load_foreign(decoded, path)
        try:
            return _load(raw, path)
        except _ForeignDocument:
            return load_foreign(_utf8_text(raw, path), path)
    except StreamtestError:
        raise
    except RecursionError:
        raise CassetteCorruptError(path, "nested too deeply to read") from None
    except Exception as exc:  # the last line of defence: nothing but our errors leaves load
        raise CassetteCorruptError(path, f"unreadable ({type(exc).__name__}: {exc})".replace("\n", " ")) from exc
    finally:
        if enabled:
            gc.enable()


def _load(raw: bytes, path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    yaml_text, blocks = _cut_event_lines(raw)
    document = _parse_yaml(yaml_text, path)
    if blocks and _resolve_events(document, blocks) != len(blocks):
        # A header-like line sat somewhere else (inside a text body, under another key): read the file as it is.
        document = _parse_yaml(raw, path)
    if not isinstance(document, dict):
        raise CassetteCorruptError(path, "the file is not a mapping with a 'streamtest_format' key")
    if _VERSION_KEY not in document:
        if "interactions" in document and "version" in document:
            raise _ForeignDocument
        raise CassetteCorruptError(path, f"missing the {_VERSION_KEY!r} key")
    version = document[_VERSION_KEY]
    if type(version) is not int or version != FORMAT_VERSION:
        raise CassetteVersionError(path, version if isinstance(version, int | float | str) else type(version).__name__, FORMAT_VERSION)
    interactions = document.get("interactions")
    if interactions is None:
        interactions = []
    if not isinstance(interactions, list):
        raise CassetteCorruptError(path, "'interactions' must be a list")
    requests, responses = [], []
    for number, item in enumerate(interactions, 1):
        where = f"interaction {number}"
        try:
            if not isinstance(item, dict):
                raise ValueError(f"{where} must be a mapping with request and response")
            requests.append(_load_request(item.get("request"), where))
            responses.append(_load_response(item.get("response"), where))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError) as exc:
            message = str(exc)
            raise CassetteCorruptError(path, message if message.startswith(where) else f"{where}: {message}") from None
        except RecursionError:
            raise CassetteCorruptError(path, f"{where} is nested too deeply to read") from None
    return requests, responses


class _ForeignDocument(Exception):
    """The file parsed as another tool's cassette (``version`` + ``interactions``): ``load`` hands it to the foreign reader."""


def _utf8_text(raw: bytes, path: str | Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteCorruptError(path, f"the file is not UTF-8 text (byte {exc.start})") from None


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"{where} must be a finite number of seconds >= 0, not {value!r:.40}")
    return float(value)


def _resolve_events(document: Any, blocks: dict[str, EventLines]) -> int:
    """Put each events block cut out of the file back where YAML found its placeholder; how many were."""
    resolved = 0
    interactions = document.get("interactions") if isinstance(document, dict) else None
    for item in interactions if isinstance(interactions, list) else ():
        response = item.get("response") if isinstance(item, dict) else None
        for framing in FRAMINGS if isinstance(response, dict) else ():
            entry = response.get(framing.name)  # type: ignore[union-attr]
            if isinstance(entry, dict) and isinstance(entry.get("events"), str) and entry["events"] in blocks:
                entry["events"] = blocks[entry["events"]]
                resolved += 1
    return resolved


def _cut_event_lines(raw: bytes) -> tuple[bytes, dict[str, EventLines]]:
    """Cut every events block of JSON lines out of the file; return the rest and the blocks by placeholder.

    A block is the header line (``<indent>events:  # one JSON object per
    line...``) and the lines below it that start with ``<indent>- ``. Its
    place in the YAML gets a placeholder scalar. Only ``bytes`` searches run
    over the file here; no line is split off or decoded.
    """
    at = raw.find(_EVENTS_HEADER)
    if at < 0:
        return raw, {}
    pieces: list[bytes] = []
    blocks: dict[str, EventLines] = {}
    done = 0  # raw[:done] is in pieces, or cut
    while at >= 0:
        line_start = raw.rfind(b"\n", 0, at) + 1
        header_end = raw.find(b"\n", at)
        indent = raw[line_start:at]
        tail = raw[at + len(_EVENTS_HEADER) : header_end]
        check = _CHECK.fullmatch(tail)
        if line_start >= done and header_end >= 0 and indent.strip(b" ") == b"" and (check or not tail.strip()):
            item = indent + b"- "
            start = header_end + 1
            end, count, checked = _block_end(raw, start, item, check)
            if count:
                placeholder = f"{_PLACEHOLDER}-{len(blocks)}"
                blocks[placeholder] = EventLines(raw, start, end, count, len(item), checked)
                pieces += [raw[done:line_start], indent, b"events: ", placeholder.encode("ascii")]
                done = end
        at = raw.find(_EVENTS_HEADER, max(done, at + len(_EVENTS_HEADER)))
    pieces.append(raw[done:])
    return b"".join(pieces), blocks


def _block_end(raw: bytes, start: int, item: bytes, check: re.Match[bytes] | None) -> tuple[int, int, bool]:
    """Where the block from ``start`` ends, its line count, and whether its size and CRC vouch for it."""
    if check is not None:
        end = start + int(check.group(2))
        count = int(check.group(1))
        if (
            raw.startswith(item, start)
            and raw[end : end + 1] in (b"\n", b"")
            and not raw.startswith(item, end + 1)
            and zlib.crc32(memoryview(raw)[start:end]) == int(check.group(3), 16)
        ):
            return end, count, True
    if not raw.startswith(item, start):
        return start, 0, False
    found = _block_stop(item).search(raw, start)
    end = found.start() if found else len(raw)
    return end, raw.count(b"\n", start, end) + 1, False


@functools.lru_cache(maxsize=16)
def _block_stop(item: bytes) -> re.Pattern[bytes]:
    """The end of a block: a line break not followed by another ``<indent>- `` line."""
    return re.compile(b"\n(?!" + re.escape(item) + b")")


def _parse_yaml(text: bytes, path: str | Path) -> Any:
    """The document, checked for aliases, foreign tags and depth as it is built.

    What the dumper wrote is read by ``blockyaml`` without libyaml; anything
    else (hand-edited, another tool's, damaged) by libyaml and the checking walk.
    """
    decoded = _utf8_text(text, path)
    document = read_block(decoded)
    return document if document is not None else _parse_yaml_nodes(decoded, path)


def _parse_yaml_nodes(decoded: str, path: str | Path) -> Any:
    """libyaml's nodes, built by :class:`_Builder` (refusing aliases, foreign tags and deep nesting)."""
    loader = _Loader(decoded)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _Builder(loader, path).build(node, 1)
        except _MergeKey:
            check_nodes(node, path, _TAGS)
            return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise CassetteCorruptError(path, f"not valid YAML ({exc})".replace("\n", " ")) from None
    finally:
        loader.dispose()


class _MergeKey(Exception):
    """A ``<<`` merge key: left to PyYAML's own constructor, which knows how to flatten it."""


_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"


class _Builder:
    """Python values from YAML nodes in one walk, refusing aliases, foreign tags and deep nesting on the way.

    PyYAML's constructor builds containers through generators and a cache of
    every node; for the few dozen nodes around a cassette's events this walk
    does the same with half the time (bench row 4 at 100 events), and checks
    as it goes. Scalars go through PyYAML's own constructors, so ``0x1f``,
    ``1_000``, ``.inf``, ``yes`` mean what YAML 1.1 says.
    """

    def __init__(self, loader: Any, path: str | Path) -> None:
        self.loader = loader
        self.path = path
        self.seen: set[int] = set()
        self.scalars = {
            _TAG + "str": None,
            _TAG + "timestamp": None,
            _TAG + "value": None,
            _TAG + "int": loader.construct_yaml_int,
            _TAG + "float": loader.construct_yaml_float,
            _TAG + "bool": loader.construct_yaml_bool,
            _TAG + "null": loader.construct_yaml_null,
        }

    def refuse(self, node: yaml.Node, problem: str) -> CassetteCorruptError:
        return CassetteCorruptError(self.path, f"{problem} (line {node.start_mark.line + 1})")

    def build(self, node: yaml.Node, depth: int) -> Any:
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):  # an aliased scalar costs nothing: only containers are tracked
            if tag == _STR:
                return node.value
            if tag not in self.scalars:
                raise self.refuse(node, f"uses the YAML tag {tag}; a cassette holds JSON types only")
            construct = self.scalars[tag]
            return node.value if construct is None else construct(node)
        if id(node) in self.seen:
            raise self.refuse(node, "uses a YAML alias; streamtest cassettes never do")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            if tag != _TAG + "seq":
                raise self.refuse(node, f"uses the YAML tag {tag}; a cassette holds JSON types only")
            return [self.build(child, depth + 1) for child in node.value]
        if tag != _TAG + "map":
            raise self.refuse(node, f"uses the YAML tag {tag}; a cassette holds JSON types only")
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            elif key_node.tag == _TAG + "merge":
                raise _MergeKey
            else:
                key = self.build(key_node, depth + 1)
                if isinstance(key, list | dict):
                    raise self.refuse(key_node, "uses a list or mapping as a mapping key")
            mapping[key] = self.build(value_node, depth + 1)
        return mapping


def load_path(path: str | Path) -> tuple[list[Request], list[dict[str, Any]]]:
    """Read and parse a cassette file: ``(requests, responses)`` (see :func:`read_path`)."""
    loaded = read_path(path)
    return loaded.requests, loaded.responses


class LoadedFile(NamedTuple):
    """A cassette file, read: its requests and responses, and which tool wrote it."""

    requests: list[Request]
    responses: list[dict[str, Any]]
    dialect: str | None
    """A key of ``foreign.DIALECTS``, or ``None`` for streamtest's own format."""


def read_path(path: str | Path, stat: os.stat_result | None = None) -> LoadedFile:
    """Read and parse a cassette file; ``stat`` is its ``os.stat`` when the caller has it already.

    Parsing is cached by (path, mtime, size): a suite replays the same cassette
    in many tests, and YAML parsing is most of a replay's set-up cost. Callers
    get fresh lists; the requests and response dicts inside are shared and
    never mutated by the replay path. The dialect comes from the bytes read
    for parsing: a test's set-up opens its cassette once.
    """
    stat = stat or os.stat(path)
    requests, responses, dialect = _load_cached(os.fspath(path), stat.st_mtime_ns, stat.st_size)
    return LoadedFile(list(requests), list(responses), dialect)


@functools.lru_cache(maxsize=64)
def _load_cached(
    path: str, mtime_ns: int, size: int
) -> tuple[tuple[Request, ...], tuple[dict[str, Any], ...], str | None]:
    raw = Path(path).read_bytes()
    requests, responses = load(raw, path)
    return tuple(requests), tuple(responses), raw_dialect(raw, path)


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

