"""The README's copyable property test runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _block_containing(needle: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    (block,) = [b for b in blocks if needle in b]
    return block


def test_the_property_test_in_the_readme_passes() -> None:
    namespace: dict[str, object] = {}
    # A pseudo file name: hypothesis reads the test's source file for constants, and the README
    # is Markdown, not Python (a "(" before a "#" made it fail to tokenize).
    exec(compile(_block_containing("def test_joke_tokens_add_up_to_the_state"), f"<{README.name}>", "exec"), namespace)
    namespace["test_joke_tokens_add_up_to_the_state"]()  # type: ignore[operator]


def test_the_agent_property_test_in_the_readme_passes() -> None:
    from examples.agents import weather_agent

    namespace: dict[str, object] = {"agent": weather_agent}
    name = "test_whatever_the_chunking_the_agent_calls_get_weather_once_and_answers"
    exec(compile(_block_containing(f"def {name}"), str(README), "exec"), namespace)
    namespace[name]()  # type: ignore[operator]


def test_the_hand_written_sse_block_in_the_readme_loads_as_documented() -> None:
    from streamtest._cassette.format import load

    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S) if "raw:" in b]
    cassette = (
        "streamtest_format: 1\ninteractions:\n- request: {method: POST, uri: 'https://api.openai.com/v1/responses'}\n"
        "  response:\n    status: 200\n    headers: {content-type: [text/event-stream]}\n" + block
    )
    (response,) = load(cassette, "README.md")[1]
    assert response["chunks"] == [
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
        b"data: [DONE]\n\n",
        b": keep-alive\n\n",
    ]


def test_the_fault_property_in_the_readme_passes_on_the_example_graph() -> None:
    """Run on examples/resilient.py and its cassette, which the README's snippet stands for."""
    from examples.resilient import graph

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "resilient.yaml"
    source = _block_containing("def test_a_whole_answer_or_a_clean_error")
    assert '"tests/cassettes/answers.yaml"' in source
    namespace: dict[str, object] = {"graph": graph}
    exec(compile(source.replace('"tests/cassettes/answers.yaml"', repr(str(fixture))), str(README), "exec"), namespace)
    namespace["test_a_whole_answer_or_a_clean_error"]()  # type: ignore[operator]
