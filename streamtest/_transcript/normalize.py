"""Per-run values to stable placeholders, so two runs of one recording compare equal.

A LangGraph stream carries values that change on every run even when the tokens
are replayed byte for byte from a cassette:

- the task-id suffix of every namespace entry and of ``langgraph_checkpoint_ns`` /
  ``checkpoint_ns`` (``"call_model:6ddc5f0f-..."``),
- message ids (``"lc_run--<uuid7>"``, or a bare uuid4 that LangGraph assigns to a
  message that had none), run ids, checkpoint ids, and timestamps,
- tool-call ids, which the provider draws at random on every recording
  (``"call_abc..."``; found by key: ``tool_call_id``, ``call_id``, and the ``id`` of a
  tool call, tool-call chunk or function-call block), and the ids of the interrupts
  under ``__interrupt__`` (a hash of the task's id),
- a provider's own ids (a message's ``id``, e.g. the Responses API's ``resp_...``, and the
  same value wherever else it appears; ``msg_``/``rs_``/``fc_``/``call_``/``toolu_`` ids in
  any string) and epoch timestamps (``created_at``),
- keys whose value (or presence) depends on the installed versions rather than on
  the graph: ``lc_versions`` and ``ls_integration``.

A :class:`Normalizer` replaces them with placeholders numbered by *first
appearance*: ``"call_model:<task:1>"``, ``"<msg:2>"``, ``"<call:1>"``, ``"<id:3>"``, ``"<timestamp>"``;
the volatile keys are dropped. The same raw value always gets the same placeholder
within one normalizer, so structure survives (two events of one call still share
``<msg:1>``). Numbering by first appearance is only reproducible if the values are
fed in a reproducible order: ``_capture`` feeds events in its canonical order.

This module is a leaf: it imports nothing of ours but ``_exceptions`` and knows
nothing about LangGraph beyond the string formats above.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Set
from typing import Any

__all__ = ["NS_END", "NS_SEP", "VOLATILE_METADATA_KEYS", "Normalizer", "to_plain"]

VOLATILE_METADATA_KEYS: frozenset[str] = frozenset({"lc_versions", "ls_integration"})
"""Metadata keys whose value or presence follows the installed versions, not the graph."""

NS_SEP = "|"
"""LangGraph's namespace separator (reserved in node names): ``parent:<id>|child:<id>``."""
NS_END = ":"
"""Separates a node name from its task id in a namespace entry."""
_CHECKPOINT_NS_KEYS = frozenset({"langgraph_checkpoint_ns", "checkpoint_ns"})

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_LC_RUN_RE = re.compile(rf"lc_run--{_UUID}(?:-\d+)?")
_UUID_RE = re.compile(_UUID)
# Provider-drawn ids: Responses items (resp_, msg_, rs_, fc_), OpenAI and Anthropic tool calls.
_PROVIDER_ID_RE = re.compile(r"\b(?:resp|msg|rs|fc|call|toolu)_[0-9A-Za-z]{20,}\b")
_TIMESTAMP_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_ADDRESS_RE = re.compile(r" at 0x[0-9a-fA-F]+")
_PLACEHOLDER_RE = re.compile(r"<(?:task|msg|call|interrupt|id):\d+>")
_INTERRUPT_KEY = "__interrupt__"
_MESSAGE_TYPES = frozenset({"ai", "human", "system", "tool", "AIMessageChunk", "HumanMessageChunk", "ToolMessageChunk"})
_TIMESTAMP_KEYS = frozenset({"created_at", "created"})
_TOOL_CALL_ID_KEYS = frozenset({"tool_call_id", "call_id"})
# Dicts whose "id" is a tool-call id: LangChain's tool calls and chunks, OpenAI's
# chat tool calls (``type: function``) and Responses function-call items.
_TOOL_CALL_TYPES = frozenset({"tool_call", "tool_call_chunk", "invalid_tool_call", "function", "function_call"})


