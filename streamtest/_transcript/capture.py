"""Run a compiled LangGraph graph and collect what it streams into a :class:`Transcript`.

This is the one module that runs a graph (LangGraph stays unimported until a
graph does). It passes the stream options through unchanged and adds one observer
callback to ``config``; the rest lives in modules with one job each, imported one way:

- :mod:`streamtest._transcript.events`: stream shapes, and one item to one :class:`StreamEvent`;
- :mod:`streamtest._transcript.order`: the observer callback and the canonical event order;
- :mod:`streamtest._transcript.transcript`: the :class:`Transcript` built from those events.

The public names are re-exported from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from streamtest._exceptions import StreamShapeError, UsageError
from streamtest._transcript.events import Extractor, StreamEvent, StreamShape, Tokens, check_extract
from streamtest._transcript.order import observer_class, with_observer
from streamtest._transcript.transcript import Transcript, build_transcript, stream_options

__all__ = [
    "Extractor",
    "StreamEvent",
    "StreamShapeError",
    "Tokens",
    "Transcript",
    "acapture",
    "capture",
]


def _prepare(
    graph: Any,
    stream_mode: object,
    subgraphs: bool,
    config: Mapping[str, Any] | None,
    version: str | None,
    extract: object,
    method: str,
    stream_kwargs: dict[str, Any],
) -> tuple[StreamShape, Any, dict[str, Any], dict[str, Any]]:
    if not callable(getattr(graph, method, None)):
        raise UsageError(f"graph={graph!r} has no .{method}(); pass a compiled LangGraph graph.")
    check_extract(extract)
    shape = StreamShape.of(stream_mode, subgraphs, version, default=getattr(graph, "stream_mode", "values"))
    observer = observer_class()()
    kwargs: dict[str, Any] = {"stream_mode": stream_mode, "subgraphs": subgraphs, **stream_kwargs}
    if version is not None:
        kwargs["version"] = version
    kwargs["config"] = with_observer(config, observer)
    resolved = stream_mode if stream_mode is not None else (list(shape.modes) if shape.multi else shape.modes[0])
    return shape, observer, kwargs, stream_options(resolved, subgraphs, version)


# --------------------------------------------------------------------------- capture


def capture(
    graph: Any,
    input: Any,
    *,
    stream_mode: str | list[str] | None = "messages",
    subgraphs: bool = False,
    config: Mapping[str, Any] | None = None,
    version: Literal["v1", "v2"] | None = None,
    extract: Extractor | None = None,
    **stream_kwargs: Any,
) -> Transcript:
    """Run ``graph.stream(input, ...)`` with exactly these options and return its transcript.

    ``stream_mode``, ``subgraphs`` and ``version`` (when given) reach
    ``graph.stream`` unchanged, as do ``stream_kwargs`` (``context``,
    ``durability``...); ``stream_mode=None`` means the graph's default. ``extract``
    reads custom-mode payloads that streamtest's default reader does not know.
    ``config`` gets one observer callback added (see :mod:`streamtest._transcript.order`).
    """
    shape, observer, kwargs, options = _prepare(
        graph, stream_mode, subgraphs, config, version, extract, "stream", stream_kwargs
    )
    items = list(graph.stream(input, **kwargs))
    return build_transcript(items, shape, extract, observer.layout, options)


async def acapture(
    graph: Any,
    input: Any,
    *,
    stream_mode: str | list[str] | None = "messages",
    subgraphs: bool = False,
    config: Mapping[str, Any] | None = None,
    version: Literal["v1", "v2"] | None = None,
    extract: Extractor | None = None,
    **stream_kwargs: Any,
) -> Transcript:
    """:func:`capture` over ``graph.astream``."""
    shape, observer, kwargs, options = _prepare(
        graph, stream_mode, subgraphs, config, version, extract, "astream", stream_kwargs
    )
    items = [item async for item in graph.astream(input, **kwargs)]
    return build_transcript(items, shape, extract, observer.layout, options)
