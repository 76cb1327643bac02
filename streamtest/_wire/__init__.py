"""What travels on the wire, and what it means: framings and provider stream formats.

Two layers, both pure (``json`` and ``re`` only):

- **framing** (:mod:`.framing`, :mod:`.sse`): how a response body is cut into
  the units a stream is made of (an SSE event, an NDJSON line...): split, frame
  by frame, byte-exact, and each unit read as a :class:`~.base.Frame`
  (event name + data text);
- **formats** (:mod:`.openai_chat`, :mod:`.openai_responses`, one module per
  provider format, listed in :mod:`.registry`): which traffic a format is
  (path, payload shape) and what its frames say: text deltas, tool-call
  fragments, reasoning, usage, finish reason, errors (a
  :class:`~.base.StreamReading`), and which provider hosts the embedded local
  server stands in for.

Everything above this package (the cassette's interaction views, the
assertions, the strategies, the local-server redirect) asks these modules
instead of knowing a provider. Nothing here imports the rest of streamtest but
``_exceptions``. This ``__init__`` imports nothing, so loading one module does
not load them all.
"""
