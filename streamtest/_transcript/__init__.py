"""What a graph streamed, captured and put in an order that does not depend on scheduling.

Imported one way, leaves first:

- :mod:`.normalize`: per-run ids to stable placeholders (a leaf);
- :mod:`.events`: stream shapes, and one stream item to one :class:`~.events.StreamEvent`;
- :mod:`.order`: the observer callback and the canonical event order;
- :mod:`.transcript`: :class:`~.transcript.Transcript`, its views and records (it offers
  ``streamtest.assertions`` as methods; that package imports only :mod:`.events`);
- :mod:`.capture`: ``capture``/``acapture``, the one place that runs a graph.

This ``__init__`` imports nothing, so importing one module does not import LangGraph.
"""
