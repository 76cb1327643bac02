"""Cassettes as other tools write them, made by those tools' own serializers (vcrpy's; cassetter's CLI).

Used by the foreign-reader, import and lint tests. Real recordings through
pytest-recording are in tests/test_migrate_project.py.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence

from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import jsonserializer, yamlserializer

from tests.edge_server import chat_chunks

KEY = "sk-foreign0123456789abcdefghijklmn"
URI = "http://127.0.0.1:35793/v1/chat/completions"


def chat_request(prompt: str = "Say hi", uri: str = URI) -> Request:
    body = json.dumps({"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": prompt}]})
    headers = {"authorization": f"Bearer {KEY}", "content-type": "application/json", "host": "127.0.0.1:35793"}
    return Request("POST", uri, body, headers)


def sse_response_of(tokens: Sequence[str], *, gzipped: bool = False) -> dict:
    """A response dict as vcrpy's httpx2 stub records it (bytes, every header a list, tracking headers kept)."""
    body = b"".join(chat_chunks(tokens))
    headers = {
        "content-type": ["text/event-stream; charset=utf-8"],
        "set-cookie": ["__cf_bm=SECRETCOOKIE; path=/; HttpOnly"],
        "openai-organization": ["org-SECRETORG"],
        "transfer-encoding": ["chunked"],
    }
    if gzipped:
        body = gzip.compress(body)
        headers["content-encoding"] = ["gzip"]
    return {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}}


def vcrpy_text(pairs: Sequence[tuple[Request, dict]], *, serializer: str = "yaml") -> str:
    """The file vcrpy 9 writes for these interactions (its own serializer)."""
    module = yamlserializer if serializer == "yaml" else jsonserializer
    return serialize({"requests": [r for r, _ in pairs], "responses": [r for _, r in pairs]}, module)


CASSETTER_YAML = """\
version: 1
interactions:
- request:
    method: POST
    uri: http://127.0.0.1:18765/v1/chat/completions
    headers:
      content-type:
      - application/json
    body:
      type: json
      content:
        model: gpt-4o-mini
        stream: true
        messages:
        - role: user
          content: Say hi
  response:
    status: 200
    headers:
      content-type:
      - text/event-stream; charset=utf-8
      x-request-id:
      - req_123abc
    body:
      type: text
      content: |+
{body}
  recorded_at: 2026-12-01T20:38:07.977219+00:00
"""


def cassetter_yaml(tokens: Sequence[str]) -> str:
    """A cassetter 0.16 YAML cassette of one chat stream (the shape its recorder writes: SSE as one text body)."""
    body = b"".join(chat_chunks(tokens)).decode()
    return CASSETTER_YAML.format(body="\n".join(("        " + line) if line else "        " for line in body.split("\n")[:-1]))
