"""The cassette a test runs under: vcrpy's bookkeeping plus our streaming transport.

vcrpy does the patching (its ``CassettePatcherBuilder``), the bookkeeping (its
``Cassette``: matching, play counts, ordered replay of repeated requests) and
the other HTTP libraries. Its httpx/httpx2 stubs and its boto3 patcher are
swapped for ours (:mod:`streamtest._replay.transport`,
:mod:`streamtest._replay.aws`) through its own ``skip_patchers`` +
``custom_patches`` options, which also carry the client switches of
:mod:`streamtest._replay.clients`.

Data flow: httpx request -> transport stub -> :meth:`Cassette.replay_response`
(replay) or the real transport + a tape (record) -> :meth:`Cassette.add_recording`
-> response dict (see :mod:`streamtest._cassette.format`) -> :meth:`Cassette.finish`
writes it atomically after the leak guard.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from stat import S_ISDIR
from typing import Any, ClassVar, cast

from vcr.cassette import Cassette as _VcrCassette
from vcr.matchers import requests_match
from vcr.patch import CassettePatcherBuilder, ConnectionRemover
from vcr.request import Request

from streamtest._cassette.files import PendingFile, file_stat, regular_file, write_guarded
from streamtest._cassette.format import body_bytes, dump, read_path, sse_response
from streamtest._cassette.interaction import Interaction, interactions_of
from streamtest._cassette.match import MATCH_ON, describe_mismatch, method
from streamtest._cassette.scrub import ScrubPolicy, scrub_request, scrub_response
from streamtest._cassette.stamp import now_stamp, parse_stamp, recorded_at_path
from streamtest._exceptions import (
    CassetteNotFoundError,
    ReplayMismatchError,
    StreamDriftError,
    StreamtestError,
    UnplayedInteractionsError,
    UnplayedInteractionsWarning,
    UsageError,
)
from streamtest._replay.aws import botocore_installed, botocore_patches
from streamtest._replay.clients import client_patches
from streamtest._replay.faults import Fault, by_call
from streamtest._replay.faults import apply as apply_fault
from streamtest._replay.network import blocked_network
from streamtest._replay.pacing import Pace
from streamtest._replay.settings import DEFAULTS, Settings, default_settings, merge_settings
from streamtest._replay.transport import Deck, transport_patches
from streamtest._replay.verify import describe_drift
from streamtest._wire.sse import split_events

__all__ = ["Cassette", "RecordMode", "play", "use_cassette"]


class RecordMode(StrEnum):
    """``none``: replay only. ``all``: record every test from scratch. ``missing``: record absent cassettes.

    ``verify``: replay, and also send each request live and compare the live
    stream's shape with the recorded one (see :mod:`streamtest._replay.verify`).
    """

    NONE = "none"
    ALL = "all"
    MISSING = "missing"
    VERIFY = "verify"

    @classmethod
    def parse(cls, value: str | RecordMode | None) -> RecordMode:
        if value is None:
            return cls.NONE
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in cls)
            raise UsageError(f"record mode {value!r} is not one of {choices}") from None


# vcrpy's patcher groups and the module each imports; a group whose library is
# not installed is skipped, because vcrpy would retry the failed import (a
# search of sys.path) on every cassette start.
_PATCHER_MODULES = {
    "requests": "requests",
    "boto3": "botocore",
    "urllib3": "urllib3",
    "httplib2": "httplib2",
    "tornado": "tornado",
    "aiohttp": "aiohttp",
}


@functools.cache
def _absent_libraries() -> tuple[str, ...]:
    return tuple(group for group, module in _PATCHER_MODULES.items() if importlib.util.find_spec(module) is None)


# ---------------------------------------------------------------------- the patches, shared by every cassette

# Started cassettes, innermost last: the patches talk to the last one.
_ACTIVE: list[Cassette] = []
_ACTIVE_LOCK = threading.Lock()


class _Innermost:
    """The cassette the installed patches serve: the innermost active one (else the last that was).

    vcrpy builds its patched connection classes, and we build our transport
    stubs, for one cassette object. Building them for every cassette cost
    about a third of a millisecond per test (bench row 3), so they are built
    once per process for this stand-in, which hands each call to the
    innermost active cassette: vcrpy's ``Cassette`` for vcrpy's stubs
    (``requests``, ``urllib3``, ``boto3``...), ours for the httpx stubs.
    """

    last: Cassette | None = None

    def cassette(self) -> Cassette:
        cassette = _ACTIVE[-1] if _ACTIVE else _Innermost.last
        if cassette is None:  # pragma: no cover - the patches are installed only while one is active
            raise UsageError("no streamtest cassette is active")
        return cassette


class _InnermostVcr(_Innermost):
    """vcrpy's view: every attribute of the innermost cassette's vcrpy ``Cassette``."""

    _path = "<the active streamtest cassette>"

    @property
    def skip_patchers(self) -> tuple[str, ...]:
        # Ours replace vcrpy's httpx stubs and, with botocore installed, its boto3 patcher.
        return ("httpx", "httpx2", *(("boto3",) if botocore_installed() else ()), *_absent_libraries())

    @property
    def custom_patches(self) -> tuple[tuple[Any, str, Any], ...]:
        deck = cast(Deck, _InnermostDeck())
        return (*transport_patches(deck), *botocore_patches(deck))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cassette()._vcr, name)


class _InnermostDeck(_Innermost):
    """The transport stubs' view (:class:`~streamtest._replay.transport.Deck`): every attribute of the innermost cassette."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cassette(), name)


