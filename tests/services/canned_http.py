"""A real HTTP server on 127.0.0.1 that answers canned replies, for the client's error paths.

The sandbox answers as docs/api.md says; the failures a kiosk must survive (a proxy's HTML
502, a hung backend, garbage JSON) are easier to stage with this small server, which also
records every request it gets so a test can count retries and read the headers sent.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    hold: bool = False  # don't answer until the test ends: forces a read timeout
    truncate: bool = False  # announce the whole body, send half, hang up


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingHandler(BaseHTTPRequestHandler):
    """Reads the whole request before answering; says nothing in the test log."""

    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, delayed ACKs add 40 ms
    disable_nagle_algorithm = True

    def read_request(self) -> Seen:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return Seen(self.command, self.path, dict(self.headers.items()), body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> tuple[ThreadingHTTPServer, str]:
    """Serves `handler` on a free port of 127.0.0.1 from a daemon thread (over TLS with
    `tls`): the server, to shut down, and its URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
    return httpd, f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"


class CannedServer:
    """Answers the replies in order; the last one repeats for any further request."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._httpd, self.url = serve(self._handler_class())

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            index = min(len(self.seen), len(self.replies)) - 1
            return self.replies[index]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(RecordingHandler):
            def _answer(self) -> None:
                reply = server._next(self.read_request())
                if reply.hold:
                    server.release.wait(10)
                    return
                if isinstance(reply.body, dict | list):
                    payload = json.dumps(reply.body, ensure_ascii=False).encode()
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                else:
                    payload = reply.body or b""
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if reply.truncate:
                        self.wfile.write(payload[: len(payload) // 2])
                        self.close_connection = True
                        return
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test): nothing to tell it

            do_GET = _answer
            do_POST = _answer

        return Handler

    def close(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
