"""Replaying and recording at the HTTP layer while a test runs.

- :mod:`.cassette`: :class:`~.cassette.Cassette` (vcrpy's bookkeeping, our
  transport), ``open_cassette``, ``use_cassette`` and ``play``;
- :mod:`.transport`: the streaming httpx/httpx2 stubs (record: tee; replay:
  one frame per chunk);
- :mod:`.network`: the network guard during replay (an audit hook).

Imports ``_cassette`` and ``_wire``; the only package that patches HTTP.
This ``__init__`` imports nothing.
"""