class _Patches:
    """vcrpy's patchers and our stubs for :class:`_Innermost`: built once, installed while a cassette is active.

    vcrpy hands back ``mock.patch.object`` patchers; they are applied here as
    plain attribute swaps (what ``mock`` does, minus its bookkeeping: a tenth
    of a millisecond per test for the thirty-odd patches, bench row 3).
    """

    swaps: ClassVar[list[tuple[Any, str, Any]] | None] = None  # (target, attribute, replacement)
    removers: ClassVar[list[ConnectionRemover]] = []
    saved: ClassVar[list[tuple[Any, str, Any]]] = []  # what the swaps replaced, while installed

    @classmethod
    def _plan(cls) -> list[tuple[Any, str, Any]]:
        if cls.swaps is None:
            swaps, removers = [], []
            for patcher in CassettePatcherBuilder(_InnermostVcr()).build():
                if isinstance(patcher, ConnectionRemover):
                    removers.append(patcher)
                else:  # a mock.patch.object(target, attribute, new)
                    swaps.append((patcher.getter(), patcher.attribute, patcher.new))
            cls.swaps, cls.removers = swaps, removers
        return cls.swaps

    @classmethod
    def activate(cls, cassette: Cassette) -> None:
        with _ACTIVE_LOCK:
            if not _ACTIVE:
                saved = []
                # Client switches (values, not stubs: cheap) are asked for each time, so they follow the
                # libraries as they are now.
                switches = [(target, name, value) for target, name, value in client_patches() if hasattr(target, name)]
                for target, name, replacement in [*cls._plan(), *switches]:
                    saved.append((target, name, vars(target).get(name, _MISSING)))
                    setattr(target, name, replacement)
                cls.saved = saved
            _ACTIVE.append(cassette)

    @classmethod
    def deactivate(cls, cassette: Cassette) -> None:
        with _ACTIVE_LOCK:
            _ACTIVE.remove(cassette)
            _Innermost.last = cassette
            if _ACTIVE:
                return
            for remover in cls.removers:  # close the stub connections urllib3 pooled, then forget them
                remover.__exit__(None, None, None)
                remover._connection_pool_to_connections.clear()
            saved, cls.saved = cls.saved, []
            for target, name, original in reversed(saved):
                if original is _MISSING:
                    delattr(target, name)
                else:
                    setattr(target, name, original)


_MISSING = object()


