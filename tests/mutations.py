"""Mutated cassettes: what a corrupt, hand-broken or hostile file does to load and replay.

Cassettes are committed, merged and shared, so the loader meets files nobody
wrote with streamtest. The contract (issue 8, items 3, 4 and 11): whatever the
bytes, loading raises only streamtest errors (``CassetteCorruptError`` naming
the file and where in it), at load, never later at replay; and no file costs
more than a small multiple of its size in time or memory.

This module is the shared engine:

- :func:`seed_cassettes`: the project's recorded fixtures plus a few written
  here for shapes the fixtures lack (Responses events, comments, binary
  events, a plain body, a broken stream, an HTTP error);
- :func:`mutations`: a hypothesis strategy of edits (bytes flipped, spans cut
  or repeated, lines dropped or swapped, scalars replaced by hostile YAML or
  JSON values: wrong types, huge numbers, deep nesting, alias bombs...);
- :func:`exercise`: load one file and replay everything in it (each recorded
  request through the replay transport, every byte read, the interaction
  views), and say how it ended.

``tests/test_cassette_robustness.py`` runs it as a property test with a few
hundred examples; ``python -m tests.mutations 5000`` is the one-off
measurement the report quotes (count of foreign exceptions, slowest load,
peak memory).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["Outcome", "apply", "exercise", "mutations", "seed_cassettes"]


# ---------------------------------------------------------------------- seeds


@cache
def seed_cassettes() -> tuple[tuple[str, bytes], ...]:
    """``(name, file bytes)`` of every seed: the recorded fixtures, then shapes they lack."""
    from vcr.request import Request

    from streamtest._cassette.format import dump, sse_response
    from tests.edge_server import chat_chunks

    seeds = [(p.name, p.read_bytes()) for p in sorted((ROOT / "fixtures").glob("*.yaml")) if ".transcript." not in p.name]
    chat = Request("POST", "https://api.openai.com/v1/chat/completions", b'{"model":"m","stream":true}', {"content-type": "application/json"})
    responses = Request("POST", "https://api.openai.com/v1/responses", b'{"model":"m","input":"hi","stream":true}', {})
    named = [
        b'event: response.created\ndata: {"type":"response.created","response":{"id":"r1"}}\n\n',
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":" there \\u2014 \xc3\xbc"}\n\n',
        b'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5}}}\n\n',
    ]
    odd = [
        b": keep-alive\n\n",
        *chat_chunks(["A", "\u00fc"])[:2],
        b'data: {"a": 1}\n\n',
        b"data: line one\ndata: line two\n\n",
        b"id: 7\ndata: {}\n\n",
        b"data: \xff\xfe\n\n",
        b'data: {"choices":[{"delta":{"content":"cut',
    ]
    broken = sse_response(chat_chunks(["partial"])[:2])
    broken["offsets"] = [0.01, 0.02]
    broken["stream_error"] = {"type": "httpx2.RemoteProtocolError", "message": "peer closed connection"}
    plain = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/json"]},
        "body": {"string": b'{"id": "x", "data": [1, 2.5, null, "\\u00e9"]}'},
    }
    error = {
        "status": {"code": 429, "message": "Too Many Requests"},
        "headers": {"content-type": ["application/json"], "retry-after": ["0"]},
        "body": {"string": b'{"error":{"message":"slow down","type":"rate_limit"}}'},
    }
    binary = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": bytes(range(256))}}
    named_response = sse_response(named)
    named_response["offsets"] = [0.1, 0.2, 0.3, 0.4]
    written = dump(
        [responses, chat, chat, chat, chat, chat],
        [named_response, sse_response(odd), broken, plain, error, binary],
    )
    seeds.append(("written-here.yaml", written.encode("utf-8")))
    return tuple(seeds)


@cache
def foreign_seeds() -> tuple[tuple[str, bytes], ...]:
    """Other tools' cassettes (vcrpy YAML and JSON, cassetter YAML), which ``load`` hands to the foreign reader."""
    from tests.foreign_cassettes import cassetter_yaml, chat_request, sse_response_of, vcrpy_text

    pairs = [(chat_request(), sse_response_of(["Hello", " world"])), (chat_request("again"), sse_response_of(["x"], gzipped=True))]
    return (
        ("vcrpy.yaml", vcrpy_text(pairs).encode("utf-8")),
        ("vcrpy.json", vcrpy_text(pairs[:1], serializer="json").encode("utf-8")),  # vcrpy's JSON cannot hold gzip bytes
        ("cassetter.yaml", cassetter_yaml(["Hello", " world"]).encode("utf-8")),
    )


