"""The start-up check notice says each failed check's verdict and fix in the kiosk's
language (the one catalog), with only technical details (URL, queue, path, error class) as
they are; `kiosk doctor`'s JSON for support keeps its English words."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk import doctor
from kiosk.ui.doctor_notice import StartCheckNotice
from tests.ui.ui_helpers import screen_text, shot

SHOTS = Path("/tmp/doc19")


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[Any]]:
    """Real failed checks: a backend on a closed port, a CUPS queue that does not exist,
    a disk with less free space than the kiosk asks for."""
    backend = _closed_port_url()
    checks = doctor.start_failures(printer="system:NO_SUCH_QUEUE",
                                   backends={"registry": backend})
    monkeypatch.setattr(doctor, "MIN_FREE_MB", 2**40)  # any real disk is then too full
    checks.append(doctor.check_disk(tmp_path))
    assert [c.name for c in checks] == ["printer", "backend registry", "disk"]
    return backend, checks


def _notice(qtbot: Any, checks: list[Any], lang: str) -> tuple[QWidget, str]:
    page = QWidget()
    qtbot.addWidget(page)
    notice = StartCheckNotice()
    QVBoxLayout(page).addWidget(notice)
    notice.set_failures(checks)
    notice.update_for("staff_login", False, lang)
    page.resize(900, 420)
    page.show()
    shot(page, f"doctor_notice_failures_{lang}", folder=SHOTS)
    return page, screen_text(page)


ENGLISH = ("• printer:", "backend registry", "disk:", "does not answer",
           "check the network cable", "printer queue", "add it with lpadmin", "MB free on",
           "free disk space")
ZH = ("• 打印機:", "• 後端 registry:", "• 磁碟:", "沒有回應（ConnectionError）",
      "請檢查網絡線及網址", "打印機佇列 'NO_SUCH_QUEUE' 不存在", "請以 lpadmin 新增該佇列",
      "可用空間", "修正方法：請釋放磁碟空間")
PT = ("• impressora:", "• servidor registry:", "• disco:", "não responde (ConnectionError)",
      "verifique o cabo de rede e o URL", "a fila de impressão 'NO_SUCH_QUEUE' não existe",
      "adicione-a com lpadmin", "MB livres em", "Para corrigir: liberte espaço em disco")


@pytest.mark.parametrize(("lang", "said"), [("zh-Hant", ZH), ("pt", PT)])
def test_doctor_notice_says_each_failed_checks_verdict_and_fix_in_the_kiosks_language(
    qtbot: Any, failures: tuple[str, list[Any]], lang: str, said: tuple[str, ...]
) -> None:
    backend, checks = failures
    _, shown = _notice(qtbot, checks, lang)
    for sentence in ENGLISH:
        assert sentence not in shown, (lang, sentence)
    for sentence in said:
        assert sentence in shown, (lang, sentence)
    assert backend in shown and "NO_SUCH_QUEUE" in shown


def test_doctor_notice_in_english_keeps_the_doctors_own_words_and_json_is_unchanged(
    qtbot: Any, failures: tuple[str, list[Any]]
) -> None:
    backend, checks = failures
    _, shown = _notice(qtbot, checks, "en")
    assert f"{backend} does not answer (ConnectionError)" in shown
    assert "• printer: printer queue 'NO_SUCH_QUEUE' does not exist" in shown
    assert "• backend registry: " in shown and "• disk: only " in shown
    assert "To fix: free disk space (old logs, /tmp)" in shown
    for check in checks:  # the catalog's English is the doctor's verdict, word for word
        assert check.verdict in shown
    report = json.loads(doctor.report_json(checks))
    assert set(report["checks"][0]) == {"name", "status", "verdict", "fix", "facts"}
    assert report["checks"][1]["verdict"] == f"{backend} does not answer (ConnectionError)"
