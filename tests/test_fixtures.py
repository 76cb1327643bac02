"""Every cassette the project committed replays its recorded bytes exactly, one event per chunk."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from streamtest import play
from streamtest._cassette.format import load_path
from streamtest._cli.lint import canonical_form

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Golden transcripts (*.transcript.yaml) live beside the cassettes; they are not cassettes.
CASSETTES = sorted(p for p in FIXTURES.rglob("*.yaml") if not p.name.endswith(".transcript.yaml"))


def test_the_project_has_recorded_fixtures() -> None:
    names = {path.stem for path in CASSETTES}
    assert {"seed_messages", "seed_custom"} <= names, f"found only {sorted(names)} in {FIXTURES}"


@pytest.mark.parametrize("path", CASSETTES, ids=[str(p.relative_to(FIXTURES)) for p in CASSETTES])
def test_recorded_bytes_are_the_replayed_bytes(path: Path) -> None:
    requests, responses = load_path(path)
    assert requests, f"{path} holds no interaction"
    for request, response in zip(requests, responses, strict=True):
        recorded = response.get("chunks") or [response["body"]["string"]]
        assert b"".join(recorded) == response["body"]["string"]
        with play(response), httpx2.Client() as http:
            with http.stream(request.method, request.uri, content=request.body) as reply:
                replayed = list(reply.iter_raw())
        assert replayed == recorded


@pytest.mark.parametrize("path", CASSETTES, ids=[str(p.relative_to(FIXTURES)) for p in CASSETTES])
def test_fixture_files_are_in_canonical_form(path: Path) -> None:
    """Loading and writing again gives the same text: what is on disk is exactly what replays."""
    text = path.read_text(encoding="utf-8")
    assert canonical_form(text, path) == text
