"""Normalization: per-run values become placeholders numbered by first appearance."""

from __future__ import annotations

import dataclasses
import uuid

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk

from streamtest._transcript.normalize import VOLATILE_METADATA_KEYS, Normalizer, to_plain

TASK_A = "6ddc5f0f-1dd0-325d-3014-f949286ce595"
TASK_B = "3fa3fbe1-39d8-5209-dd77-0da38d4cc1c9"
RUN = "01a20aa9-7777-752f-afe9-41b422143003"


def test_checkpoint_ns_task_ids_become_numbered_placeholders() -> None:
    n = Normalizer()
    assert n.checkpoint_ns(f"call_model:{TASK_A}") == "call_model:<task:1>"
    assert n.checkpoint_ns(f"parent:{TASK_B}|call_model:{TASK_A}") == "parent:<task:2>|call_model:<task:1>"


def test_namespace_entries_share_placeholders_with_checkpoint_ns() -> None:
    n = Normalizer()
    assert n.namespace((f"parent:{TASK_B}",)) == ("parent:<task:1>",)
    assert n.checkpoint_ns(f"parent:{TASK_B}|child:{TASK_A}") == "parent:<task:1>|child:<task:2>"


def test_segments_without_task_id_and_empty_ns_are_kept() -> None:
    n = Normalizer()
    assert n.checkpoint_ns("") == ""
    assert n.namespace(("plain",)) == ("plain",)


def test_any_task_id_shape_is_replaced() -> None:
    # langgraph has changed its task-id format before; whatever follows ':' is the id.
    assert Normalizer().checkpoint_ns("node:abc123") == "node:<task:1>"


def test_message_ids_map_to_msg_placeholders_and_reappear_inside_payloads() -> None:
    n = Normalizer()
    assert n.message_id(f"lc_run--{RUN}") == "<msg:1>"
    assert n.message_id(f"lc_run--{RUN}-0") == "<msg:2>"
    assert n.message_id(None) is None
    assert n.value({"id": f"lc_run--{RUN}", "other": f"see lc_run--{RUN}-0"}) == {"id": "<msg:1>", "other": "see <msg:2>"}


def test_bare_uuid_message_id_keeps_its_msg_placeholder_in_text() -> None:
    n = Normalizer()
    mid = str(uuid.uuid4())
    assert n.message_id(mid) == "<msg:1>"
    assert n.text(f"id={mid}") == "id=<msg:1>"
    assert n.text(f"run={uuid.uuid4()}") == "run=<id:1>"


def test_metadata_drops_version_dependent_keys_and_normalizes_namespaces() -> None:
    raw = {
        "ls_integration": "langchain_chat_model",
        "langgraph_step": 1,
        "langgraph_node": "call_model",
        "langgraph_triggers": ("branch:to:call_model",),
        "langgraph_path": ("__pregel_pull", "call_model"),
        "langgraph_checkpoint_ns": f"call_model:{TASK_A}",
        "checkpoint_ns": f"call_model:{TASK_A}",
        "ls_provider": "openai",
        "ls_temperature": None,
        "lc_versions": {"langchain-core": "1.7.2"},
        "tags": ["poem"],
    }
    assert Normalizer().metadata(raw) == {
        "langgraph_step": 1,
        "langgraph_node": "call_model",
        "langgraph_triggers": ["branch:to:call_model"],
        "langgraph_path": ["__pregel_pull", "call_model"],
        "langgraph_checkpoint_ns": "call_model:<task:1>",
        "checkpoint_ns": "call_model:<task:1>",
        "ls_provider": "openai",
        "ls_temperature": None,
        "tags": ["poem"],
    }
    assert {"lc_versions", "ls_integration"} == VOLATILE_METADATA_KEYS


def test_drop_keys_is_configurable() -> None:
    assert Normalizer(drop_keys={"secret"}).metadata({"secret": 1, "lc_versions": {}}) == {"lc_versions": {}}


