"""The ``streamtest`` command: show, timeline, lint, diff, import; help everywhere; never loaded by the plugin."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from vcr.request import Request

from streamtest import use_cassette
from streamtest._cassette.format import dump, load_path, sse_response
from streamtest._cassette.interaction import interactions_of
from streamtest._cli.main import main
from tests.edge_server import chat_chunks
from tests.foreign_cassettes import KEY, URI, cassetter_yaml, chat_request, sse_response_of, vcrpy_text

ROOT = Path(__file__).resolve().parent.parent
FANOUT = ROOT / "fixtures" / "fanout.yaml"
SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m streamtest ARGS`` in a fresh process, as a user runs it."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "streamtest", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120)


def _chat_request(prompt: str = "Write a joke about cats") -> Request:
    body = json.dumps({"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": prompt}]})
    return Request("POST", "https://api.openai.com/v1/chat/completions", body, {"content-type": "application/json"})


def _timed(chunks: list[bytes], offsets: list[float], started: float | None = None) -> dict:
    response = sse_response(chunks)
    response["offsets"] = offsets
    if started is not None:
        response["started"] = started
    return response


def _tool_call_chunks() -> list[bytes]:
    def event(payload: dict) -> bytes:
        return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"

    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    return [
        event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": None, "tool_calls": [first]}, "finish_reason": None}]}),
        event({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"city"'}}]}, "finish_reason": None}]}),
        event({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ': "Paris"}'}}]}, "finish_reason": None}]}),
        event({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        event({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}}),
        b"data: [DONE]\n\n",
    ]


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", [[], ["show"], ["lint"], ["diff"], ["import"]])
def test_every_subcommand_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: streamtest {' '.join(command)}".rstrip())
    if not command:
        assert all(name in result.stdout for name in ("show", "lint", "diff", "import"))


def test_help_and_bad_usage_load_no_cassette_machinery() -> None:
    """``--help`` imports neither vcrpy (~130 ms here) nor the loader; a typo says what is expected."""
    code = (
        "import sys\nfrom streamtest._cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('vcr', 'yaml', 'rich') or m.startswith('streamtest._cassette')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip().endswith("[]"), result.stdout
    bad = run("shw", "x.yaml")
    assert bad.returncode == 2 and "invalid choice: 'shw'" in bad.stderr


def test_the_plugin_never_imports_the_command_or_its_output_library() -> None:
    code = "import streamtest.plugin, sys; print(sorted(m for m in sys.modules if m == 'rich' or m.startswith(('rich.', 'streamtest._cli'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def test_a_whole_pytest_run_never_imports_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import sys\n\ndef pytest_sessionfinish(session):\n"
        "    loaded = sorted(m for m in sys.modules if m == 'rich' or m.startswith(('rich.', 'streamtest._cli')))\n"
        "    print('LOADED', loaded)\n"
    )
    pytester.makepyfile("import pytest\n\n@pytest.mark.streamtest(cassette='missing')\ndef test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(errors=1)  # no cassette: the fixture ran, and failed, through the plugin's whole path
    assert "LOADED []" in result.stdout.str()


# --------------------------------------------------------------------------- show


def test_show_prints_each_interaction(tmp_path: Path) -> None:
    path = tmp_path / "tools.yaml"
    tools = _tool_call_chunks()
    path.write_text(
        dump(
            [_chat_request("What is the weather in Paris?"), _chat_request()],
            [_timed(tools, [0.5, 0.6, 0.7, 0.8, 0.8, 0.81], started=0.01), _timed(chat_chunks(["Why", " was", "|"]), [0.2, 0.3, 0.4, 0.5, 0.6, 0.6], 0.02)],
            recorded_at="2026-12-01T20:37:59Z",
        )
    )
    result = run("show", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: a streamtest cassette, recorded 2026-12-01T20:37:59Z, 2 interactions",
        "",
        "#1 POST /v1/chat/completions -> 200  openai-chat, model gpt-4o-mini",
        "  prompt:    What is the weather in Paris?",
        '  tool call: get_weather({"city": "Paris"})  id call_1',
        "  usage:     12 prompt + 8 completion = 20 tokens",
        "  finish:    tool_calls",
        "  timing:    started +0.010s, TTFT 0.500s, total 0.810s, 6 events",
        "",
        "#2 POST /v1/chat/completions -> 200  openai-chat, model gpt-4o-mini",
        "  prompt:    Write a joke about cats",
        "  tokens:    Why| was|\\|  (3 tokens)",
        "  finish:    stop",
        "  timing:    started +0.020s, TTFT 0.300s, total 0.600s, 6 events",
    ]
    only = run("show", str(path), "-i", "2")
    assert "#2 POST" in only.stdout and "#1 POST" not in only.stdout
    out_of_range = run("show", str(path), "-i", "3")
    assert out_of_range.returncode == 2 and "-i 3: " in out_of_range.stderr and "has interactions 1 to 2" in out_of_range.stderr


def test_show_says_when_no_timing_is_known(tmp_path: Path) -> None:
    path = tmp_path / "test_stream.json"
    path.write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi", " there"]))], serializer="json"))
    result = run("show", str(path))
    assert result.returncode == 0, result.stderr
    assert "a vcrpy JSON cassette (pytest-recording with serializer='json'), 1 interaction" in result.stdout
    assert "  tokens:    Hi| there  (2 tokens)" in result.stdout
    assert "  timing:    no timing known (vcrpy-json keeps no arrival times), 5 events" in result.stdout


def test_show_on_an_unreadable_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("streamtest_format: 1\ninteractions: [{request: {method: POST}}]\n")
    result = run("show", str(path))
    assert result.returncode == 2
    assert f"streamtest show: {path}: corrupt cassette: interaction 1.request needs method and uri" in result.stderr


# --------------------------------------------------------------------------- timeline


def _lanes(svg: str) -> list[ET.Element]:
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if "lane" in g.get("class", "").split()]


def test_the_fanout_timeline_shows_two_overlapping_lanes(tmp_path: Path) -> None:
    """fixtures/fanout.yaml: two calls started together; the one llama.cpp slot served the joke first."""
    target = tmp_path / "fanout.svg"
    result = run("show", str(FANOUT), "--timeline", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {target} (2 lanes)"
    svg = target.read_text()
    lanes = _lanes(svg)
    assert len(lanes) == 2
    _, responses = load_path(FANOUT)
    for lane, response in zip(lanes, responses, strict=True):
        events = [line for line in lane.iter(f"{SVG}line") if "event" in line.get("class", "")]
        assert len(events) == len(response["chunks"])  # a mark per event
        titles = [t.text or "" for t in lane.iter(f"{SVG}title")]
        offsets = response["offsets"]
        first_token = next(t for t in titles if " token " in t)
        ttft = float(first_token.split("s ", 1)[0].lstrip("+"))
        assert f"TTFT {ttft:.3f}s" in titles
        assert float(lane.get("data-total", "")) == pytest.approx(max(offsets))
        assert float(lane.get("data-start", "")) == pytest.approx(response["started"], abs=1e-4)
    joke, poem = (float(lane.get("data-start", "")) for lane in lanes)
    joke_end = joke + float(lanes[0].get("data-total", ""))
    assert poem < joke_end  # the lanes overlap, as the requests did on the wire
    assert float(lanes[1].get("data-ttft", "")) > joke_end - poem  # the poem waited for the joke
    labels = [next(lane.iter(f"{SVG}text")).text for lane in lanes]
    assert labels == ["#1 Write a joke about cats", "#2 Write a short poem about cats"]
    assert "request start times not recorded" not in svg


def test_the_html_timeline_holds_the_picture_and_the_tokens(tmp_path: Path) -> None:
    target = tmp_path / "fanout.html"
    assert run("show", str(FANOUT), "--timeline", str(target)).returncode == 0
    page = target.read_text()
    assert page.startswith("<!doctype html>") and page.count("<svg ") == 1 and "<script" not in page
    first_tokens = interactions_of(*load_path(FANOUT))[0].tokens[:4]  # read from the fixture: re-recordings change it
    assert html.escape("|".join(first_tokens)) in page
    assert "<td>#2</td><td>POST /v1/chat/completions</td><td>Write a short poem about cats</td>" in page


def test_timeline_gaps_old_files_and_untimed_cassettes(tmp_path: Path) -> None:
    paused = tmp_path / "paused.yaml"
    paused.write_text(dump([_chat_request()], [_timed(chat_chunks(["Why", " was"]), [0.1, 0.1, 0.2, 1.4, 1.4], started=None)]))
    svg = (tmp_path / "paused.svg")
    assert main(["show", str(paused), "--timeline", str(svg)]) == 0
    text = svg.read_text()
    gaps = [line for line in ET.fromstring(text).iter(f"{SVG}line") if line.get("class") == "gap"]
    assert [g.find(f"{SVG}title").text for g in gaps] == ["gap 1.200s"]  # type: ignore[union-attr]
    assert "request start times not recorded" in text  # older file: every lane starts at 0
    foreign = tmp_path / "vcrpy.yaml"
    foreign.write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi"]))]))
    assert main(["show", str(foreign), "--timeline", str(tmp_path / "vcrpy.svg")]) == 0
    (lane,) = _lanes((tmp_path / "vcrpy.svg").read_text())
    assert lane.get("class") == "lane untimed"
    assert "no timing known (vcrpy keeps no arrival times)" in ET.tostring(lane, encoding="unicode")
    bad = run("show", str(paused), "--timeline", str(tmp_path / "x.png"))
    assert bad.returncode == 2 and "must end in .svg or .html" in bad.stderr


# --------------------------------------------------------------------------- lint


def _folder_of_cassettes(tmp_path: Path) -> Path:
    folder = tmp_path / "cassettes"
    (folder / "test_app").mkdir(parents=True)
    shutil.copy(FANOUT, folder / "test_app" / "test_clean.yaml")
    (folder / "test_app" / "test_clean.transcript.yaml").write_text("streamtest_transcript: 1\nevents: []\n")
    return folder


def test_lint_finds_a_planted_secret_and_a_stray_temp_file(tmp_path: Path) -> None:
    folder = _folder_of_cassettes(tmp_path)
    planted = "sk-proj-planted0123456789abcdefghij"
    secret = folder / "test_app" / "test_secret.yaml"
    secret.write_text(dump([_chat_request(f"my key is {planted}")], [sse_response(chat_chunks(["ok"]))]))
    (folder / "test_app" / ".test_secret.yaml.k2j_9x1q.tmp").write_text("half a cassette")
    result = run("lint", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{secret}:14: error: holds an OpenAI-style key (sk-...) (never shown here); remove it, re-record, or re-import" in lines
    assert (
        f"{folder}/test_app/.test_secret.yaml.k2j_9x1q.tmp: error: stray temporary file (beside test_secret.yaml): "
        "a write was interrupted; delete it"
    ) in lines
    assert lines[-2:] == [
        "checked 2 cassettes and 1 golden transcript: 2 errors, 0 warnings",
        "recorded interactions no test plays: run `pytest --streamtest-unused` on the whole suite",
    ]
    assert planted not in result.stdout
    secret.unlink()
    (folder / "test_app" / ".test_secret.yaml.k2j_9x1q.tmp").unlink()
    clean = run("lint", str(folder))
    assert clean.returncode == 0, clean.stdout


def test_lint_names_the_file_a_stray_temp_file_was_for_and_leaves_a_running_writers_alone(tmp_path: Path) -> None:
    folder = _folder_of_cassettes(tmp_path)
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    stray = folder / "test_app" / f".test_clean.yaml.{dead}.ab_c1234.tmp"  # what atomic_write names it
    stray.write_text("half a cassette")
    in_flight = folder / "test_app" / f".test_clean.yaml.{os.getpid()}.zz_91234.tmp"  # this test process is alive
    in_flight.write_text("being written")
    result = run("lint", str(folder))
    assert result.returncode == 1
    assert f"{stray}: error: stray temporary file (beside test_clean.yaml): a write was interrupted; delete it" in result.stdout.splitlines()
    assert str(in_flight) not in result.stdout


def test_lint_uses_the_environment_and_the_projects_secret_settings(tmp_path: Path) -> None:
    folder = _folder_of_cassettes(tmp_path)
    (folder / "test_app" / "test_env.yaml").write_text(dump([_chat_request("token tok_9f8e7d6c5b4a")], [sse_response(chat_chunks(["ok"]))]))
    leaked = run("lint", str(folder), env={"MY_SERVICE_TOKEN": "tok_9f8e7d6c5b4a"})
    assert leaked.returncode == 1 and "holds the value of $MY_SERVICE_TOKEN" in leaked.stdout
    assert "tok_9f8e7d6c5b4a" not in leaked.stdout
    assert run("lint", str(folder)).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nstreamtest_secret_patterns = ["tok_[0-9a-f]{12}"]\n')
    assert "holds pattern 'tok_[0-9a-f]{12}'" in run("lint", str(folder), cwd=tmp_path).stdout
    assert "holds pattern 'cats'" in run("lint", str(folder), "--secret-pattern", "cats").stdout


def test_lint_finds_hand_edits_and_fixes_them(tmp_path: Path) -> None:
    folder = _folder_of_cassettes(tmp_path)
    edited = folder / "test_app" / "test_edited.yaml"
    text = FANOUT.read_text()
    word = next(t for t in interactions_of(*load_path(FANOUT))[0].tokens if t.startswith(" ") and t[1:].isalpha())
    canonical, by_hand = f'"content":{json.dumps(word)}', f'"content": {json.dumps(word)}'
    line = next(n for n, line in enumerate(text.split("\n"), 1) if canonical in line)
    edited.write_text(text.replace(canonical, by_hand, 1))
    assert load_path(edited)[1][0]["chunks"] == load_path(FANOUT)[1][0]["chunks"]  # it still loads the same
    result = run("lint", str(edited))
    assert result.returncode == 1
    assert f"{edited}:{line}: error: not in the canonical form streamtest writes (1 line(s); an event edited by hand?)" in result.stdout
    assert "`streamtest lint --fix` rewrites it" in result.stdout
    fixed = run("lint", "--fix", str(edited))
    assert fixed.returncode == 0 and f"{edited}:{line}: warning: rewritten in canonical form (1 line(s) changed)" in fixed.stdout
    assert edited.read_text() == text
    backwards = folder / "test_app" / "test_backwards.yaml"
    backwards.write_text(dump([_chat_request()], [_timed(chat_chunks(["a"]), [0.1, 0.3, 0.2, 0.4])]))
    assert "interaction 1: event 3 arrives before event 2 (edited by hand?)" in run("lint", str(backwards)).stdout


def test_lint_reports_unreadable_and_foreign_cassettes_and_leaves_other_files_alone(tmp_path: Path) -> None:
    folder = _folder_of_cassettes(tmp_path)
    (folder / "test_app" / "test_broken.yaml").write_text("streamtest_format: 7\ninteractions: []\n")
    (folder / "test_app" / "test_vcr.yaml").write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi"]))]))
    (folder / "docker-compose.yml").write_text("services: {}\n")
    (folder / "package.json").write_text('{"name": "x"}\n')
    result = run("lint", str(folder))
    assert result.returncode == 1
    out = result.stdout
    assert "test_broken.yaml: error: cassette format version 7 is not supported" in out
    vcr_path = folder / "test_app" / "test_vcr.yaml"
    assert f"{vcr_path}: warning: a vcrpy YAML cassette (pytest-recording's default): it replays, with no timing known; `streamtest import {vcr_path}` converts it" in out
    assert re.search(rf"{re.escape(str(vcr_path))}:\d+: error: holds the value of \$|{re.escape(str(vcr_path))}:\d+: error: holds a bearer token", out)
    assert "docker-compose" not in out and "package.json" not in out and "checked 3 cassettes" in out


# --------------------------------------------------------------------------- diff


def test_diff_compares_two_recordings_token_by_token(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(dump([_chat_request()], [_timed(chat_chunks(["Why", " was", " the", " cat"]), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.6])]))
    b.write_text(dump([_chat_request("Write a joke about dogs")], [_timed(chat_chunks(["Why", " was", " a", " dog", "?"]), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7])]))
    result = run("diff", str(a), str(b))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "#1 POST /v1/chat/completions: request, tokens (4 -> 5) differ" in lines
    assert '-      "content": "Write a joke about cats",' in [line.strip(" ") and line[2:] for line in lines]
    assert "  tokens:  Why| was|[- the| cat-]|{+ a| dog|?+}" in lines
    assert "  timing:  TTFT 0.200s -> 0.200s, total 0.600s -> 0.700s" in lines
    assert lines[-1] == "the streams differ"
    same = run("diff", str(a), str(a))
    assert same.returncode == 0 and same.stdout.splitlines()[-1] == "the streams say the same thing"
    assert "#1 POST /v1/chat/completions: same stream" in same.stdout


def test_diff_lists_interactions_only_one_side_has(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(dump([_chat_request()], [sse_response(chat_chunks(["x"]))]))
    b.write_text(dump([_chat_request(), _chat_request("again")], [sse_response(chat_chunks(["x"])), sse_response(chat_chunks(["y"]))]))
    result = run("diff", str(a), str(b))
    assert result.returncode == 1 and "#2 POST /v1/chat/completions: only in B" in result.stdout


# --------------------------------------------------------------------------- import


def test_import_converts_in_place_through_the_scrubber(tmp_path: Path) -> None:
    folder = tmp_path / "cassettes" / "test_app"
    folder.mkdir(parents=True)
    pair = [(chat_request(), sse_response_of(["Hi", " there"], gzipped=True))]
    (folder / "test_yaml.yaml").write_text(vcrpy_text(pair))
    (folder / "test_json.json").write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi", " there"]))], serializer="json"))
    (folder / "test_cassetter.yaml").write_text(cassetter_yaml(["Hi", " there"]))
    shutil.copy(FANOUT, folder / "test_ours.yaml")
    (folder / "package.json").write_text('{"name": "x"}\n')  # not a cassette: left alone
    result = run("import", str(tmp_path / "cassettes"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "scrub and leak settings: streamtest's defaults (no pytest configuration file found)",
        f"converted: {folder}/test_cassetter.yaml -> {folder}/test_cassetter.yaml (a cassetter YAML cassette: 1 interaction; "
        "5 events, no timing known; dropped x-request-id)",
        f"converted: {folder}/test_json.json -> {folder}/test_json.yaml (a vcrpy JSON cassette (pytest-recording with "
        "serializer='json'): 1 interaction; 5 events, no timing known; dropped authorization, host, set-cookie, "
        "openai-organization, transfer-encoding)",
        f"skipped: {folder}/test_ours.yaml (already a streamtest cassette)",
        f"converted: {folder}/test_yaml.yaml -> {folder}/test_yaml.yaml (a vcrpy YAML cassette (pytest-recording's "
        "default): 1 interaction; 5 events, no timing known; compressed bodies decoded; dropped authorization, host, "
        "openai-organization, set-cookie, transfer-encoding)",  # vcrpy's YAML sorts keys
        "3 converted, 1 skipped",
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["package.json", "test_cassetter.yaml", "test_json.yaml", "test_ours.yaml", "test_yaml.yaml"]
    for name in ("test_cassetter.yaml", "test_json.yaml", "test_yaml.yaml"):
        text = (folder / name).read_text()
        assert text.startswith("streamtest_format: 1\n") and KEY not in text and "SECRET" not in text
        with use_cassette(folder / name, unplayed="warn") as cassette:
            assert cassette.interactions[0].tokens == ["Hi", " there"]
    assert (folder / "test_cassetter.yaml").read_text().startswith("streamtest_format: 1\nrecorded_at: '2026-12-01T20:38:07Z'\n")
    assert run("lint", str(tmp_path / "cassettes")).returncode == 0  # what import writes passes lint


def test_import_to_another_folder_dry_run_and_existing_targets(tmp_path: Path) -> None:
    source = tmp_path / "old" / "mod"
    source.mkdir(parents=True)
    (source / "test_a.json").write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi"]))], serializer="json"))
    dry = run("import", "--dry-run", str(tmp_path / "old"), "--out", str(tmp_path / "new"))
    assert dry.returncode == 0 and dry.stdout.splitlines()[1].startswith(f"would convert: {source}/test_a.json -> {tmp_path}/new/mod/test_a.yaml")
    assert not (tmp_path / "new").exists()
    assert run("import", str(tmp_path / "old"), "--out", str(tmp_path / "new")).returncode == 0
    assert (tmp_path / "new" / "mod" / "test_a.yaml").is_file() and (source / "test_a.json").is_file()
    again = run("import", str(tmp_path / "old"), "--out", str(tmp_path / "new"))
    assert f"skipped: {source}/test_a.json ({tmp_path}/new/mod/test_a.yaml exists (--force replaces it))" in again.stdout
    assert "1 converted" in run("import", str(tmp_path / "old"), "--out", str(tmp_path / "new"), "--force").stdout


def test_import_refuses_what_the_leak_guard_finds(tmp_path: Path) -> None:
    path = tmp_path / "test_leak.yaml"
    original = vcrpy_text([(chat_request(f"my key is {KEY}"), sse_response_of(["Hi"]))])
    path.write_text(original)
    result = run("import", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith(f"failed: {path} (refused: the converted cassette would hold an OpenAI-style key (sk-...)")
    assert path.read_text() == original and KEY not in result.stdout


PROJECT_SETTINGS = {
    "pyproject.toml": '[tool.pytest.ini_options]\nstreamtest_scrub_fields = ["tenant_pin"]\n'
    'streamtest_drop_query_params = ["tenant"]\nstreamtest_public_env = ["DB_PASS"]\n',
    "pytest.ini": "[pytest]\nstreamtest_scrub_fields = tenant_pin\nstreamtest_drop_query_params = tenant\nstreamtest_public_env = DB_PASS\n",
    "tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\nstreamtest_scrub_fields = tenant_pin\nstreamtest_drop_query_params = tenant\n"
    "streamtest_public_env = DB_PASS\n",
    "setup.cfg": "[metadata]\nname = app\n\n[tool:pytest]\nstreamtest_scrub_fields = tenant_pin\n"
    "streamtest_drop_query_params = tenant\nstreamtest_public_env =\n    DB_PASS\n",
}


@pytest.mark.parametrize("config", sorted(PROJECT_SETTINGS))
def test_import_scrubs_with_every_policy_key_of_the_file_pytest_reads(tmp_path: Path, config: str) -> None:
    """What `pytest --record` would scrub, `streamtest import` scrubs: scrub_fields, drop_query_params, public_env too."""
    request = chat_request("value not-secret-9", uri=URI + "?tenant=acme-tenant-1&v=2")
    body = json.loads(request.body)
    request.body = json.dumps({**body, "tenant_pin": "Zq81-pin-7731"}).encode()
    cassette = tmp_path / "cassettes" / "test_pin.yaml"
    cassette.parent.mkdir()
    original = vcrpy_text([(request, sse_response_of(["Hi"]))])
    cassette.write_text(original)
    env = {"DB_PASS": "not-secret-9"}
    refused = run("import", str(cassette), env=env)  # no settings: $DB_PASS counts as a secret
    assert refused.returncode == 1 and "the value of $DB_PASS" in refused.stdout, refused.stdout
    assert refused.stdout.splitlines()[0] == "scrub and leak settings: streamtest's defaults (no pytest configuration file found)"
    (tmp_path / config).write_text(PROJECT_SETTINGS[config])
    (tmp_path / "sub").mkdir()
    result = run("import", str(cassette), env=env, cwd=tmp_path / "sub")  # found from the path, as pytest does
    assert result.returncode == 0, result.stdout + result.stderr
    section = {"pyproject.toml": "tool.pytest.ini_options", "setup.cfg": "tool:pytest"}.get(config, "pytest")
    assert result.stdout.splitlines()[0] == f"scrub and leak settings: streamtest_* keys of {tmp_path / config} [{section}]"
    text = cassette.read_text()
    assert "tenant_pin: <scrubbed>" in text and "Zq81-pin-7731" not in text
    assert "acme-tenant-1" not in text and "?v=2" in text
    assert "not-secret-9" in text
    lint = run("lint", str(cassette), env=env)
    assert lint.returncode == 0, lint.stdout
    assert lint.stdout.splitlines()[0] == f"scrub and leak settings: streamtest_* keys of {tmp_path / config} [{section}]"


def test_the_command_reads_the_file_pytest_would_and_no_other(tmp_path: Path) -> None:
    from streamtest._cli.config import find_pytest_config

    project = tmp_path / "project"
    (project / "tests" / "cassettes").mkdir(parents=True)
    cassettes = project / "tests" / "cassettes"
    (tmp_path / "pytest.ini").write_text("[pytest]\nstreamtest_secret_env = OUTER\n")
    (project / "setup.cfg").write_text("[metadata]\nname = x\n")  # no [tool:pytest]: not pytest's file
    (project / "tox.ini").write_text("[pytest]\nstreamtest_secret_env = FROM_TOX\n")
    (project / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")  # no pytest table: passed over
    assert find_pytest_config([cassettes]).path == project / "tox.ini"
    assert find_pytest_config([cassettes]).policy_settings() == {"secret_env": ["FROM_TOX"]}
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\nstreamtest_secret_env = "A B"\n')
    assert find_pytest_config([cassettes]).policy_settings() == {"secret_env": ["A", "B"]}  # before tox.ini
    (project / "pytest.ini").write_text("")  # pytest.ini is pytest's file even when empty
    assert find_pytest_config([cassettes]).path == project / "pytest.ini"
    assert find_pytest_config([cassettes]).policy_settings() == {}
    assert find_pytest_config([tmp_path]).path == tmp_path / "pytest.ini"


def test_import_and_lint_fix_write_through_the_one_guarded_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``files.write_guarded`` is the one write path (leak guard, then atomic): the command uses it too."""
    import streamtest._cassette.files as files

    written: list[Path] = []
    real = files.write_guarded

    def spy(pending: Any, *args: Any, **kwargs: Any) -> None:
        written.extend(f.path for f in pending)
        real(pending, *args, **kwargs)

    monkeypatch.setattr(files, "write_guarded", spy)
    source = tmp_path / "test_a.json"
    source.write_text(vcrpy_text([(chat_request(), sse_response_of(["Hi"]))], serializer="json"))
    assert main(["import", str(source)]) == 0
    assert written == [tmp_path / "test_a.yaml"]
    edited = tmp_path / "test_b.yaml"
    edited.write_text(FANOUT.read_text().replace('"content":"', '"content": "', 1))
    assert main(["lint", "--fix", str(edited)]) == 0
    assert written[1:] == [edited] and edited.read_text() == FANOUT.read_text()