class Normalizer:
    """Maps per-run values to placeholders, numbering each kind by first appearance.

    One normalizer per transcript: feeding two transcripts through one normalizer
    would number the second one's values after the first one's.
    """

    def __init__(self, *, drop_keys: Iterable[str] = VOLATILE_METADATA_KEYS) -> None:
        self.drop_keys: frozenset[str] = frozenset(drop_keys)
        self._seen: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def _placeholder(self, kind: str, raw: str) -> str:
        """The placeholder of ``raw``; a raw value keeps the kind it was first seen as."""
        if _PLACEHOLDER_RE.fullmatch(raw):  # already normalized: idempotent
            return raw
        found = self._seen.get(raw)
        if found is None:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            found = self._seen[raw] = f"<{kind}:{self._counts[kind]}>"
        return found

    def task_id(self, raw: str) -> str:
        """``"6ddc5f0f-..."`` -> ``"<task:N>"``."""
        return self._placeholder("task", raw)

    def message_id(self, raw: str | None) -> str | None:
        """A message id (``lc_run--<uuid>``, a uuid, anything) -> ``"<msg:N>"``."""
        return None if raw is None else self._placeholder("msg", raw)

    def tool_call_id(self, raw: str | None) -> str | None:
        """A tool-call id (``"call_abc..."``, any shape) -> ``"<call:N>"``."""
        return None if raw is None else self._placeholder("call", raw)

    def checkpoint_ns(self, raw: str) -> str:
        """``"parent:<id>|child:<id>"`` -> ``"parent:<task:1>|child:<task:2>"``.

        Whatever follows the ``:`` of a segment is the task id, whatever its shape:
        langgraph has changed the id format before and may again (``:`` is
        reserved in node names, so the first one ends the name).
        """
        if not raw:
            return raw
        return NS_SEP.join(self._segment(segment) for segment in raw.split(NS_SEP))

    def namespace(self, raw: Iterable[str]) -> tuple[str, ...]:
        """A namespace tuple, entry by entry, like :meth:`checkpoint_ns`."""
        return tuple(self._segment(entry) for entry in raw)

    def _segment(self, segment: str) -> str:
        node, sep, task = segment.partition(NS_END)
        if not sep or not task:
            return segment
        return f"{node}{NS_END}{self.task_id(task)}"

    def metadata(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Token metadata with volatile keys dropped and ids replaced, as plain data."""
        out: dict[str, Any] = {}
        for key, value in raw.items():
            key = str(key)
            if key in self.drop_keys:
                continue
            if key in _CHECKPOINT_NS_KEYS and isinstance(value, str):
                out[key] = self.checkpoint_ns(value)
            else:
                out[key] = self.value(value)
        return out

    def text(self, raw: str) -> str:
        """Replace ids and timestamps inside free text (payload strings, reprs), and known ids anywhere."""
        known = self._seen.get(raw)
        if known is not None:
            return known
        raw = _LC_RUN_RE.sub(lambda m: self._placeholder("msg", m.group(0)), raw)
        raw = _UUID_RE.sub(lambda m: self._placeholder("id", m.group(0)), raw)
        raw = _PROVIDER_ID_RE.sub(lambda m: self._placeholder("id", m.group(0)), raw)
        raw = _TIMESTAMP_RE.sub("<timestamp>", raw)
        return _ADDRESS_RE.sub("", raw)

    def value(self, raw: Any) -> Any:
        """Any payload as plain data (see :func:`to_plain`) with ids replaced.

        Mapping keys named like checkpoint namespaces are treated as such wherever
        they occur (task and checkpoint payloads nest them); volatile keys are
        dropped at any depth.
        """
        return self._walk(to_plain(raw))

    def _walk(self, plain: Any) -> Any:
        if isinstance(plain, str):
            return self.text(plain)
        if isinstance(plain, list):
            return [self._walk(item) for item in plain]
        if isinstance(plain, dict):
            out: dict[str, Any] = {}
            kind = plain.get("type")
            is_call = isinstance(kind, str) and kind in _TOOL_CALL_TYPES
            if isinstance(kind, str) and kind in _MESSAGE_TYPES and isinstance(plain.get("id"), str):
                self.message_id(plain["id"])  # first, so its copies (response_metadata.id) map alike
            for key, value in plain.items():
                if key in self.drop_keys:
                    continue
                if key in _TIMESTAMP_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[key] = "<timestamp>"
                elif isinstance(value, str) and (key in _TOOL_CALL_ID_KEYS or (is_call and key == "id")):
                    out[key] = self._placeholder("call", value)
                elif key == _INTERRUPT_KEY and isinstance(value, list):
                    out[key] = [self._interrupt(item) for item in value]
                elif key in _CHECKPOINT_NS_KEYS and isinstance(value, str):
                    out[self.text(key)] = self.checkpoint_ns(value)
                else:
                    out[self.text(key)] = self._walk(value)
            return out
        return plain

    def _interrupt(self, item: Any) -> Any:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            item = {**item, "id": self._placeholder("interrupt", item["id"])}
        return self._walk(item)


def to_plain(value: Any) -> Any:
    """``value`` as YAML-safe plain data: dicts with str keys, lists, str, int, float, bool, None.

    Tuples become lists (YAML has no tuples, and a golden file must compare equal
    to a fresh capture after a round trip); pydantic models (messages) are dumped;
    dataclasses become dicts; sets become sorted lists; anything else becomes its
    ``repr`` without memory addresses.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):  # str subclasses (langchain's TextAccessor, str enums): YAML refuses them
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)):
        return float(value) if isinstance(value, float) else int(value)
    if isinstance(value, Mapping):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, Set):
        return sorted((to_plain(item) for item in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        try:
            return to_plain(model_dump())
        except Exception:
            pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return _ADDRESS_RE.sub("", repr(value))
