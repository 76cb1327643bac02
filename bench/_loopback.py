"""A loopback HTTP server that streams recorded SSE events at a fixed pace.

Row 5's second measurement: llama.cpp's own timing varies by tens of
milliseconds from one request to the next on a shared machine, which hides
anything the recorder adds. This server sends the same recorded events,
one HTTP chunk each, the first at once and then one every ``pace`` seconds,
so the only thing that differs between contenders is the client side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["sse_server"]


@contextmanager
def sse_server(events: Sequence[bytes], *, pace: float) -> Iterator[str]:
    """Serve ``events`` to every POST; yield the base URL (no ``/v1``)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for index, event in enumerate(events):
                if index:
                    time.sleep(pace)
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bench-sse-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
