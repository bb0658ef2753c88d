"""R31 in `kiosk run` and `kiosk demo`: the flow they build has its ReceiptService. `kiosk
run` loads the identity `kiosk enrol` stored (passphrase in gnome-keyring); not enrolled, it
still starts, its counter screens tell staff the fix and the holder's end page says the
receipt comes from the counter. The demo enrols a key for the run with its sandbox, with no
keyring at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from kiosk import cli
from kiosk.receipt.identity import KioskIdentity, NotEnrolled
from kiosk.receipt.seal import key_id
from kiosk.receipt.setup import ReceiptSetup, demo_enrolment
from kiosk.receipt.verify import verify_seal
from kiosk.services.factory import close_services
from kiosk.services.registry import RegistryClient
from tests.receipt.conftest import KeyringSession
from tests.receipt.helpers import qr_in_escpos, renew_to_end
from tests.ui.ui_helpers import open_run_window, screen_text, shot

_run_window = open_run_window


@pytest.fixture
def end_page(sandbox_url: str) -> Iterator[Callable[[Any, Any, str], Any]]:
    """(window, flow, scenario) -> the renewal driven to its end with the receipts `kiosk
    run` set up, shown on the window; its services closed after the test."""
    opened: list[Any] = []

    def drive(window: Any, flow: Any, scenario: str) -> Any:
        done = renew_to_end(sandbox_url, flow.receipts.service, scenario,
                            kiosk_id=flow.receipts.kiosk_id)
        opened.append(done)
        window.flow = done
        window.show_view(done.current)
        QApplication.processEvents()
        return done

    yield drive
    for done in opened:
        close_services(done.services)


def test_r31_kiosk_run_signs_with_the_enrolled_identity_from_the_keyring(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str,
    keyring_session: KeyringSession, registry: RegistryClient, end_page: Any,
) -> None:
    import keyring
    from keyring.backends.SecretService import Keyring

    keyring.set_keyring(Keyring())
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["enrol", "--code", "SANDBOX-KIOSK-DEMO", "--kiosk-id", "LOBBY-7",
                     "--backend", sandbox_url]) == 0
    device = tmp_path / "lp0"
    window, flow = _run_window(qtbot, tmp_path, monkeypatch, sandbox_url, "--no-self-service",
                               printer=f"escpos-file:{device}", kiosk_id="LOBBY-7")
    qtbot.waitUntil(lambda: flow.receipts._identity is not None, timeout=20_000)
    assert isinstance(flow.receipts.identity(), KioskIdentity)
    assert not window.staff_notice.isVisible()  # nothing for staff to fix
    done = end_page(window, flow, "h-noeid")
    assert "收據已列印" in window.page.receipt_panel.status.text()
    said = verify_seal(qr_in_escpos(device.read_bytes()), registry.trust_list())
    assert said["kiosk_id"] == "LOBBY-7" and said["reference"] == done.renewal_id


def test_r31_unenrolled_kiosk_run_starts_tells_staff_the_fix_and_the_holder_the_counter(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str,
    end_page: Any,
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "empty"))
    window, flow = _run_window(qtbot, tmp_path, monkeypatch, sandbox_url, "--no-self-service")
    notice = window.staff_notice
    qtbot.waitUntil(notice.isVisible, timeout=20_000)  # the counter's first screen
    assert "kiosk enrol --code CODE" in notice.text() and "AC-KI-0305" in notice.text()
    assert "未登記" in notice.text()
    shot(window, "r31_staff_notice_not_enrolled_zh-Hant")
    window.set_lang("pt")
    assert "não está registado" in notice.text() and "kiosk enrol --code CODE" in notice.text()
    shot(window, "r31_staff_notice_not_enrolled_pt")
    window.set_lang("zh-Hant")
    qtbot.wait(50)  # the first screen's queued re-arrangement runs before it is replaced
    assert isinstance(flow.receipts.identity(), NotEnrolled)
    end_page(window, flow, "h-noeid")
    assert "收據將由櫃檯提供" in window.page.receipt_panel.status.text()
    assert "AC-KI-0305" in screen_text(window)


def test_r31_unenrolled_self_service_kiosk_keeps_the_staff_notice_off_public_screens(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str,
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "empty"))
    window, flow = _run_window(qtbot, tmp_path, monkeypatch, sandbox_url, "--self-service")
    qtbot.waitUntil(lambda: window.staff_notice.code is not None, timeout=20_000)
    assert not window.staff_notice.isVisible()
    assert "kiosk enrol" not in screen_text(window)
    window.idle.stop()


def test_r31_demo_enrols_for_the_run_without_a_keyring(
    sandbox_url: str, registry: RegistryClient, bus_without_keyring: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's setup (kiosk/ui/demo.py): a session bus with no keyring on it and an empty
    data folder, and still an identity the sandbox's trust list knows."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "empty"))
    setup = ReceiptSetup({"kiosk_id": "DEMO-1", "printer": "none"},
                         enrol=demo_enrolment(sandbox_url + "/registry/v1"))
    assert setup.problem() is None
    service = setup.service(registry)
    assert isinstance(service.identity, KioskIdentity)
    published = {kiosk: key_id(cert) for kiosk, cert in registry.trust_list().kiosks}
    assert published["DEMO-1"] == service.identity.kid
    assert not (tmp_path / "empty").exists()  # nothing written
