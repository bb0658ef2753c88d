"""A real HTTP(S) server on 127.0.0.1 whose answers are written by a test, byte for byte.

`canned_http` answers well-formed replies; a hostile backend drips bytes, lies about
lengths, inflates, redirects and presents bad certificates. Each answer here is a function
that gets the raw socket file after the request was read, so a test can write anything.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from tests.services.canned_http import RecordingHandler, Seen, serve

Answer = Callable[[BinaryIO], None]
MiB = 1024 * 1024


class HostileServer:
    """Answers every request with `answer(wfile)`; records what it was sent."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self.stop = threading.Event()
        server = self

        class Handler(RecordingHandler):
            def _any(self) -> None:
                server.seen.append(self.read_request())
                try:
                    server.answer(self.wfile)
                    self.wfile.flush()
                except OSError:
                    pass  # the client hung up: what a bounded client does
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self._httpd, self.url = serve(Handler, tls)

    def close(self) -> None:
        self.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


# -- answers ------------------------------------------------------------------------------


def head(
    status: int = 200,
    content_type: str | None = "application/json",
    length: int | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    lines = [f"HTTP/1.1 {status} X"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    for k, v in (extra or {}).items():
        lines.append(f"{k}: {v}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw(
    body: bytes,
    status: int = 200,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Answer:
    def answer(w: BinaryIO) -> None:
        w.write(head(status, content_type, len(body), headers) + body)

    return answer


def as_json(value: Any, status: int = 200, content_type: str = "application/json") -> Answer:
    return raw(json.dumps(value, ensure_ascii=False).encode(), status, content_type)


def drip(interval_s: float, stop: threading.Event, length: int = 1_000_000) -> Answer:
    """Announces a body, then sends one byte every `interval_s` (each read stays short)."""

    def answer(w: BinaryIO) -> None:
        w.write(head(200, "application/json", length) + b"[")
        w.flush()
        while not stop.wait(interval_s):
            w.write(b" ")
            w.flush()

    return answer


def endless(chunk: bytes = b" " * 65536) -> Answer:
    """A body without Content-Length or end: bytes as fast as the client reads them."""

    def answer(w: BinaryIO) -> None:
        w.write(head(200, "application/json", None) + b"[")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            w.write(chunk)

    return answer


def gzip_bomb(inflated_bytes: int) -> Answer:
    """A small gzip body that inflates to `inflated_bytes` (built once, without ever holding
    the inflated bytes)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * MiB
    parts = [packer.compress(b"[")]
    for _ in range(inflated_bytes // MiB):
        parts.append(packer.compress(block))
    parts.append(packer.compress(b"]") + packer.flush())
    return raw(b"".join(parts), headers={"Content-Encoding": "gzip"})


def announced(length: int) -> Answer:
    """Announces `length` bytes and sends them, 64 KiB at a time."""

    def answer(w: BinaryIO) -> None:
        w.write(head(200, "application/json", length))
        chunk = b" " * 65536
        for _ in range(length // len(chunk)):
            w.write(chunk)

    return answer


def truncated(body: bytes) -> Answer:
    def answer(w: BinaryIO) -> None:
        w.write(head(200, "application/json", len(body)) + body[: len(body) // 2])

    return answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
