"""Cassettes other tools wrote, read as they are: vcrpy (YAML or JSON, pytest-recording's too) and cassetter.

A project that moves to streamtest already holds recordings, made with keys it
may no longer have. This module reads them into the in-memory form
:mod:`streamtest._cassette.format` returns (vcrpy ``Request`` objects and
response dicts with ``chunks``), so they replay under
``@pytest.mark.streamtest`` without conversion, and ``streamtest import``
rewrites them in streamtest's format.

What each tool keeps on disk (measured on vcrpy 9.4 / pytest-recording 0.14 and
cassetter 0.16):

- **vcrpy YAML** (``version: 1`` + ``interactions``; the default serializer,
  pytest-recording's ``<test>.yaml``): ``response.status`` is
  ``{code, message}``, ``response.body.string`` a str, or ``!!binary`` bytes
  when vcrpy kept a compressed body as it came off the wire
  (``content-encoding: gzip``); request bodies a str, ``''`` or ``null``; every
  header value a list. vcrpy's benign ``!!python/str|unicode|tuple``,
  ``BytesIO`` and ``iter`` tags are read the way its own loader reads them.
- **vcrpy JSON** (``serializer: json``, which pytest-recording names
  ``<test>.json``): the same document as JSON.
- **cassetter YAML/TOML** (also ``version: 1``): ``status`` an int with no
  reason, bodies as ``{type: json|text|binary|none, content}`` (TOML:
  ``body_type`` / ``body_content``), ``recorded_at`` per interaction.

Neither tool keeps event boundaries or timing: an SSE body is one string. It is
cut into events here with the response's framing
(:func:`streamtest._wire.framing.framing_for`), so replay still serves one
event per chunk, and ``offsets`` is ``None`` ("no timing known"). A gzip or
deflate body is decoded first. :func:`load_foreign` then runs the same scrubber
a recording goes through, in memory, so a credential a vcrpy cassette kept
(vcrpy filters nothing by default) is not carried any further.
"""

from __future__ import annotations

import http
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from streamtest._cassette.httptoken import http_method
from streamtest._cassette.scrub import ScrubPolicy, scrub_request, scrub_response
from streamtest._cassette.yamlsafe import load_checked
from streamtest._exceptions import CassetteCorruptError
from streamtest._wire.framing import framing_for

__all__ = ["DIALECTS", "ForeignCassette", "file_dialect", "is_foreign", "load_foreign", "raw_dialect", "read_foreign"]

DIALECTS = {
    "vcrpy": "a vcrpy YAML cassette (pytest-recording's default)",
    "vcrpy-json": "a vcrpy JSON cassette (pytest-recording with serializer='json')",
    "cassetter": "a cassetter YAML cassette",
    "cassetter-toml": "a cassetter TOML cassette",
}

# Ours starts with this key (dump writes it first); a file edited by hand may have it further down.
_OURS = re.compile(r"""^["']?streamtest_format["']?[ \t]*:""", re.M)
_INTERACTIONS = re.compile(r"""^["']?interactions["']?[ \t]*:""", re.M)
_CASSETTER_STATUS = re.compile(r"^[ \t]+status[ \t]*:[ \t]*\d+[ \t]*$", re.M)  # vcrpy nests {code, message}
_HEAD = 1 << 16
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def is_foreign(text: str, path: str | Path) -> bool:
    """Whether ``text`` is another tool's cassette (a cheap look at the text; nothing is parsed).

    streamtest's own files start with ``streamtest_format:``, so the common case
    costs one anchored match.
    """
    if _OURS.match(text):
        return False
    if Path(path).suffix == ".toml" or text.lstrip().startswith("{"):
        return True
    return bool(_INTERACTIONS.search(text)) and not _OURS.search(text)


def file_dialect(path: str | Path) -> str | None:
    """Which tool wrote the cassette at ``path`` (a key of :data:`DIALECTS`), from its first 64 KiB.

    ``None`` for streamtest's own files (and files that are no cassette). A sniff,
    for labels (the run summary, the command); :func:`read_foreign` decides from
    the parsed document.
    """
    with open(path, encoding="utf-8", errors="replace") as handle:
        head = handle.read(256)  # enough for streamtest's own first line: the common case
        if _OURS.match(head):
            return None
        head += handle.read(_HEAD)
    return _dialect_of(head, path)


def _dialect_of(head: str, path: str | Path) -> str | None:
    """:func:`file_dialect` of a file whose first 64 KiB (newlines as ``\\n``) are ``head``."""
    if not is_foreign(head, path):
        return None
    if Path(path).suffix == ".toml":
        return "cassetter-toml"
    if head.lstrip().startswith("{"):
        return "vcrpy-json"
    return "cassetter" if _CASSETTER_STATUS.search(head) else "vcrpy"


