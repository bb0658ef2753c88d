"""Real parts for the receipt tests (R31): the sandbox over HTTP, a kiosk identity the
sandbox's CA really issued, gnome-keyring's Secret Service on a private D-Bus session, and a
private cupsd with a cups-pdf queue. Each server is started here and stopped after."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.receipt.identity import KioskIdentity, enrol_ephemeral
from kiosk.services.registry import RegistryClient
from tests.receipt.helpers import keyring_daemon, run


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


@dataclass
class CupsQueue:
    name: str
    out: Path  # where cups-pdf writes the jobs' PDFs
    env: dict[str, str]

    def lp(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return run(list(args), env=self.env)

    def wait_for_pdf(self, timeout_s: float = 60) -> Path:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = [p for p in self.out.glob("*.pdf") if p.stat().st_size > 0]
            if done:
                time.sleep(0.3)  # cups-pdf writes then closes
                return done[0]
            time.sleep(0.2)
        raise AssertionError(f"no PDF from queue {self.name} within {timeout_s}s")


_CUPS_PDF_CONF = Path("/etc/cups")  # cups-pdf reads its per-queue config only from here


def _libcups_server(server: str | None) -> None:
    """libcups keeps the server it first connected to for the life of the process; a new
    CUPS_SERVER is read only after cupsSetServer(NULL). Qt's print plugin shares this libcups."""
    found = ctypes.util.find_library("cups")
    if found:
        ctypes.CDLL(found).cupsSetServer(server.encode() if server else None)


@pytest.fixture(scope="session")
def cups_queue() -> Iterator[CupsQueue]:
    """One private cupsd for the whole run (every module that prints shares its queue)."""
    # Not under pytest's tmp folder: that is 0700 root, and CUPS filters run as user lp.
    root = Path(tempfile.mkdtemp(prefix="receipt-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "cache", "state", "log", "tmp", "out", "ppd"):
        (root / sub).mkdir()
    (root / "out").chmod(0o777)
    (root / "tmp").chmod(0o1777)  # the filters (user lp) copy the job there
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nTempDir {root}/tmp\nAccessLog {root}/log/access_log\n"
        f"ErrorLog {root}/log/error_log\nPageLog {root}/log/page_log\n"
        "User lp\nGroup lp\nSystemGroup root\n"
    )
    sock = root / "cups.sock"
    (root / "cupsd.conf").write_text(
        f"Listen {sock}\nLogLevel warn\nBrowsing Off\nDefaultAuthType None\nWebInterface No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    name = "rcpt_" + secrets.token_hex(4)
    conf = _CUPS_PDF_CONF / f"cups-pdf-{name}.conf"
    conf.write_text(f"Out {root}/out\nAnonDirName {root}/out\n")
    cupsd = subprocess.Popen(
        ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "CUPS_SERVER": str(sock)}
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert cupsd.poll() is None, "cupsd exited"
            assert time.monotonic() < deadline, "cupsd did not start"
            time.sleep(0.1)
        added = run(["lpadmin", "-p", name, "-v", f"cups-pdf:/{name}", "-P",
                     "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd", "-E"], env=env)
        assert added.returncode == 0, added.stderr
        # libcups reads CUPS_SERVER when Qt first asks for printers: set it for the process.
        old = os.environ.get("CUPS_SERVER")
        os.environ["CUPS_SERVER"] = str(sock)
        _libcups_server(str(sock))
        yield CupsQueue(name, root / "out", env)
        if old is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = old
        _libcups_server(old)
    finally:
        cupsd.terminate()
        try:
            cupsd.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cupsd.kill()
        conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
