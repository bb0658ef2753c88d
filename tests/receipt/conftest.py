"""Real parts for the receipt tests (R31): the sandbox over HTTP, a kiosk identity the
sandbox's CA really issued, gnome-keyring's Secret Service on a private D-Bus session, and a
private cupsd with a cups-pdf queue (tests/receipt/helpers.py private_cups). Each server is
started here and stopped after."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.receipt.identity import KioskIdentity, enrol_ephemeral
from kiosk.services.registry import RegistryClient
from tests.receipt.helpers import CupsQueue, keyring_daemon, private_cups


@pytest.fixture
def registry(sandbox_url: str) -> Iterator[RegistryClient]:
    client = RegistryClient(sandbox_url + "/registry/v1")
    yield client
    client.close()


@pytest.fixture
def identity(registry: RegistryClient) -> KioskIdentity:
    return enrol_ephemeral(registry, "LOBBY-1")


@pytest.fixture
def staff(registry: RegistryClient) -> Any:
    return registry.staff_login("staff01", "counter-demo-1")


@pytest.fixture
def renewal_id(registry: RegistryClient, staff: Any) -> tuple[str, str]:
    """(holder token, renewal id) of H-ABC, the seed's example."""
    holder = registry.staff_lookup(staff, "1000001(1)")
    return holder.token, registry.current_renewal(holder).renewal_id


# --- keyring: gnome-keyring's Secret Service on a private session bus --------------------


@dataclass
class KeyringSession:
    address: str
    home: Path

    def backend(self) -> Any:
        from keyring.backends.SecretService import Keyring

        return Keyring()


@pytest.fixture
def keyring_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringSession]:
    """dbus-daemon --session + gnome-keyring-daemon (secrets, unlocked with a random
    password); DBUS_SESSION_BUS_ADDRESS points at it for this test only."""
    with keyring_daemon(tmp_path / "home") as (address, _daemon):
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield KeyringSession(address, tmp_path / "home")


@pytest.fixture
def bus_without_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A session bus with no keyring daemon on it."""
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        bus.terminate()
        bus.wait(timeout=10)


# --- CUPS: a private cupsd with a cups-pdf queue -----------------------------------------


@pytest.fixture(scope="session")
def cups_queue() -> Iterator[CupsQueue]:
    """One private cupsd for the whole run (every module that prints shares its queue)."""
    with private_cups() as queue:
        yield queue