# --------------------------------------------------------------------------- output and packaging


def test_colour_only_through_rich_and_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from streamtest._cli.output import Output

    plain = io.StringIO()
    Output(plain).parts([("Why", None), ("|", "dim"), ("[-was-]", "bold red")])  # not a terminal: plain text
    assert plain.getvalue() == "Why|[-was-]\n"
    pytest.importorskip("rich")
    coloured = io.StringIO()
    Output(coloured, color=True).parts([("Why", None), ("[-was-]", "bold red")])
    assert "\x1b[" in coloured.getvalue() and "[-was-]" in coloured.getvalue()  # brackets are text, not markup
    monkeypatch.setitem(sys.modules, "rich.console", None)  # the cli extra not installed
    fallback = io.StringIO()
    Output(fallback, color=True).line("Why", "bold")
    assert fallback.getvalue() == "Why\n"


# Libraries of the user's app that streamtest patches only when they are installed (botocore's stub).
APP_LIBRARIES = {"botocore", "urllib3"}


def test_every_library_streamtest_imports_is_declared() -> None:
    """A module streamtest imports comes from a distribution pyproject.toml names (core or an extra), not by luck."""
    import ast
    import tomllib
    from importlib.metadata import packages_distributions

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    declared = {canonicalize_name(Requirement(r).name) for r in requirements}
    imported: dict[str, str] = {}
    for path in sorted((ROOT / "streamtest").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                imported.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    distributions = packages_distributions()
    undeclared = {
        top: where
        for top, where in imported.items()
        if top not in sys.stdlib_module_names and top != "streamtest" and top not in APP_LIBRARIES
        and not {canonicalize_name(d) for d in distributions.get(top, [top])} & declared
    }
    assert undeclared == {}


def test_packaging_declares_the_command_and_the_typed_marker() -> None:
    """What `pip install streamtest` ships (checked for real in a fresh venv: see CONTRIBUTING.md)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"streamtest": "streamtest._cli.main:main"}
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["streamtest"]
    assert (ROOT / "streamtest" / "py.typed").is_file()
    assert main(["diff", str(FANOUT), str(FANOUT)]) == 0  # the entry point returns the exit status
