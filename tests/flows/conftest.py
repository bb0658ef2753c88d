"""Fixtures of the flow tests: a `Counter` (tests/flows/harness.py) on a freshly reset sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.harness import Counter


@pytest.fixture
def counter(sandbox_url: str, tmp_path: Path) -> Iterator[Counter]:
    c = Counter(sandbox_url, tmp_path / "journal.sqlite")
    yield c
    c.close()
