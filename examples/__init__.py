"""The LangGraph apps streamtest's own tests record and replay.

``examples.seed`` holds the two graphs of LangGraph's "How to stream LLM tokens from your
graph" guide; ``examples.graphs`` adds the shapes that guide does not cover (subgraphs,
parallel fan-out); ``examples.resilient`` is a graph built to survive provider faults (a model
with a fallback, a node with a retry policy). Like an app, they build their model clients at import time, so set
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` before importing them.
"""