def raw_dialect(raw: bytes, path: str | Path) -> str | None:
    """:func:`file_dialect` of a file whose bytes are ``raw`` (read already: no second open)."""
    if _OURS.match(raw[:256].decode("utf-8", "replace")):  # the common case, as file_dialect checks it
        return None
    head = raw[: _HEAD + 256].decode("utf-8", "replace")
    return _dialect_of(head.replace("\r\n", "\n").replace("\r", "\n"), path)  # as text mode reads it


@dataclass(frozen=True)
class ForeignCassette:
    """Another tool's cassette, read: vcrpy requests and streamtest response dicts, not yet scrubbed."""

    dialect: str
    """A key of :data:`DIALECTS`."""
    requests: list[Request]
    responses: list[dict[str, Any]]
    notes: tuple[str, ...] = field(default=())
    """What reading changed, one line per fact (``interaction 1: gzip body decoded``)."""


def read_foreign(text: str, path: str | Path) -> ForeignCassette:
    """Parse another tool's cassette; a :class:`CassetteCorruptError` names the file and the problem."""
    path = Path(path)
    document, dialect = _parse(text, path)
    notes: list[str] = []
    requests: list[Request] = []
    responses: list[dict[str, Any]] = []
    read = _VCRPY if dialect.startswith("vcrpy") else _CASSETTER
    interactions = document.get("interactions")
    if interactions is None:
        interactions = []
    if not isinstance(interactions, list):
        raise CassetteCorruptError(path, f"{DIALECTS[dialect]} whose 'interactions' is not a list")
    for number, item in enumerate(interactions, 1):
        where = f"interaction {number}"
        try:
            if not isinstance(item, dict) or not isinstance(item.get("request"), dict) or not isinstance(item.get("response"), dict):
                raise ValueError(f"{where} needs a request and a response mapping")
            request = read.request(item["request"], where)
            response = _finish(read.response(item["response"], where), where, notes)
        except (ValueError, TypeError, KeyError) as exc:
            raise CassetteCorruptError(path, f"{DIALECTS[dialect]}: {exc}") from exc
        requests.append(request)
        responses.append(response)
    return ForeignCassette(dialect, requests, responses, tuple(notes))


def load_foreign(
    text: str, path: str | Path, policy: ScrubPolicy | None = None
) -> tuple[list[Request], list[dict[str, Any]]]:
    """What :func:`streamtest._cassette.format.load` returns for another tool's cassette: read, then scrubbed."""
    policy = policy or ScrubPolicy()
    foreign = read_foreign(text, path)
    return (
        [scrub_request(request, policy) for request in foreign.requests],
        [scrub_response(response, policy) for response in foreign.responses],
    )


# --------------------------------------------------------------------------- parsing


_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _VcrLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader plus the benign ``!!python/...`` tags vcrpy's own loader reads (and no others)."""


def _bytesio(loader: Any, node: Any) -> bytes:
    state = loader.construct_mapping(node, deep=True).get("state") or (b"",)
    return _as_bytes(state[0] if state else b"")


def _iterated(loader: Any, node: Any) -> bytes:
    args: Any = loader.construct_mapping(node, deep=True).get("args") or ([],)
    return b"".join(_as_bytes(part) for part in (args[0] if args else []))


for _tag, _constructor in {
    "python/str": lambda loader, node: loader.construct_scalar(node),
    "python/unicode": lambda loader, node: loader.construct_scalar(node),
    "python/tuple": lambda loader, node: tuple(loader.construct_sequence(node)),
    "python/object/new:_io.BytesIO": _bytesio,
    "python/object/apply:builtins.iter": _iterated,
}.items():
    _VcrLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)


