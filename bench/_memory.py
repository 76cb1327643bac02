"""Peak memory of loading and replaying one cassette, one tool per process (row 4).

``python -m bench._memory TOOL CASSETTE`` imports the stack, notes the
process's resident size, then replays the cassette's one chat-completions
stream through the sync ``OpenAI`` client under TOOL (streamtest, vcrpy or
cassetter), reading every chunk, and prints one JSON line: the resident size
before (``baseline``), the high-water mark (``VmHWM``) after, and what is still
resident after the cassette is closed, in MiB. A fresh process per measurement,
because the high-water mark never goes down.
"""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _status(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _open(tool: str, path: Path) -> AbstractContextManager[Any]:
    if tool == "streamtest":
        import streamtest

        return streamtest.use_cassette(path)
    if tool == "vcrpy":
        import vcr

        return vcr.VCR(record_mode="none").use_cassette(str(path))
    if tool == "cassetter":
        import cassetter

        return cassetter.use_cassette(path, record_mode="none")
    raise SystemExit(f"unknown tool {tool!r}")


def main(argv: list[str]) -> int:
    import gc

    import cassetter  # noqa: F401 - every tool's imports are paid before the baseline
    import openai
    import vcr  # noqa: F401

    import streamtest  # noqa: F401
    from bench._apps import DUMMY_KEY, MODEL, PROMPT_MESSAGES

    tool, path = argv[0], Path(argv[1])
    client = openai.OpenAI(api_key=DUMMY_KEY, max_retries=0)
    gc.collect()
    baseline = _status("VmRSS:")
    chunks = 0
    with _open(tool, path):
        for _ in client.chat.completions.create(model=MODEL, messages=PROMPT_MESSAGES, stream=True):
            chunks += 1
    peak = _status("VmHWM:")
    gc.collect()
    print(json.dumps({"tool": tool, "chunks": chunks, "baseline": baseline, "peak": peak, "after": _status("VmRSS:")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
