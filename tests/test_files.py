"""Every file streamtest writes: all of a test's files through the leak guard at once, atomically."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from streamtest._cassette.files import PendingFile, atomic_write, is_cassette_name, temp_target, write_guarded
from streamtest._cassette.scrub import ScrubPolicy
from streamtest._exceptions import SecretLeakError

ENV = {"SHORT_TOKEN": "tk9Q2xZ"}


def test_all_files_are_written_or_none(tmp_path: Path) -> None:
    cassette = PendingFile(tmp_path / "c" / "test.yaml", "interactions: []\n", (("request 1", "POST /v1/x"),))
    golden = PendingFile(tmp_path / "c" / "test.transcript.yaml", "final_state: {topic: tk9Q2xZ}\n", (("the golden transcript", "topic\ntk9Q2xZ"),))
    with pytest.raises(SecretLeakError) as caught:
        write_guarded([cassette, golden], ScrubPolicy(), ENV)
    assert not (tmp_path / "c").exists()
    message = str(caught.value)
    assert "test.transcript.yaml: the value of $SHORT_TOKEN in the golden transcript" in message
    assert "Nothing was written (none of this test's 2 files)" in message
    assert "keep the value out of the graph's state" in message
    assert "tk9Q2xZ" not in message
    write_guarded([cassette, golden], ScrubPolicy().extended(public_env=["SHORT_TOKEN"]), ENV)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["test.transcript.yaml", "test.yaml"]


def test_an_echo_is_not_blamed_on_the_prompt(tmp_path: Path) -> None:
    cassette = PendingFile(tmp_path / "t.yaml", "...", (("request 1", '{"metadata": {"api_key": "<scrubbed>"}}'), ("response 1", "data: tk9Q2xZ")))
    with pytest.raises(SecretLeakError) as caught:
        write_guarded([cassette], ScrubPolicy(), ENV)
    message = str(caught.value)
    assert "the value of $SHORT_TOKEN in response 1" in message
    assert "the server sent it back" in message
    assert "prompt" not in message


def test_a_stale_temp_file_of_a_dead_writer_is_removed_on_the_next_write(tmp_path: Path) -> None:
    """A writer SIGKILLed between writing its temp file and renaming it leaves `.<name>.<pid>.*.tmp`."""
    path = tmp_path / "cassettes" / "test_x.yaml"
    child = f"""
import os, signal
from pathlib import Path
import streamtest._cassette.files as files
files.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
files.atomic_write(Path({str(path)!r}), "interrupted\\n")
"""
    done = subprocess.run([sys.executable, "-c", child], env={**os.environ, "PYTHONPATH": os.getcwd()}, check=False)
    assert done.returncode == -signal.SIGKILL
    (stale,) = path.parent.glob(".*.tmp")
    assert stale.read_text() == "interrupted\n" and not path.exists()
    live = path.parent / f".{path.name}.{os.getppid()}.abcd.tmp"  # a live process's write in progress
    live.write_text("in flight")
    legacy = path.parent / f".{path.name}.k2j3h4.tmp"  # the name before pids were in it
    legacy.write_text("old")
    other = path.parent / ".other.yaml.1.abcd.tmp"
    other.write_text("not ours")
    atomic_write(path, "fresh\n")
    assert path.read_text() == "fresh\n"
    assert sorted(p.name for p in path.parent.glob(".*.tmp")) == sorted([live.name, other.name])


def test_temp_target_names_the_file_a_stale_temp_file_was_for(tmp_path: Path) -> None:
    dead = _dead_pid()
    assert temp_target(tmp_path / f".x.yaml.{dead}.ab_c1234.tmp") == tmp_path / "x.yaml"
    assert temp_target(tmp_path / f".test_a[1.5].yaml.{dead}.k2j_9x1q.tmp") == tmp_path / "test_a[1.5].yaml"
    assert temp_target(tmp_path / ".x.yaml.k2j_9x1q.tmp") == tmp_path / "x.yaml"  # before pids were in the name
    assert temp_target(tmp_path / f".x.yaml.{os.getpid()}.abcd.tmp") == tmp_path / "x.yaml"  # this process: not writing now
    assert temp_target(tmp_path / f".x.yaml.{os.getppid()}.abcd.tmp") is None  # a live writer's, in flight
    for other in ("x.yaml", ".x.yaml", "x.yaml.tmp", ".tmp", ".x.tmp"):
        assert temp_target(tmp_path / other) is None, other


def test_which_names_are_cassettes() -> None:
    for name in ("a.yaml", "a.yml", "a.json", "a.toml"):
        assert is_cassette_name(Path(name)), name
    for name in ("a.transcript.yaml", ".a.yaml", "a.yaml.1.abc.tmp", "a.py"):
        assert not is_cassette_name(Path(name)), name


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(done.stdout)