# ---------------------------------------------------------------------- mutations

# Values a scalar is replaced with: wrong types, edge numbers, hostile YAML.
_YAML_VALUES = (
    "0", "-1", "99", "600", "1000000000000000000000000000000000000000000000000000000000000", "1e400", "-1e400",
    ".nan", ".inf", "null", "~", "true", "''", "[]", "{}", "[1, [2, [3]]]", "{a: {b: {c: 1}}}",
    '"\\ud800"', '"\\x00"', '"caf\\xe9 \\u2014"', "!!binary aGVsbG8=", "!!set {a, b}", "2026-01-01",
    "2026-01-01T00:00:00Z", "!!python/object:os.system", "&a [*a]", "*nope", "? [a]\n: b", "|\n  text",
    "1" * 5000, "0x" + "f" * 40, "'" + "x" * 20000 + "'", "[" * 200 + "]" * 200, "[" * 5000,
)
# Values spliced into an event line's JSON.
_JSON_VALUES = (
    "0", "-1", "1e400", "-0", "1e-400", "NaN", "Infinity", "null", "true", '""', "[]", "{}",
    '"\\ud800"', '"\\u0000"', '"a\\"b"', "9" * 5000, "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000,
    '{"data":1}', '"x","data":{"y":1}', '1,"t":2', "{", "}", '"', "\\",
    '"' + "[" * 3000 + "]" * 3000 + '"', '"[DONE]"', '"\\r\\n"', '"event: x\\ndata: y"',
)
_ALIAS_BOMB = "\n".join(
    ["bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"bomb{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
)


@dataclass(frozen=True)
class Mutation:
    """One edit of a file's bytes; ``describe()`` is what a failing example prints."""

    kind: str
    a: float  # positions and choices, as fractions of the file, so a mutation fits any seed
    b: float
    value: str = ""

    def describe(self) -> str:
        return f"{self.kind}({self.a:.3f}, {self.b:.3f}{', ' + repr(self.value[:40]) if self.value else ''})"


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pick(seq_len: int, fraction: float) -> int:
    return min(seq_len - 1, int(fraction * seq_len)) if seq_len else 0


def _replace_scalar(data: bytes, m: Mutation) -> bytes:
    """Replace the value of one ``key: value`` line outside the event lines."""
    lines = _lines(data)
    candidates = [i for i, line in enumerate(lines) if b": " in line and not line.lstrip().startswith(b"- {")]
    if not candidates:
        return data
    index = candidates[_pick(len(candidates), m.a)]
    key = lines[index].split(b": ", 1)[0]
    lines[index] = key + b": " + m.value.encode("utf-8", "surrogatepass")
    return b"\n".join(lines)


def _splice_json(data: bytes, m: Mutation) -> bytes:
    """Put a hostile JSON value into one event line, at a value position."""
    lines = _lines(data)
    events = [i for i, line in enumerate(lines) if line.lstrip().startswith(b"- {")]
    if not events:
        return data
    index = events[_pick(len(events), m.a)]
    line = lines[index]
    colons = [i for i, c in enumerate(line) if c == ord(":")]
    if not colons:
        return data
    at = colons[_pick(len(colons), m.b)] + 1
    end = at
    while end < len(line) and line[end] not in b",}]":
        end += 1
    lines[index] = line[:at] + m.value.encode("utf-8", "surrogatepass") + line[end:]
    return b"\n".join(lines)


def apply(data: bytes, m: Mutation) -> bytes:
    """``data`` with the edit ``m`` applied."""
    size = len(data)
    if not size:
        return m.value.encode("utf-8", "surrogatepass") if m.kind == "insert" else data
    lines = _lines(data)
    at, other = _pick(size, m.a), _pick(size, m.b)
    if m.kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << int(m.b * 8) % 8)]) + data[at + 1 :]
    if m.kind == "byte":
        return data[:at] + m.value.encode("latin-1", "replace")[:1] + data[at + 1 :]
    if m.kind == "cut":
        start, end = sorted((at, other))
        return data[:start] + data[min(end, start + 4096) :]
    if m.kind == "repeat":
        start, end = sorted((at, other))
        span = data[start : min(end, start + 4096)]
        return data[:start] + span * 3 + data[start:]
    if m.kind == "truncate":
        return data[:at]
    if m.kind == "drop-line":
        i = _pick(len(lines), m.a)
        return b"\n".join(lines[:i] + lines[i + 1 :])
    if m.kind == "repeat-line":
        i = _pick(len(lines), m.a)
        return b"\n".join(lines[: i + 1] + lines[i:])
    if m.kind == "swap-lines":
        i, j = _pick(len(lines), m.a), _pick(len(lines), m.b)
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    if m.kind == "indent":
        i = _pick(len(lines), m.a)
        lines[i] = (b" " * (1 + int(m.b * 5)) + lines[i]) if m.b < 0.5 else lines[i].lstrip(b" ")
        return b"\n".join(lines)
    if m.kind == "insert":
        return data[:at] + m.value.encode("utf-8", "surrogatepass") + data[at:]
    if m.kind == "scalar":
        return _replace_scalar(data, m)
    if m.kind == "json":
        return _splice_json(data, m)
    if m.kind == "alias-bomb":
        # Anchors first (top-level keys), then one scalar somewhere below points at the biggest.
        return _ALIAS_BOMB.encode() + b"\n" + _replace_scalar(data, Mutation("scalar", m.a, m.b, "*b8"))
    raise ValueError(f"unknown mutation {m.kind}")


