"""Fixtures for the client tests: canned HTTP servers and a closed port on 127.0.0.1."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from canned_http import CannedServer, Reply
from sandbox_walk import Kiosk


@pytest.fixture
def canned() -> Iterator[Callable[..., CannedServer]]:
    servers: list[CannedServer] = []

    def start(*replies: Reply) -> CannedServer:
        server = CannedServer(list(replies) or [Reply()])
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def kiosk(sandbox_url: str) -> Iterator[Kiosk]:
    """The kiosk's four clients and a tester's SandboxAdmin, on a freshly reset sandbox."""
    k = Kiosk(sandbox_url)
    yield k
    k.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.generated_cases import CASES, total

    if CASES:
        out = os.environ.get("KIOSK_FUZZ_COUNT_FILE")
        if out:
            Path(out).write_text(str(total()), encoding="utf-8")
        terminalreporter.write_line(
            f"generated cases: {total()} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})"
        )
