"""What a graph streamed, captured and put in an order that does not depend on scheduling.

Imported one way, leaves first:

- :mod:`.normalize`: per-run ids to stable placeholders (a leaf);
- :mod:`.events`: stream shapes, and one stream item to one :class:`~.events.StreamEvent`;
- :mod:`.order`: the observer callback and the canonical event order;
- :mod:`.trajectory`: the model steps and tool calls of an agent run (a leaf below the class);
- :mod:`.transcript`: :class:`~.transcript.Transcript`, its views and records (it offers
  ``streamtest.assertions`` as methods; that package imports :mod:`.events` and
  :mod:`.trajectory`, never the class);
- :mod:`.capture`: ``capture``/``acapture``, the one place that runs a graph.

This ``__init__`` imports nothing, so importing one module does not import LangGraph.
"""