_FRACTIONS = st.floats(min_value=0, max_value=1, allow_nan=False)


def mutations() -> st.SearchStrategy[list[Mutation]]:
    """One to three edits, any kind, as data (so a failing example prints readably)."""
    plain = st.builds(
        Mutation,
        st.sampled_from(["flip", "cut", "repeat", "truncate", "drop-line", "repeat-line", "swap-lines", "indent", "alias-bomb"]),
        _FRACTIONS,
        _FRACTIONS,
    )
    valued = st.one_of(
        st.builds(Mutation, st.just("scalar"), _FRACTIONS, _FRACTIONS, st.sampled_from(_YAML_VALUES)),
        st.builds(Mutation, st.just("json"), _FRACTIONS, _FRACTIONS, st.sampled_from(_JSON_VALUES)),
        st.builds(Mutation, st.just("insert"), _FRACTIONS, _FRACTIONS, st.sampled_from(_YAML_VALUES + ("\n", "\t", "- ", ": ", "#", "&x ", "*x"))),
        st.builds(Mutation, st.just("byte"), _FRACTIONS, _FRACTIONS, st.sampled_from(["\x00", "\xff", "\r", '"', "{", "-", "\\"])),
    )
    return st.lists(st.one_of(plain, valued), min_size=1, max_size=3)


# ---------------------------------------------------------------------- load and replay


@dataclass
class Outcome:
    """How one file ended: ``ok``, ``refused`` (a streamtest error) or ``foreign`` (anything else).

    Holds the error's type and message, not the exception: a traceback would
    keep every frame's locals (the file's bytes...) alive across thousands of runs.
    """

    kind: str
    stage: str = ""
    error_type: str = ""
    message: str = ""
    load_seconds: float = 0.0
    total_seconds: float = 0.0

    @classmethod
    def of(cls, kind: str, stage: str, error: BaseException | None = None) -> Outcome:
        if error is None:
            return cls(kind, stage)
        return cls(kind, stage, type(error).__name__, str(error))

    def __str__(self) -> str:
        detail = f"{self.error_type}: {self.message}" if self.error_type else ""
        return f"{self.kind} at {self.stage or '-'} ({self.total_seconds * 1e3:.1f} ms) {detail[:300]}"


def _read_views(cassette: Any) -> None:
    for view in cassette.interactions:
        view.tokens, view.text, view.tool_calls, view.reasoning, view.usage  # noqa: B018
        view.finish_reason, view.errors, view.prompt, view.model, view.body, view.path  # noqa: B018


def _replay_all(cassette: Any, requests: Sequence[Any], responses: Sequence[dict[str, Any]]) -> str:
    """Send every recorded request through an httpx2 client under the cassette, read every byte; the stage reached.

    A recorded URI httpx will not build a request from is skipped: no application
    could send it, so it can only ever fail to match.
    """
    import httpx2

    stage = "replay"
    with cassette, httpx2.Client() as client:
        for number, (request, recorded) in enumerate(zip(requests, responses, strict=True), 1):
            stage = f"replay #{number}"
            try:
                outgoing = client.build_request(request.method, request.uri, content=request.body)
            except (httpx2.InvalidURL, httpx2.UnsupportedProtocol):
                continue
            served = bytearray()
            try:
                with client.stream(outgoing.method, outgoing.url, content=request.body) as response:
                    response.status_code, list(response.headers.multi_items())
                    for chunk in response.iter_raw():
                        served += chunk
            except Exception as exc:
                # The recorded break, raised again as its type (or httpx2.ReadError when that type is unknown).
                error = recorded.get("stream_error")
                kind = type(exc)
                if error is None or (f"{kind.__module__}.{kind.__qualname__}" != error["type"] and not isinstance(exc, httpx2.ReadError)):
                    raise
            if served != b"".join(recorded.get("chunks") or [recorded["body"]["string"]]):
                raise AssertionError(f"interaction {number}: replay served other bytes than the cassette holds")
    return stage


