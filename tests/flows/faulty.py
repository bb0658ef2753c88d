"""A real HTTP reverse proxy on 127.0.0.1 in front of the sandbox that can misbehave.

Not a mock: the kiosk's real clients speak real HTTP to it, and it forwards to the real
sandbox. Per path fragment it can answer 503 itself, forward the request and then drop the
answer (the backend did the work, the kiosk never hears of it), forward it and answer the
kiosk a 2xx it cannot read ("garble": a middlebox's HTML page), or hang past the timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from tests.faults.proxy import HOP_BY_HOP, QuietHandler, upstream_of

UNAVAILABLE = (
    b'{"error": {"code": "AC-AB-0036", "kind": "server", "title": {"zh-Hant": "", "pt": "",'
    b' "en": ""}, "message": {"zh-Hant": "", "pt": "", "en": ""}, "details": {},'
    b' "request_id": "proxy"}}'
)


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream_of(upstream)
        # path fragment -> "503" | "drop" | "garble" | "hang"
        self.faults: dict[str, str] = {}
        self.forwarded: list[str] = []
        proxy = self

        class Handler(QuietHandler):
            def _handle(self) -> None:
                body = self.read_body()
                fault = next((f for p, f in proxy.faults.items() if p in self.path), None)
                if fault == "503":
                    self.send_response(503)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(UNAVAILABLE)))
                    self.end_headers()
                    self.wfile.write(UNAVAILABLE)
                    return
                if fault == "hang":
                    time.sleep(6.0)  # past the 4 s timeout of tests/flows/test_faults.py
                    self.close_connection = True
                    return
                status, headers, payload = self.send_upstream(proxy.upstream, body, timeout=30)
                proxy.forwarded.append(f"{self.command} {self.path}")
                if fault == "drop":
                    # The backend did it; the answer is lost on the way back.
                    self.close_connection = True
                    return
                if fault == "garble":
                    # The backend did it; what comes back is a success nobody can parse.
                    page = b"<html><body>OK</body></html>"
                    self.send_response(status if status < 300 else 200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _handle  # noqa: N815 - http.server's names
            do_POST = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @contextmanager
    def running(self) -> Iterator[FaultyProxy]:
        self._thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
