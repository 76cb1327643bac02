"""The embedded llama.cpp server that lets ``pytest --record --llm-server=local`` record without a key.

- :mod:`.local`: :class:`~.local.LocalLLMServer`, one per process (extra ``streamtest[local]``).

This ``__init__`` imports nothing (xllamacpp is imported only when a server starts).
"""
