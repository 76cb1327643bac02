"""What travels on the wire, and what it means: framings and provider stream formats.

Two layers, both pure (the standard library only: ``json``, ``re``, ``struct``...):

- **framing** (:mod:`.framing`; :mod:`.sse`, :mod:`.ndjson`, :mod:`.eventstream`):
  how a response body is cut into the units a stream is made of (an SSE event,
  an NDJSON line, an AWS event-stream frame): split, frame by frame,
  byte-exact, each unit read as a :class:`~.base.Frame` (event name + data
  text) and written back from one;
- **formats** (:mod:`.openai_chat`, :mod:`.openai_responses`, :mod:`.anthropic`,
  :mod:`.gemini`, :mod:`.ollama`, :mod:`.bedrock`: one module per provider
  format, listed in :mod:`.registry`): which traffic a format is (path,
  payload shape), what its frames say (text deltas, tool-call fragments,
  reasoning, usage, finish reason, errors: a :class:`~.base.StreamReading`),
  how it writes a generated stream (a :class:`~.base.Script` in, frames out),
  which provider hosts the embedded local server stands in for, and which
  environment variables its clients need.

Everything above this package (the cassette's interaction views, the
assertions, the strategies, the local-server redirect) asks these modules
instead of knowing a provider. Nothing here imports the rest of streamtest but
``_exceptions``. This ``__init__`` imports nothing, so loading one module does
not load them all.
"""