def exercise(data: bytes, folder: Path, name: str = "mutated.yaml") -> Outcome:
    """Load ``data`` as a cassette file and replay everything in it; never raises."""
    from streamtest._cassette.format import load_path
    from streamtest._exceptions import StreamtestError
    from streamtest._replay.cassette import Cassette

    path = folder / name
    path.write_bytes(data)
    stage = "load"
    started = time.perf_counter()
    load_seconds = None
    try:
        requests, responses = load_path(path)
        load_seconds = time.perf_counter() - started
        stage = "views"
        cassette = Cassette(path, recording=False, requests=requests, responses=responses)
        _read_views(cassette)
        stage = _replay_all(cassette, requests, responses)
        outcome = Outcome.of("ok", stage)
    except StreamtestError as exc:
        outcome = Outcome.of("refused", stage, exc)
    except BaseException as exc:  # the point is to see everything
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome = Outcome.of("foreign", stage, exc)
    outcome.total_seconds = time.perf_counter() - started
    outcome.load_seconds = outcome.total_seconds if load_seconds is None else load_seconds
    return outcome


# ---------------------------------------------------------------------- the one-off measurement


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(
    count: int, seed: int, *, trace_every: int = 0, foreign: bool = False, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Mutate ``count`` cassettes (seeded), exercise each in this process; the figures the report gives."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    seeds = seed_cassettes() + (foreign_seeds() if foreign else ())
    results: list[tuple[str, list[Mutation], Outcome, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="streamtest-mutations-") as scratch:
        folder = Path(scratch)

        @hypothesis_seed(seed)
        @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
        @given(st.integers(0, len(seeds) - 1), mutations())
        def run(index: int, edits: list[Mutation]) -> None:
            name, data = seeds[index]
            for edit in edits:
                data = apply(data, edit)
            peak = 0.0
            if trace_every and len(results) % trace_every == 0:
                tracemalloc.start()
                outcome = exercise(data, folder, f"m{len(results)}.yaml")
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            else:
                outcome = exercise(data, folder, f"m{len(results)}.yaml")
            (folder / f"m{len(results)}.yaml").unlink(missing_ok=True)
            results.append((name, edits, outcome, len(data), peak))
            if len(results) % 500 == 0:
                log(f"  {len(results)} cassettes, peak RSS {_peak_rss_mb():.0f} MB")

        run()
    kinds: dict[str, int] = {}
    foreign: dict[str, int] = {}
    unnamed = 0
    for _, _, outcome, _, _ in results:
        kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
        if outcome.kind == "foreign":
            key = f"{outcome.error_type} at {outcome.stage.split(' ')[0]}"
            foreign[key] = foreign.get(key, 0) + 1
        if outcome.kind == "refused" and scratch not in outcome.message:
            unnamed += 1
    slowest = sorted(results, key=lambda r: -r[2].load_seconds)[:5]
    return {
        "count": len(results),
        "kinds": kinds,
        "refusals_not_naming_the_file": unnamed,
        "foreign": foreign,
        "foreign_examples": [(n, [e.describe() for e in m], str(o)) for n, m, o, _, _ in results if o.kind == "foreign"][:15],
        "loads_over_2s": sum(1 for r in results if r[2].load_seconds > 2),
        "slowest_load": [(n, [e.describe() for e in m], round(o.load_seconds, 3), size) for n, m, o, size, _ in slowest],
        "slowest_total": max(r[2].total_seconds for r in results),
        "peak_rss_mb": _peak_rss_mb(),
        "max_traced_mb": max((r[4] for r in results), default=0.0),
        "largest_file": max(r[3] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutations", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int, nargs="?", default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trace-every", type=int, default=0, help="tracemalloc peak of every Nth example (slow)")
    parser.add_argument("--foreign", action="store_true", help="also mutate vcrpy and cassetter cassettes (the foreign reader)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = measure(
        args.count, args.seed, trace_every=args.trace_every, foreign=args.foreign, log=lambda m: print(m, file=sys.stderr, flush=True)
    )
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, indent=2, default=str))
    return 0 if not figures["foreign"] and not figures["loads_over_2s"] and figures["peak_rss_mb"] < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
