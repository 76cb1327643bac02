"""Replaying and recording at the HTTP layer while a test runs.

- :mod:`.cassette`: :class:`~.cassette.Cassette` (vcrpy's bookkeeping, our
  transport), ``open_cassette``, ``use_cassette`` and ``play``;
- :mod:`.settings`: a cassette's settings, merged one way for the plugin and ``use_cassette``;
- :mod:`.tape`: what recording keeps of a response (units and arrival times), and
  the ``Deck`` protocol the stubs talk to;
- :mod:`.transport`: the streaming httpx/httpx2 stubs (record: tee; replay:
  one frame per chunk);
- :mod:`.aws`: the botocore stub (boto3, langchain-aws);
- :mod:`.clients`: client-library switches (google-genai's aiohttp path to httpx2);
- :mod:`.pacing`: replay at the recorded pace;
- :mod:`.faults`: faults injected into a recorded answer;
- :mod:`.verify`: ``--record=verify``, live and recorded stream shapes compared;
- :mod:`.network`: the network guard during replay (an audit hook).

Imports ``_cassette`` and ``_wire``, and ``_server.shaping`` (pure) for the
local-server redirect in :mod:`.transport`; the only package that patches HTTP.
This ``__init__`` imports nothing.
"""
