"""Shared fixtures: the sandbox backend over real HTTP on 127.0.0.1, a real SQLite file.

`sandbox_server` starts one uvicorn server per test session (SQLite file in a temp dir);
`sandbox_url` resets it to the seeded state before each test that uses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sandbox.app import SandboxSettings, create_app
    from sandbox.server import SandboxServer

    db = Path(tmp_path_factory.mktemp("sandbox")) / "sandbox.sqlite"
    settings = SandboxSettings(db_url=f"sqlite:///{db}", activation_seconds=0.3)
    server = SandboxServer(create_app(settings), host="127.0.0.1", port=0)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def sandbox_url(sandbox_server: str) -> str:
    """Base URL of a sandbox freshly reset to its seeded demo holders."""
    r = requests.post(f"{sandbox_server}/sandbox/v1/reset", timeout=30)
    r.raise_for_status()
    return sandbox_server
