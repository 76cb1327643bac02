"""The embedded llama.cpp server that lets ``pytest --record --llm-server=local`` record without a key.

- :mod:`.local`: :class:`~.local.LocalLLMServer`, one per process (extra ``streamtest[local]``);
- :mod:`.template`: the chat template it runs with (the model's GGUF has none);
- :mod:`.shaping`: what the copy of a request sent to it gets (a tool step, an answer step,
  reasoning), pure; the recording transport calls it, the cassette keeps the app's request.

This ``__init__`` imports nothing (xllamacpp is imported only when a server starts).
"""