class _VcrBookkeeping(_VcrCassette):  # type: ignore[misc]  # vcrpy ships no type hints
    """vcrpy's cassette, telling ours when one of vcrpy's own stubs finds no recorded match.

    requests, urllib3, aiohttp, tornado (every library vcrpy patches but httpx,
    which goes through our transport) raise vcrpy's
    ``CannotOverwriteExistingCassetteException`` during replay, and an
    application may swallow it. They call ``filter_request`` only on the way
    to that raise (``if cassette.write_protected and
    cassette.filter_request(request): raise ...``), so that is where the
    mismatch is noted, to fail the test at the end as an httpx mismatch does.
    (Our own matching scrubs with ``scrub_request`` directly, never through
    ``filter_request``, so this stays the raise path only.)
    """

    def __init__(self, *args: Any, on_unmatched: Callable[[Request], object], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_unmatched = on_unmatched

    def filter_request(self, request: Request) -> Any:
        filtered = super().filter_request(request)
        if filtered and self.write_protected:
            self._on_unmatched(request)
        return filtered


class Cassette:
    """The cassette a test runs under: its file, its mode, what it recorded and replayed.

    Made by :func:`use_cassette`, :func:`play` or the ``cassette`` fixture;
    active between :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        recording: bool,
        policy: ScrubPolicy | None = None,
        requests: Sequence[Request] = (),
        responses: Sequence[dict[str, Any]] = (),
        match_on: Sequence[Callable[[Any, Any], None]] = MATCH_ON,
        rerecord_hint: str = "pytest --record",
        block_network: bool = True,
        upstream: str | None = None,
        pace: str | float | Pace | None = None,
        faults: Fault | Iterable[Fault] = (),
        verifying: bool = False,
        replaces: Path | None = None,
        dialect: str | None = None,
    ) -> None:
        self.path = path
        self.dialect = dialect
        """Which tool wrote the file replayed (a key of ``streamtest._cassette.foreign.DIALECTS``); ``None`` for streamtest's own."""
        self.replaces = replaces
        """Another tool's file this recording supersedes (pytest-recording's ``<test>.json``): removed once it is written."""
        self.upstream = upstream
        self.recording = recording
        self.verifying = verifying and not recording
        self.pace = Pace.parse(pace)
        self.policy = policy or ScrubPolicy()
        self._faults = by_call(faults)
        if self._faults and recording:
            raise UsageError(f"faults are injected into a replay, and {path} is recording; record it without faults")
        self._rerecord_hint = rerecord_hint
        self._block_network = block_network and not recording and not self.verifying
        self._match_on = tuple(match_on)
        self._lock = threading.Lock()
        self._errors: list[StreamtestError] = []
        self._calls = 0
        self._fired: list[Fault] = []
        self._live: list[tuple[int, dict[str, Any]]] = []  # verify: (recorded index, live response)
        self._matched: dict[int, int] = {}  # verify: id(request) -> recorded index
        self._stack: contextlib.ExitStack | None = None
        self.recording_started = time.perf_counter()
        self._recorded_at: str | None = None
        # Patched through _Patches (shared by every cassette), not through this object's own patchers.
        self._vcr = _VcrBookkeeping(
            str(path) if path else "<generated streams>",
            on_unmatched=self._unmatched,
            record_mode="all" if recording else "none",
            match_on=self._match_on,
            before_record_request=lambda r: scrub_request(r, self.policy),
            before_record_response=lambda r: scrub_response(r, self.policy),
        )
        self._vcr.data.extend(zip(requests, responses, strict=True))
        self._vcr.rewound = True  # vcrpy replays only from a cassette it considers loaded

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Cassette:
        """Patch HTTP (and block sockets when replaying)."""
        if self._stack is not None:
            raise UsageError(f"cassette {self.path} is already active")
        stack = contextlib.ExitStack()
        if self.recording:
            self.recording_started = time.perf_counter()
            self._recorded_at = now_stamp()
        _Patches.activate(self)
        stack.callback(_Patches.deactivate, self)
        if self._block_network:
            stack.enter_context(blocked_network(f"Record this test's LLM calls with `{self._rerecord_hint}`."))
        self._stack = stack
        return self

    def stop(self) -> None:
        """Undo the patches. Idempotent."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def finish(
        self, *, fail_on_unplayed: bool = True, also_write: Sequence[PendingFile] = (), warn_at: tuple[str, int] | None = None
    ) -> None:
        """End of a successful test: write what was recorded, or check all was replayed.

        A mismatch is raised again here even if the code under test caught it
        (a broad ``except`` in a node, a retry wrapper, an app swallowing
        vcrpy's ``CannotOverwriteExistingCassetteException``): the test must
        not pass on a request the cassette could not answer. ``also_write``
        (the test's golden transcripts) is written with the cassette, through
        the same leak guard: all files or none. ``warn_at``: the ``(file, line)``
        an :class:`UnplayedInteractionsWarning` points at (the plugin passes the
        test's, which has returned by then); else the caller outside streamtest.
        """
        if self._errors:
            raise self._errors[0]
        if self.recording:
            self.save(also_write)
            return
        if self.verifying and (drift := describe_drift(self._drift_pairs(), cassette=str(self.path), rerecord=self._rerecord_hint)):
            raise StreamDriftError(drift)
        if self._faults:
            self._check_fired(fail_on_unplayed, warn_at)
        elif unplayed := self.unplayed:
            message = (
                f"{len(unplayed)} of {len(self)} recorded interaction(s) in {self.path} were never replayed "
                f"(#{', #'.join(map(str, unplayed))}): the code made fewer LLM calls than were recorded. "
                f"If that is intended, re-record with `{self._rerecord_hint}`."
            )
            if fail_on_unplayed:
                raise UnplayedInteractionsError(message)
            _warn_unplayed(message, warn_at)
        if also_write:
            write_guarded(also_write, self.policy)

    def save(self, also_write: Sequence[PendingFile] = ()) -> None:
        """Write the cassette (and ``also_write``) atomically, none of it if the leak guard finds a credential."""
        files = list(also_write)
        if self.path is not None:
            files.insert(0, self.pending_file())
        write_guarded(files, self.policy)
        if self.replaces is not None and self.replaces != self.path:
            self.replaces.unlink(missing_ok=True)

    def pending_file(self) -> PendingFile:
        """The cassette as it would be written now, with each request and response as a part the guard reads."""
        if self.path is None:
            raise UsageError("a cassette of generated streams has no file to write")
        with self._lock:
            data = list(self._vcr.data)
        parts: list[tuple[str, str]] = []
        for number, (request, response) in enumerate(data, 1):
            parts.append((f"request {number}", _request_text(request)))
            parts.append((f"response {number}", _response_text(response)))
        return PendingFile(self.path, dump([r for r, _ in data], [r for _, r in data], recorded_at=self._recorded_at), tuple(parts))


    def __enter__(self) -> Cassette:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ views

    def __len__(self) -> int:
        return len(self._vcr.data)

    @property
    def interactions(self) -> list[Interaction]:
        """Every interaction, recorded now or loaded, in cassette order."""
        with self._lock:
            data = list(self._vcr.data)
        return interactions_of([r for r, _ in data], [r for _, r in data])

    @property
    def recorded_at(self) -> datetime | None:
        """When this cassette was recorded (while recording: when it started); ``None`` when the file does not say."""
        if self._recorded_at is not None:
            return parse_stamp(self._recorded_at)
        return recorded_at_path(self.path) if self.path is not None and not self.recording else None

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The faults planned for this replay (none: a plain replay)."""
        return tuple(self._faults.values())

    @property
    def play_count(self) -> int:
        return self._vcr.play_count

    @property
    def unplayed(self) -> list[int]:
        """1-based numbers of the interactions never replayed."""
        return [i + 1 for i in range(len(self._vcr.data)) if self._vcr.play_counts[i] == 0]

    @property
    def calls(self) -> int:
        """How many requests this cassette has answered (faulted ones included)."""
        return self._calls

    @property
    def fired(self) -> list[Fault]:
        """The injected faults that fired, in call order."""
        return list(self._fired)

    def _check_fired(self, fail: bool, warn_at: tuple[str, int] | None) -> None:
        """With faults, interactions may legitimately go unplayed; a fault that never fired may not."""
        unfired = [fault for call, fault in sorted(self._faults.items()) if fault not in self._fired]
        if not unfired:
            return
        message = (
            f"{len(unfired)} injected fault(s) never fired ({', '.join(map(repr, unfired))}): the code made "
            f"{self._calls} LLM call(s) on {self.path or '<generated streams>'}, so the test did not meet them."
        )
        if fail:
            raise UnplayedInteractionsError(message)
        _warn_unplayed(message, warn_at)

    def _drift_pairs(self) -> list[tuple[int, Interaction, Interaction]]:
        with self._lock:
            data = list(self._vcr.data)
            live = list(self._live)
        return [
            (index + 1, Interaction.from_vcr(*data[index]), Interaction.from_vcr(data[index][0], response))
            for index, response in live
        ]

    def __repr__(self) -> str:
        mode = "recording" if self.recording else "verifying" if self.verifying else "replaying"
        return f"<streamtest.Cassette {mode} {self.path or '<generated>'}: {len(self)} interaction(s)>"

    # ------------------------------------------------------------------ the transport stubs' side (transport.Deck)

    def replay_response(self, request: Request) -> dict[str, Any]:
        """The answer for the next call: recorded, or faulted; a mismatch is kept (to fail the test) and raised.

        A faulted call does not use up the recorded interaction it was built
        from, so the application's retry of the same request replays it.
        """
        with self._lock:
            self._calls += 1
            fault = self._faults.get(self._calls)
            index = self._next_match(request)
            if index is None:
                mismatch = self._mismatch(request)
                self._errors.append(mismatch)
                raise mismatch
            if fault is None:
                self._vcr.play_counts[index] += 1
                if self.verifying:
                    self._matched[id(request)] = index
            recorded = self._vcr.data[index][1]
        if fault is None:
            return recorded  # type: ignore[no-any-return]
        try:
            answer = apply_fault(fault, request, recorded)
        except StreamtestError as error:
            raise self.report(error) from None
        with self._lock:
            self._fired.append(fault)
        return answer

    def _next_match(self, request: Request) -> int | None:
        """The first unplayed recorded interaction matching ``request`` (vcrpy's order), or ``None``."""
        request = scrub_request(request, self.policy)  # as vcrpy's own matching does
        for index, (stored, _) in enumerate(self._vcr.data):
            if self._vcr.play_counts[index] == 0 and requests_match(request, stored, self._match_on):
                return index
        return None

    def _mismatch(self, request: Request) -> ReplayMismatchError:
        recorded = [scrub_request(r, self.policy) for r in self._vcr.requests]
        played = [self._vcr.play_counts[i] > 0 for i in range(len(recorded))]
        return ReplayMismatchError(
            describe_mismatch(
                scrub_request(request, self.policy),
                recorded,
                played,
                cassette=str(self.path or "<generated streams>"),
                rerecord=self._rerecord_hint,
                match_on=self._match_on,
            )
        )

    def _unmatched(self, request: Request) -> None:
        """A request vcrpy's own stubs could not answer: kept, so :meth:`finish` fails the test."""
        with self._lock:
            self._errors.append(self._mismatch(request))

    def report(self, error: StreamtestError) -> StreamtestError:
        """Keep ``error`` (raised inside the transport) so :meth:`finish` raises it even if the app caught it."""
        with self._lock:
            self._errors.append(error)
        return error

    def add_recording(self, request: Request, response: dict[str, Any]) -> None:
        """Keep one interaction the transport recorded (written by :meth:`save`), or, verifying, the live one."""
        with self._lock:
            if self.verifying:
                self._live.append((self._matched.pop(id(request)), response))
            else:
                self._vcr.append(request, response)


# ---------------------------------------------------------------------- entry points


def open_cassette(
    path: str | os.PathLike[str],
    *,
    record: str | RecordMode = RecordMode.NONE,
    settings: Settings | None = None,
    rerecord_hint: str | None = None,
    upstream: str | None = None,
    replaces: Path | None = None,
    test_id: str | None = None,
) -> Cassette:
    """Load (replay, verify) or create (record) the cassette at ``path``, not yet started.

    ``settings``: what the plugin or :func:`use_cassette` merged (the defaults
    when ``None``). ``upstream``: while recording or verifying, where requests
    for api.openai.com really go. With faults the cassette always replays:
    faults are injected into a recording, so whatever ``record`` says, nothing
    is recorded or sent. ``replaces``: another tool's recording of the same
    test, removed once the new one is written. ``test_id``: the pytest node
    id, named by ``CassetteNotFoundError`` when there is no cassette to replay.
    """
    mode = RecordMode.parse(record)
    settings = settings or default_settings()
    policy = settings.scrub_policy()
    planned = by_call(settings.faults)
    path = Path(path)
    hint = rerecord_hint or "pytest --record"
    stat = file_stat(path)
    if stat is not None and S_ISDIR(stat.st_mode):
        raise CassetteNotFoundError(path, folder=True)
    recording = not planned and (mode is RecordMode.ALL or (mode is RecordMode.MISSING and stat is None))
    if recording:
        return Cassette(path, recording=True, policy=policy, rerecord_hint=hint, upstream=upstream, replaces=replaces)
    loaded = read_path(path, regular_file(path, stat, test_id=test_id))
    verifying = mode is RecordMode.VERIFY and not planned
    return Cassette(
        path,
        recording=False,
        policy=policy,
        requests=loaded.requests,
        responses=loaded.responses,
        dialect=loaded.dialect,
        rerecord_hint=hint,
        block_network=settings.block_network,
        upstream=upstream if verifying else None,
        pace=settings.replay_pace,
        faults=planned.values(),
        verifying=verifying,
    )


@contextlib.contextmanager
def use_cassette(
    path: str | os.PathLike[str],
    *,
    record: str | RecordMode = RecordMode.NONE,
    unplayed: str = "fail",
    block_network: bool = True,
    replay_pace: str | float | Pace = "fast",
    faults: Fault | Iterable[Fault] = (),
    drop_request_headers: Iterable[str] = (),
    drop_query_params: Iterable[str] = (),
    scrub_fields: Iterable[str] = (),
    keep_response_headers: Iterable[str] = (),
    secret_env: Iterable[str] = (),
    public_env: Iterable[str] = (),
    secret_patterns: Iterable[str] = (),
) -> Iterator[Cassette]:
    """Replay (or record, or verify) the cassette at ``path`` around a block of code, outside pytest too.

    The keywords are the ``@pytest.mark.streamtest`` marker's (merged by the
    same code, so they mean and check the same): ``unplayed`` (``"fail"`` or
    ``"warn"`` when recorded interactions were never replayed), ``block_network``,
    ``replay_pace`` (``"fast"``, ``"recorded"`` or a speed factor), ``faults``
    (see :mod:`streamtest.faults`) and the scrub and leak lists (added to the
    defaults). On a clean exit a recording is written atomically and a replay
    is checked for interactions never played (with ``faults``: for faults never
    met); when the block raises, nothing is written or checked.
    """
    given = {
        "unplayed": unplayed,
        "block_network": block_network,
        "replay_pace": replay_pace,
        "faults": faults,
        "drop_request_headers": drop_request_headers,
        "drop_query_params": drop_query_params,
        "scrub_fields": scrub_fields,
        "keep_response_headers": keep_response_headers,
        "secret_env": secret_env,
        "public_env": public_env,
        "secret_patterns": secret_patterns,
    }
    settings = merge_settings(DEFAULTS, ("use_cassette", given))
    # `pytest --record` re-records marked tests' cassettes, never this one.
    cassette = open_cassette(path, record=record, settings=settings, rerecord_hint='use_cassette(path, record="all")')
    with cassette:
        yield cassette
    cassette.finish(fail_on_unplayed=settings.unplayed == "fail")


def _warn_unplayed(message: str, at: tuple[str, int] | None) -> None:
    """An :class:`UnplayedInteractionsWarning` at ``at``, or at the first caller outside streamtest and contextlib."""
    import warnings

    if at is not None:
        warnings.warn_explicit(message, UnplayedInteractionsWarning, *at)
        return
    frame, level = sys._getframe(1), 1  # level 1: the function calling warnings.warn, this one's caller
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(("streamtest.", "contextlib")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UnplayedInteractionsWarning, stacklevel=level + 1)


def _request_text(request: Request) -> str:
    body = request.body_bytes if isinstance(request.body_bytes, bytes) else b""
    headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
    return f"{request.method} {request.uri}\n{headers}\n{body.decode('utf-8', 'replace')}"


def _response_text(response: dict[str, Any]) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in response.get("headers", {}).items())
    error = response.get("stream_error") or {}
    return f"{headers}\n{body_bytes(response).decode('utf-8', 'replace')}\n{error.get('message', '')}"


_PLAY_ACCEPTS = (
    "play() takes, per request: a raw SSE body (bytes or str), a list of SSE event chunks (bytes, one "
    "event each), a generated stream (what streamtest.strategies makes: it has .chunks), or a response dict"
)


def _as_response(stream: Any) -> dict[str, Any]:
    """One ``play()`` argument as a response dict; anything else is a ``UsageError`` saying what is accepted."""
    if isinstance(stream, dict):
        if "status" in stream:
            return stream
        raise UsageError(f"{_PLAY_ACCEPTS}; got a dict without 'status': {stream!r:.80}")
    if isinstance(stream, str):
        stream = stream.encode("utf-8")
    if isinstance(stream, bytes | bytearray | memoryview):
        return sse_response(split_events(bytes(stream)))
    chunks = getattr(stream, "chunks", stream)
    if isinstance(chunks, Iterable) and not isinstance(chunks, str | bytes):
        chunks = list(chunks)
        odd = next((c for c in chunks if not isinstance(c, bytes | bytearray)), None)
        if odd is None:
            response = sse_response(chunks)
            # A generated stream names its framing's content type (NDJSON, AWS event-stream...).
            content_type = getattr(stream, "content_type", None)
            if isinstance(content_type, str):
                response["headers"] = {"content-type": [content_type]}
            return response
        hint = (
            ": encode each event (b'data: ...\\n\\n'), or pass the whole body as one str"
            if isinstance(odd, str)
            else ""
        )
        raise UsageError(f"{_PLAY_ACCEPTS}; got a list holding a {type(odd).__name__} ({odd!r:.60}){hint}")
    raise UsageError(f"{_PLAY_ACCEPTS}; got {type(stream).__name__}: {stream!r:.60}")


@contextlib.contextmanager
def play(*streams: Any) -> Iterator[Cassette]:
    """Serve ``streams`` to the next HTTP requests, in order, through the replay path.

    Each stream is a raw SSE body (``bytes`` or ``str``: split into events
    here, one chunk each), a sequence of SSE chunks (``bytes``, one event
    each), an object with a ``chunks`` attribute (what
    ``streamtest.strategies`` makes; its ``content_type`` says how it is
    served: SSE, NDJSON, AWS event-stream), or a response dict (a recorded
    one replays with its own content type). Requests match in order whatever their body: a
    generated stream is a cassette nobody recorded. Concurrent requests (a
    fan-out graph) therefore get the streams in the order they reach the
    transport, which varies; replay a cassette (matched by body) for those.
    """
    responses = [_as_response(s) for s in streams]
    requests = [Request("POST", "http://streamtest.invalid/generated", b"", {}) for _ in responses]
    cassette = Cassette(
        None,
        recording=False,
        requests=requests,
        responses=responses,
        match_on=(method,),
        rerecord_hint="(generated streams: give play() one stream per request)",
        block_network=False,
    )
    with cassette:
        yield cassette
