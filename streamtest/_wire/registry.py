"""Every stream format streamtest reads, and how a recorded exchange finds its own.

A format is found by the request path first (``/chat/completions``,
``/responses``...), then, for servers with paths of their own, by what its
first data frames look like. Adding a provider: write its module (subclass
:class:`~streamtest._wire.base.WireFormat`), add the instance to
:data:`FORMATS`, and test it (see CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from streamtest._wire.anthropic import ANTHROPIC
from streamtest._wire.base import Frame, WireFormat
from streamtest._wire.bedrock import BEDROCK
from streamtest._wire.gemini import GEMINI
from streamtest._wire.ollama import OLLAMA
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.openai_responses import OPENAI_RESPONSES

__all__ = ["FORMATS", "format_for", "format_named", "local_server_hosts", "placeholder_env"]

FORMATS: tuple[WireFormat, ...] = (OPENAI_CHAT, OPENAI_RESPONSES, ANTHROPIC, GEMINI, OLLAMA, BEDROCK)

_SNIFFED_FRAMES = 4


def format_for(path: str, frames: Sequence[Frame] = ()) -> WireFormat | None:
    """The format of an exchange on ``path`` whose response carried ``frames``."""
    for wire in FORMATS:
        if wire.claims(path):
            return wire
    payloads = [frame.json() for frame in frames[:_SNIFFED_FRAMES]]
    return next((wire for wire in FORMATS if wire.sniff(payloads)), None)


def format_named(name: str) -> WireFormat | None:
    return next((wire for wire in FORMATS if wire.name == name), None)


def local_server_hosts() -> frozenset[str]:
    """Provider hosts whose traffic ``--llm-server=local`` may send to the embedded server."""
    return frozenset(host for wire in FORMATS if wire.local_server for host in wire.hosts)


def placeholder_env(environ: Mapping[str, str], key: str, *, replaying: bool) -> dict[str, str]:
    """The environment variables to set so provider clients can be built without credentials.

    For each format whose key variables (:attr:`~streamtest._wire.base.WireFormat.key_env`)
    are all unset, its first one gets ``key``; when ``replaying``, the formats'
    :attr:`~streamtest._wire.base.WireFormat.replay_env` placeholders fill what is unset.
    Pure: the caller sets them (and restores them).
    """
    wanted: dict[str, str] = {}
    for wire in FORMATS:
        if wire.key_env and not any(environ.get(name) for name in wire.key_env):
            wanted[wire.key_env[0]] = key
        if replaying:
            wanted.update({name: value for name, value in wire.replay_env.items() if name not in environ})
    return wanted
