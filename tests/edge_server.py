"""A tiny HTTP server of hand-built responses, for edge cases a real model will not produce.

Real streams come from the llama.cpp server (tests/conftest.py ``llm_server``);
this one exists only for what that server cannot be asked to do on demand:
429/500 answers, a stream cut mid-way (closed or reset), a stall, gzip, counting connections.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    headers: Sequence[tuple[str, str]] = (("content-type", "text/event-stream"),)
    chunks: Sequence[bytes] = ()
    delay: float = 0.0  # seconds before each chunk
    break_after: int | None = None  # close the connection after this many chunks
    reset: bool = False  # with break_after: a TCP reset (RST) instead of a clean close (FIN)
    header_delay: float = 0.0  # seconds before the status line and headers
    gzip_body: bool = False  # one gzip stream, flushed after each chunk


@dataclass
class EdgeServer:
    url: str
    routes: dict[str, Route]
    connections: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


def _handler(state: EdgeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            state.connections.append(self.path)
            length = int(self.headers.get("content-length", 0))
            state.bodies.append(self.rfile.read(length))
            route = state.routes.get(self.path.split("?")[0], Route(status=404, chunks=[b'{"error":"no route"}']))
            time.sleep(route.header_delay)
            self.send_response(route.status)
            for name, value in route.headers:
                self.send_header(name, value)
            encoder = zlib.compressobj(wbits=16 + zlib.MAX_WBITS) if route.gzip_body else None
            if encoder is not None:  # one gzip stream, flushed after each chunk, as a streaming server sends it
                self.send_header("content-encoding", "gzip")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("set-cookie", "session=abcdef0123456789; Path=/")
            self.send_header("openai-organization", "org-planted-secret")
            self.send_header("x-request-id", "req_123")
            self.end_headers()
            for index, chunk in enumerate(route.chunks):
                if route.break_after is not None and index >= route.break_after:
                    self.wfile.flush()
                    if route.reset:  # SO_LINGER 0: close() sends RST
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                        self.close_connection = True
                        return
                    self.connection.shutdown(2)
                    self.close_connection = True
                    return
                time.sleep(route.delay)
                if encoder is not None:
                    chunk = encoder.compress(chunk) + encoder.flush(zlib.Z_SYNC_FLUSH)
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            if encoder is not None:
                tail = encoder.flush()
                self.wfile.write(f"{len(tail):x}\r\n".encode() + tail + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (the SDK closing a keep-alive connection, a cut stream) is no error.

        socketserver's default prints the traceback from the request's thread, and
        CPython 3.11's traceback module calls ``ast.parse`` for its carets, whose
        state is shared between threads: printed while pytest renders a failure
        in the main thread, it raised ``SystemError: AST constructor recursion
        depth mismatch`` there (an INTERNALERROR in tests/test_secrets.py's inner
        run; CPython gh-106905). Anything else is still printed.
        """
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def edge_server(routes: dict[str, Route]) -> Iterator[EdgeServer]:
    httpd = _Server(("127.0.0.1", 0), _handler(state := EdgeServer("", routes)))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def chat_chunks(tokens: Sequence[str], *, model: str = "gpt-4o-mini") -> list[bytes]:
    """A chat-completions SSE stream of ``tokens`` as a provider sends it."""
    import json

    def event(delta: dict[str, object], finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-edge",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"

    return [
        event({"role": "assistant", "content": ""}),
        *(event({"content": t}) for t in tokens),
        event({}, "stop"),
        b"data: [DONE]\n\n",
    ]