def _parse(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """The document and its dialect."""
    if path.suffix == ".toml":
        import tomllib

        try:
            return tomllib.loads(text), "cassetter-toml"
        except tomllib.TOMLDecodeError as exc:
            raise CassetteCorruptError(path, f"not valid TOML ({exc})") from exc
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise CassetteCorruptError(path, f"not valid JSON ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
            raise CassetteCorruptError(path, "JSON, but not a vcrpy cassette (no 'interactions' list)")
        return document, "vcrpy-json"
    try:
        document = load_checked(text, _VcrLoader, path)  # a safe loader plus vcrpy's benign tags; no aliases
    except yaml.YAMLError as exc:
        raise CassetteCorruptError(path, f"not valid YAML ({exc})".replace("\n", " ")) from exc
    if not isinstance(document, dict) or "interactions" not in document:
        raise CassetteCorruptError(path, "not a streamtest, vcrpy or cassetter cassette (no 'interactions')")
    first = next(iter(document.get("interactions") or []), None)
    response = first.get("response") if isinstance(first, dict) else None
    if isinstance(response, dict) and isinstance(response.get("status"), int):
        return document, "cassetter"
    return document, "vcrpy"


# --------------------------------------------------------------------------- the two tools' shapes


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, io.BytesIO):
        return value.getvalue()
    return str(value).encode("utf-8")


def _header_lists(headers: Any) -> dict[str, list[str]]:
    if not headers:
        return {}
    if not isinstance(headers, dict):
        raise ValueError("headers must be a mapping")
    return {str(k): [str(x) for x in (v if isinstance(v, list | tuple) else [v])] for k, v in headers.items()}


def _request(method: Any, uri: Any, body: bytes, headers: Any, where: str) -> Request:
    if not method or not uri:
        raise ValueError(f"{where}.request needs method and uri")
    first_values = {name: values[0] for name, values in _header_lists(headers).items() if values}
    return Request(http_method(method, f"{where}.request"), str(uri), body, first_values)


def _response(code: Any, reason: Any, headers: Any, body: bytes) -> dict[str, Any]:
    code = int(code)
    if not reason:
        reason = http.HTTPStatus(code).phrase if code in http.HTTPStatus._value2member_map_ else ""
    return {"status": {"code": code, "message": str(reason)}, "headers": _header_lists(headers), "body": {"string": body}}


@dataclass(frozen=True)
class _Shape:
    request: Callable[[dict[str, Any], str], Request]
    response: Callable[[dict[str, Any], str], dict[str, Any]]


def _vcrpy_body(body: Any) -> bytes:
    return _as_bytes(body.get("string") if isinstance(body, dict) else body)


def _vcrpy_response(entry: dict[str, Any], where: str) -> dict[str, Any]:
    status = entry.get("status")
    if not isinstance(status, dict) or "code" not in status:
        raise ValueError(f"{where}.response.status needs a code")
    return _response(status["code"], status.get("message"), entry.get("headers"), _vcrpy_body(entry.get("body")))


_VCRPY = _Shape(
    request=lambda entry, where: _request(entry.get("method"), entry.get("uri"), _vcrpy_body(entry.get("body")), entry.get("headers"), where),
    response=_vcrpy_response,
)


def _cassetter_body(entry: dict[str, Any]) -> bytes:
    """The bytes cassetter itself serves (``cassetter.compare.body_to_bytes``); TOML keeps ``body_type``/``body_content``."""
    body = entry.get("body")
    if isinstance(body, dict):
        kind, content = body.get("type", "none"), body.get("content")
    else:
        kind, content = entry.get("body_type", "none"), entry.get("body_content")
        if kind == "json" and isinstance(content, str):
            content = json.loads(content)
    if kind == "json":
        return json.dumps(content).encode("utf-8")
    if kind == "text":
        return _as_bytes(content)
    if kind == "binary":
        return bytes.fromhex(content or "")
    if kind == "none":
        return b""
    raise ValueError(f"body type {kind!r} is not one cassetter writes (json, text, binary, none)")


def _cassetter_response(entry: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(entry.get("status"), int):
        raise ValueError(f"{where}.response.status must be a number")
    return _response(entry["status"], None, entry.get("headers"), _cassetter_body(entry))


_CASSETTER = _Shape(
    request=lambda entry, where: _request(entry.get("method"), entry.get("uri"), _cassetter_body(entry), entry.get("headers"), where),
    response=_cassetter_response,
)


# --------------------------------------------------------------------------- bodies as streamtest keeps them


def _header(headers: dict[str, list[str]], name: str) -> str:
    return next((values[0] for key, values in headers.items() if key.lower() == name and values), "")


def _without(headers: dict[str, list[str]], names: Iterable[str]) -> dict[str, list[str]]:
    return {key: values for key, values in headers.items() if key.lower() not in names}


def _finish(response: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    """Decode a compressed body and cut a streamed one into frames (no timing known)."""
    headers: dict[str, list[str]] = response["headers"]
    body: bytes = response["body"]["string"]
    encoding = _header(headers, "content-encoding").strip().lower()
    if encoding in _DECODERS:
        try:
            body = zlib.decompressobj(_DECODERS[encoding]).decompress(body)
        except zlib.error as exc:
            raise ValueError(f"{where}.response says content-encoding {encoding}, but the body is not ({exc})") from exc
        headers = _without(headers, ("content-encoding", "content-length"))
        notes.append(f"{where}: {encoding} body decoded ({len(body)} bytes)")
    response = {**response, "headers": headers, "body": {"string": body}}
    framing = framing_for(_header(headers, "content-type"))
    if framing is not None and encoding in ("", "identity", *_DECODERS):
        response["chunks"] = framing.split(body)
        response["offsets"] = None
        notes.append(f"{where}: {framing.name} body cut into {len(response['chunks'])} events (no timing known)")
    elif encoding and encoding not in ("identity", *_DECODERS):
        notes.append(f"{where}: content-encoding {encoding} kept as is (replayed as one chunk)")
    return response

