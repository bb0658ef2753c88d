"""Issue 13 §4: `kiosk run` runs the quick `kiosk doctor` checks at start, off the GUI
thread, and shows staff what failed with its fix — on the counter's screens and the staff
sign-in page, never on a self-service kiosk's public screens."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from kiosk.services.errors import KIOSK_START_CHECK_FAILED
from tests.ui.ui_helpers import current_step, open_run_window, screen_text, shot


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))  # not enrolled, disk here


_run_window = open_run_window


def test_doctor_counter_kiosk_run_with_the_backend_down_tells_staff_the_check_and_fix(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = _closed_port_url()
    window, _ = _run_window(qtbot, tmp_path, monkeypatch, backend, "--no-self-service",
                            printer="none")
    notice = window.start_notice
    qtbot.waitUntil(notice.isVisible, timeout=20_000)  # the counter's first screen
    text = notice.text()
    assert text.startswith("本服務終端啟動自檢發現問題")
    # The four backends have the one fix: one line names them, the fix is said once.
    assert ("• 後端 registry, 後端 bureau, 後端 eid, 後端 esign: "
            f"{backend}/registry/v1 沒有回應") in text
    assert text.count("修正方法：請檢查網絡線及網址") == 1
    assert KIOSK_START_CHECK_FAILED in text
    assert "printer" not in text  # printer = none is a warning, not a failure
    assert notice.text() in screen_text(window)
    shot(window, "doctor_start_notice_backend_down_zh-Hant")
    window.set_lang("pt")
    assert notice.text().startswith("A verificação de arranque deste terminal")
    assert "Para corrigir: verifique o cabo de rede e o URL" in notice.text()
    assert ("• servidor registry, servidor bureau, servidor eid, servidor esign: "
            f"{backend}/registry/v1 não responde") in notice.text()
    shot(window, "doctor_start_notice_backend_down_pt")


def test_doctor_missing_printer_queue_is_named_to_staff_with_its_fix(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_url: str
) -> None:
    window, _ = _run_window(qtbot, tmp_path, monkeypatch, sandbox_url, "--no-self-service",
                            printer="system:NO_SUCH_QUEUE")
    qtbot.waitUntil(window.start_notice.isVisible, timeout=20_000)
    text = window.start_notice.text()
    assert "• 打印機: 打印機佇列 'NO_SUCH_QUEUE' 不存在" in text
    assert "修正方法：請以 lpadmin 新增該佇列，或設定現有的佇列" in text
    assert "後端" not in text  # the sandbox answers: only what is wrong is named


def test_doctor_self_service_first_screen_hides_the_notice_the_staff_sign_in_shows_it(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, flow = _run_window(qtbot, tmp_path, monkeypatch, _closed_port_url(),
                               "--self-service", printer="none")
    notice = window.start_notice
    qtbot.waitUntil(lambda: notice.code == KIOSK_START_CHECK_FAILED, timeout=20_000)
    assert not notice.isVisible()
    public = screen_text(window)
    assert KIOSK_START_CHECK_FAILED not in public and "沒有回應" not in public
    window.show_view(flow.start_staff())  # staff came with the staff gesture (R33)
    assert current_step(window) == "staff_login"
    assert notice.isVisible() and "• 後端 registry, 後端 bureau" in notice.text()
    shot(window, "doctor_start_notice_staff_sign_in_zh-Hant")
    window.show_view(flow.start_self_service())  # the holder's own sign-in: public again
    assert not notice.isVisible()
    window.idle.stop()
