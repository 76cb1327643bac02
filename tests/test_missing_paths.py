"""A path that is missing or a folder, wherever a cassette is read: our error with what to run next, never a builtin traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streamtest import CassetteNotFoundError, use_cassette
from streamtest._replay.cassette import open_cassette

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "resilient.yaml"


def test_use_cassette_on_a_missing_file_says_how_to_record_it_outside_pytest(tmp_path: Path) -> None:
    with pytest.raises(CassetteNotFoundError) as caught, use_cassette(tmp_path / "nope.yaml"):
        pass
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'nope.yaml'}: no cassette recorded at this path.")
    assert 'use_cassette(path, record="missing")' in message and "pytest --record" not in message


@pytest.mark.parametrize("record", ["none", "all", "missing", "verify"])
def test_a_folder_is_not_a_cassette_in_any_mode(tmp_path: Path, record: str) -> None:
    with pytest.raises(CassetteNotFoundError, match=r": a folder, not a cassette file"):
        open_cassette(tmp_path, record=record)


def test_under_pytest_the_error_names_the_test_to_record() -> None:
    error = CassetteNotFoundError("c/test_x.yaml", test_id="tests/test_app.py::test_x[a]")
    assert "Record it with `pytest --record=missing 'tests/test_app.py::test_x[a]'`" in str(error)
    assert error.test_id == "tests/test_app.py::test_x[a]"


def test_the_faults_strategy_on_a_missing_cassette(tmp_path: Path) -> None:
    from hypothesis import find

    from streamtest.strategies import faults

    with pytest.raises(CassetteNotFoundError, match="no cassette recorded at this path"):
        find(faults(tmp_path / "nope.yaml"), lambda _: True)
    with pytest.raises(CassetteNotFoundError, match="a folder, not a cassette file"):
        find(faults(tmp_path), lambda _: True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nope.yaml"], "streamtest show: nope.yaml: no such file"),
        (["show", "."], "streamtest show: .: a folder, not a cassette file"),
        (["show", "--timeline", "x.svg", "nope.yaml"], "streamtest show: nope.yaml: no such file"),
        (["diff", str(FIXTURE), "."], "streamtest diff: .: a folder, not a cassette file"),
        (["diff", "nope.yaml", str(FIXTURE)], "streamtest diff: nope.yaml: no such file"),
    ],
)
def test_the_command_says_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "streamtest", *args],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message], done.stderr
