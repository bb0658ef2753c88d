"""The fault-injecting proxy of `make faults`: a real HTTP(S) reverse proxy on 127.0.0.1 in
front of the sandbox. The kiosk's real clients talk to it; it forwards to the real sandbox
unless a fault is armed for the next matching request.

Kinds plug in as `FAULTS[name] = handler`: a handler gets the proxy, the request and a
`forward()` that sends the request upstream (so "the backend acted" is real) and decides
what the kiosk gets back.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Upstream = tuple[int, list[tuple[str, str]], bytes]  # status, headers, body
Forward = Callable[[], Upstream]
Write = Callable[[bytes], None]
Handler = Callable[["FaultProxy", Forward, Write], None]


#: Headers of an upstream reply not passed on as they are (the proxy sets its own length).
HOP_BY_HOP = ("transfer-encoding", "connection", "content-length")


class QuietHandler(BaseHTTPRequestHandler):
    """The request handler both loopback proxies of the tests build on (this one and
    tests/flows/faulty.py): HTTP/1.1, no access log on stderr, the request's body read and
    passed upstream with its headers (less Host) by `send_upstream`."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_upstream(self, upstream: tuple[str, int], body: bytes,
                      timeout: float) -> Upstream:
        """The request as it came, to `upstream` (host, port); its whole reply."""
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn = http.client.HTTPConnection(*upstream, timeout=timeout)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        return resp.status, resp.getheaders(), payload


def upstream_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _reply(status: int, body: bytes, ctype: str = "application/json",
           extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    ).encode("latin-1") + body


def _unreachable(proxy: FaultProxy, forward: Forward, write: Write) -> None:
    """Nothing answers: the connection closes before a status line (as a dead host's
    load balancer does); the backend never sees the request."""


def _timeout(proxy: FaultProxy, forward: Forward, write: Write) -> None:
    proxy.release.wait(30)  # held past any call's deadline; the kiosk gives up first


def _server_error(proxy: FaultProxy, forward: Forward, write: Write) -> None:
    write(_reply(502, b"<html><h1>502 Bad Gateway</h1></html>", "text/html"))


def _reply_lost(proxy: FaultProxy, forward: Forward, write: Write) -> None:
    forward()  # the backend acts; its answer is lost on the way back


def _hostile(body: bytes, ctype: str = "application/json", extra: str = "") -> Handler:
    def handler(proxy: FaultProxy, forward: Forward, write: Write) -> None:
        forward()  # the backend acted; what comes back is hostile
        write(_reply(200, body, ctype, extra))

    return handler


def _drip(proxy: FaultProxy, forward: Forward, write: Write) -> None:
    forward()
    write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n\r\n[")
    while not proxy.release.wait(1.5):
        write(b" ")


def _gzip_bomb() -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    return b"".join([packer.compress(b"[")] + [packer.compress(block) for _ in range(64)]
                    + [packer.compress(b"]") + packer.flush()])


#: Hostile replies (kind 9): at least every case of issue 12's list.
HOSTILE: dict[str, Handler] = {
    "nested": _hostile(b"[" * 200_000 + b"]" * 200_000),
    "huge-number": _hostile(b'{"renewal_id": ' + b"9" * 400 + b"}"),
    "nan": _hostile(b'{"score": NaN, "passed": true}'),
    "wrong-types": _hostile(b'{"renewal_id": 1, "holder_token": [], "emails": "x"}'),
    "wrong-content-type": _hostile(b'{"ok": true}', "text/html"),
    "html-page": _hostile(b"<html><body>Service temporarily unavailable</body></html>",
                          "text/html"),
    "truncated": _hostile(b'{"renewal_id": "R-1", "holder_id":'[:20]),
    "help-code-script": lambda p, f, w: (f(), w(_reply(
        422, b'{"error": {"code": "AC-ZZ-9999<script>", "message": {"en": "<b>x</b>"}}}'))),
    "redirect-307": lambda p, f, w: w(_reply(
        307, b"", extra=f"Location: {p.url}/elsewhere\r\n")),
    "big-body": _hostile(b" " * (3 << 20)),
    "gzip-bomb": _hostile(_gzip_bomb(), extra="Content-Encoding: gzip\r\n"),
    "drip": _drip,
}

FAULTS: dict[str, Handler] = {
    "unreachable": _unreachable,
    "timeout": _timeout,
    "5xx": _server_error,
    "reply-lost": _reply_lost,
    **{f"hostile:{k}": v for k, v in HOSTILE.items()},
}


@dataclass
class Armed:
    kind: str
    fragment: str
    method: str | None
    times: int


@dataclass
class Seen:
    method: str
    path: str
    fault: str | None
    upstream_status: int | None = None


class FaultProxy:
    """`arm(kind, fragment)` makes the next request whose path holds `fragment` fail."""

    def __init__(self, upstream: str, tls: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream_of(upstream)
        self.armed: list[Armed] = []
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class RequestHandler(QuietHandler):
            def _handle(self) -> None:
                body = self.read_body()
                fault = proxy._take(self.command, self.path)
                seen = Seen(self.command, self.path, fault)
                proxy.seen.append(seen)

                def forward() -> Upstream:
                    answer = self.send_upstream(proxy.upstream, body, timeout=60)
                    seen.upstream_status = answer[0]
                    return answer

                def write(data: bytes) -> None:
                    self.wfile.write(data)
                    self.wfile.flush()

                self.close_connection = True
                try:
                    if fault is None:
                        status, rheaders, payload = forward()
                        out = [f"HTTP/1.1 {status} X"]
                        out += [f"{k}: {v}" for k, v in rheaders if k.lower() not in HOP_BY_HOP]
                        out += [f"Content-Length: {len(payload)}", "Connection: close", "", ""]
                        write("\r\n".join(out).encode("latin-1") + payload)
                    else:
                        FAULTS[fault](proxy, forward, write)
                except OSError:
                    pass  # the kiosk hung up first: what a bounded client does

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def arm(self, kind: str, fragment: str = "", method: str | None = None,
            times: int = 1) -> None:
        if kind not in FAULTS:
            raise KeyError(kind)
        with self._lock:
            self.armed.append(Armed(kind, fragment, method, times))

    def disarm(self) -> None:
        with self._lock:
            self.armed.clear()

    def _take(self, method: str, path: str) -> str | None:
        with self._lock:
            for a in self.armed:
                if a.fragment in path and (a.method is None or a.method == method):
                    a.times -= 1
                    if a.times <= 0:
                        self.armed.remove(a)
                    return a.kind
        return None

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

