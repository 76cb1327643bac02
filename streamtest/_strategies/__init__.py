"""Hypothesis strategies for LLM token streams.

A recorded cassette shows one way a provider split a text; production sees
others. These strategies generate the others, as complete SSE bodies that go
through the same replay path as a recording (``streamtest.play``), so the real
``openai`` SDK parses them, ChatOpenAI turns them into message chunks and
LangGraph streams them.

Everything here is pure: strategies draw what a stream says (a
:class:`~streamtest._wire.base.Script`: text deltas, tool calls, reasoning,
usage, finish) and the ids it needs, and the provider's format module writes
it (:meth:`~streamtest._wire.base.WireFormat.write`), so a generated stream and
a recorded one are read and written by the same code. Nothing imports openai,
langchain or langgraph.

Layers, each usable alone, each in its own module::

    chunking         chunkings(text)                 how one text is cut into deltas
    tool_calls       tool_calls()                    a function name and its JSON arguments
    chat             chat_completion_streams(text)   a whole /v1/chat/completions SSE body
    responses        responses_streams(text)         a whole /v1/responses SSE body
    anthropic        anthropic_streams(text)         a whole Anthropic /v1/messages SSE body
    gemini           gemini_streams(text)            a whole Gemini streamGenerateContent SSE body
    ollama           ollama_streams(text)            a whole Ollama /api/chat NDJSON body
    bedrock          bedrock_streams(text)           a whole Bedrock ConverseStream event-stream body
    rechunk          rechunkings(recorded)           a recorded body, same content, other cuts
    sse_variations   sse_variations(streams)         the same events, encoded as other servers do
    agent            agent_loops(turns, answer)      one stream per model call of a tool-calling agent
    faults           faults(cassette), fault_plans   what goes wrong on which call of a recording
                                                     (streamtest._replay.faults)

Beneath them, imported in one direction only: ``types`` (the drawn values and
their reprs) and ``arguments`` (validation, strategy naming) are leaves;
``encode`` draws ids and turns a format writer's frames into a
``GeneratedStream``; ``ground_truth`` draws what a stream says, the same way
for every format; ``recorded`` takes a recording apart (asking its wire format
what it says).

Shrinking: every random decision is drawn so that its simplest value means
"nothing special": no cut, no empty delta, no keep-alive, LF line endings, one
network chunk per event. A failing example therefore shrinks towards few,
plain chunks, and prints as ``GeneratedStream('Why| was| the| cat')``.

This ``__init__`` imports nothing (loading one strategy does not load the
others); ``streamtest.strategies`` imports the public names from each module.
"""