def test_nested_payloads_timestamps_and_addresses() -> None:
    class Opaque:
        pass

    n = Normalizer()
    payload = {
        "config": {"configurable": {"checkpoint_ns": f"a:{TASK_A}", "checkpoint_id": str(uuid.uuid4())}},
        "timestamp": "2026-11-23T23:12:41.987106+00:00",
        "lc_versions": {"x": "1"},
        "tasks": [{"id": TASK_A, "name": "a"}],
        "obj": Opaque(),
    }
    out = n.value(payload)
    assert out["config"]["configurable"] == {"checkpoint_ns": "a:<task:1>", "checkpoint_id": "<id:1>"}
    assert out["timestamp"] == "<timestamp>"
    assert "lc_versions" not in out
    assert out["tasks"] == [{"id": "<task:1>", "name": "a"}]
    assert " at 0x" not in out["obj"]


def test_normalizing_twice_changes_nothing() -> None:
    n = Normalizer()
    once = n.metadata({"checkpoint_ns": f"a:{TASK_A}|b:{TASK_B}", "x": f"lc_run--{RUN}"})
    assert Normalizer().metadata(once) == once


def test_to_plain_handles_messages_dataclasses_sets_and_tuples() -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: tuple[int, int]

    assert to_plain(Point(1, (2, 3))) == {"x": 1, "y": [2, 3]}
    assert to_plain({3, 1, 2}) == [1, 2, 3]
    assert to_plain(b"hi") == "hi"
    plain = to_plain(AIMessageChunk(content="hi", id="m1"))
    assert plain["content"] == "hi" and plain["id"] == "m1" and plain["type"] == "AIMessageChunk"


@given(st.lists(st.sampled_from([str(uuid.UUID(int=i)) for i in range(6)]), max_size=30))
def test_placeholders_are_consistent_and_numbered_by_first_appearance(ids: list[str]) -> None:
    n = Normalizer()
    out = [n.checkpoint_ns(f"node:{task}") for task in ids]
    first_seen = list(dict.fromkeys(ids))
    assert out == [f"node:<task:{first_seen.index(task) + 1}>" for task in ids]


def test_tool_call_ids_become_call_placeholders_wherever_a_tool_call_names_them() -> None:
    n = Normalizer()
    message = {
        "tool_calls": [{"name": "get_weather", "args": {"city": "Paris"}, "id": "q4c9HVB2", "type": "tool_call"}],
        "tool_call_chunks": [{"name": "get_weather", "args": "{", "id": "q4c9HVB2", "index": 0, "type": "tool_call_chunk"}],
        "content": [{"type": "function_call", "call_id": "call_Yn", "id": "fc_Yn", "arguments": "{}"}],
        "id": "not-a-call",  # a message id is not a tool-call id
    }
    plain = n.value(message)
    assert plain["tool_calls"][0]["id"] == plain["tool_call_chunks"][0]["id"] == "<call:1>"
    assert plain["content"][0]["call_id"] == "<call:2>" and plain["content"][0]["id"] == "<call:3>"
    assert plain["id"] == "not-a-call"
    assert n.value({"type": "tool", "tool_call_id": "q4c9HVB2"})["tool_call_id"] == "<call:1>"
    assert n.tool_call_id("<call:1>") == "<call:1>" and n.tool_call_id(None) is None


def test_interrupt_ids_become_interrupt_placeholders() -> None:
    n = Normalizer()
    update = {"__interrupt__": [{"value": {"city": "Paris"}, "id": "0a6ff2e4b23c051b43db961f5c688fcd"}]}
    assert n.value(update) == {"__interrupt__": [{"value": {"city": "Paris"}, "id": "<interrupt:1>"}]}


def test_provider_message_ids_and_epoch_timestamps_are_normalized_in_messages() -> None:
    n = Normalizer()
    message = {"content": "Hi", "response_metadata": {"id": "resp_A3tH5", "created_at": 1796161484.0}, "type": "ai", "id": "resp_A3tH5"}
    assert n.value(message) == {"content": "Hi", "response_metadata": {"id": "<msg:1>", "created_at": "<timestamp>"}, "type": "ai", "id": "<msg:1>"}
    assert n.value({"content": "resp_other", "type": "tool"}) == {"content": "resp_other", "type": "tool"}
    assert n.value({"type": "text", "id": "msg_31wxnv2HsBs6Jb39klUSsDwsGCs9T9iV"}) == {"type": "text", "id": "<id:1>"}
