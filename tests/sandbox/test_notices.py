"""R1 (the due notice, driven by the clock) and R27 (the four emails), also over real SMTP."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller

from sandbox.app import SandboxSettings, create_app
from sandbox.server import SandboxServer
from sandbox.texts import SUBJECTS
from tests.sandbox.helpers import advance, latest_code, outbox, walk

CONTACT = ("28330338", "82995511", "enquiry@esigntrust.com")


def test_r1_due_notice_30_days_before_expiry_once(sandbox_url: str) -> None:
    # H-ABC's valid cloud-sign certificate expires 45 days after reset.
    advance(sandbox_url, 14 * 86400)
    assert outbox(sandbox_url, kind="renewal_due") == []
    answer = advance(sandbox_url, 86400)
    assert answer["due_notices_sent"] == 1
    [notice] = outbox(sandbox_url, kind="renewal_due")
    assert notice["to"] == "chan.taiman@abc.example"
    assert notice["subject"] == (
        "eSignTrust 電子證書服務（機構）- 《機構電子證書待續期》通知事宜 "
        "Aviso sobre renovação de certificados"
    )
    assert notice["body"].startswith("尊敬的 CHAN TAI MAN 君：")
    assert "現即將於 30 日內到期失效" in notice["body"]
    advance(sandbox_url, 86400)
    assert len(outbox(sandbox_url, kind="renewal_due")) == 1


def test_r1_no_notice_without_the_institutions_confirmation(sandbox_url: str) -> None:
    # H-NOEID's standard certificate expires 20 days after reset, but its institution has not
    # confirmed a renewal for it.
    advance(sandbox_url, 86400)
    assert outbox(sandbox_url, kind="renewal_due", to="soilan.kou@noeid.example") == []


def test_r27_every_email_has_bilingual_subject_sign_off_and_contact(sandbox_url: str) -> None:
    advance(sandbox_url, 15 * 86400)  # renewal_due
    w = walk(sandbox_url, "H-REAUTH")
    w.through_submit()  # email_code
    w.post(w.reg("/precheck"), {"cert_ids": ["C-REAUTH-1"]})  # reauth_needed
    s = walk(sandbox_url, "H-SINGLE")
    s.through_submit()
    s.wait_job(s.activate(["C-SINGLE-1"]).json()["job_id"])  # renewal_completed
    kinds = {m["kind"]: m for m in outbox(sandbox_url, channel="email")}
    assert set(kinds) == {"renewal_due", "email_code", "reauth_needed", "renewal_completed"}
    for kind, msg in kinds.items():
        assert msg["subject"] == SUBJECTS[kind]
        assert msg["subject"].startswith("eSignTrust 電子證書服務")
        assert "Aviso sobre" in msg["subject"]
        for item in CONTACT:
            assert item in msg["body"], (kind, item)
        assert "多謝選擇我們的服務。" in msg["body"]
        assert "本郵件由系統自動發送，請勿直接回覆。" in msg["body"]
        assert "郵電局\n電子業務廳\n電子認證服務處" in msg["body"]


def test_r27_outbox_page_shows_the_code_to_a_demo_tester(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.request_code("siowa.leong@single.example")
    code = latest_code(sandbox_url, "siowa.leong@single.example", "email_code")
    page = requests.get(f"{sandbox_url}/sandbox/outbox", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"驗證碼：{code}" in page.text
    assert "siowa.leong@single.example" in page.text


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, _Inbox]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    db = Path(tmp_path_factory.mktemp("smtp-sandbox")) / "sandbox.sqlite"
    settings = SandboxSettings(db_url=f"sqlite:///{db}", smtp_host="127.0.0.1",
                               smtp_port=controller.port, activation_seconds=0.1)
    server = SandboxServer(create_app(settings))
    server.start()
    try:
        yield server.url, inbox
    finally:
        server.stop()
        controller.stop()


def test_r27_emails_go_out_over_real_smtp(smtp_sandbox: tuple[str, _Inbox]) -> None:
    base, inbox = smtp_sandbox
    requests.post(f"{base}/sandbox/v1/reset", timeout=10).raise_for_status()
    w = walk(base, "H-SINGLE")
    assert w.request_code("siowa.leong@single.example").status_code == 200
    code = latest_code(base, "siowa.leong@single.example", "email_code")
    for _ in range(100):  # the SMTP server stores the message on its own thread
        if inbox.messages:
            break
        time.sleep(0.05)
    # Exactly one message: the sign-in SMS before it never went to the mail relay.
    [(_sender, rcpts, msg)] = inbox.messages
    assert rcpts == ["siowa.leong@single.example"]
    assert msg["To"] == "siowa.leong@single.example"
    assert msg["Subject"] == SUBJECTS["email_code"]  # UTF-8 subject decoded back
    body = msg.get_content()
    assert f"驗證碼：{code}" in body and "28330338" in body


def test_r1_notice_goes_out_when_days_pass_without_an_advance_call(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "sandbox.sqlite"
    server = SandboxServer(create_app(SandboxSettings(db_url=f"sqlite:///{db}")))
    server.start()  # seeds: H-ABC's valid certificate expires in 45 days
    server.stop()
    # Sixteen days go by while the sandbox is down (the same as real time passing).
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'clock_offset_s'",
                     (str(16 * 86400),))
    server = SandboxServer(create_app(SandboxSettings(db_url=f"sqlite:///{db}")))
    server.start()
    try:
        # The first request after the days went by is refused and rolled back: its sweep
        # never happened, so the next request must sweep (review finding 10).
        refused = requests.get(f"{server.url}/registry/v1/renewals/current", timeout=10)
        assert refused.status_code == 401
        msgs = requests.get(f"{server.url}/sandbox/v1/outbox", params={"kind": "renewal_due"},
                            timeout=10).json()["messages"]
        assert [m["to"] for m in msgs] == ["chan.taiman@abc.example"]
        again = requests.get(f"{server.url}/sandbox/v1/outbox", timeout=10).json()["messages"]
        assert len(again) == 1
    finally:
        server.stop()


def test_a_slow_mail_relay_holds_up_only_its_own_request(tmp_path: Path) -> None:
    # Review finding 10: mail goes out after the commit, outside the sandbox's global lock.
    import threading

    connected, release = threading.Event(), threading.Event()
    relay = socket.socket()
    relay.bind(("127.0.0.1", 0))
    relay.listen(1)

    def hold() -> None:  # accepts, then says nothing until the test is done
        conn, _ = relay.accept()
        connected.set()
        release.wait(30)
        conn.close()

    threading.Thread(target=hold, daemon=True).start()
    settings = SandboxSettings(db_url=f"sqlite:///{tmp_path / 'sandbox.sqlite'}",
                               smtp_host="127.0.0.1", smtp_port=relay.getsockname()[1])
    server = SandboxServer(create_app(settings))
    server.start()
    try:
        w = walk(server.url, "H-SINGLE")
        mailing = threading.Thread(target=w.request_code, args=("siowa.leong@single.example",))
        mailing.start()
        assert connected.wait(10)  # that request is now talking to the relay
        other = requests.get(f"{server.url}/sandbox/v1/clock", timeout=5)
        assert other.status_code == 200
        release.set()
        mailing.join(30)
        assert len(outbox(server.url, kind="email_code")) == 1
    finally:
        release.set()
        server.stop()
        relay.close()
