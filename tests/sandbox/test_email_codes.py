"""Step 1, backend side: email addresses and their codes (R4-R8)."""

from __future__ import annotations

from datetime import datetime

import requests

from sandbox.texts import SUBJECTS
from tests.sandbox.helpers import advance, error_code, latest_code, outbox, walk

ABC_ADDRESSES = ["tm.chan@abc.example", "chan.taiman@abc.example"]


def _z(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_r4_each_distinct_address_of_the_records_is_listed_once(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    # Three records, two of them share an address.
    assert len(w.renewal["identity_pending"]) == 3
    assert sorted(w.addresses()) == sorted(ABC_ADDRESSES)
    emails = w.get(w.reg("/emails")).json()["emails"]
    assert all(e["verified_at"] is None and e["can_request_code"] for e in emails)
    assert all(e["attempts_left"] == 5 for e in emails)


def test_r5_code_is_six_digits_valid_300_seconds(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    r = w.request_code(ABC_ADDRESSES[0])
    assert r.status_code == 200
    sent = r.json()
    assert sent["expires_in"] == 300
    clock = requests.get(f"{sandbox_url}/sandbox/v1/clock", timeout=10).json()["now"]
    assert abs((_z(sent["expires_at"]) - _z(clock)).total_seconds() - 300) < 5
    code = latest_code(sandbox_url, ABC_ADDRESSES[0], "email_code")
    assert len(code) == 6 and code.isdigit()
    status = w.get(w.reg("/emails")).json()["emails"]
    mine = next(e for e in status if e["address"] == ABC_ADDRESSES[0])
    assert mine["code_expires_at"] == sent["expires_at"]
    assert mine["can_request_code"] is False


def test_r5_new_code_only_after_the_countdown(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    assert w.request_code(ABC_ADDRESSES[0]).status_code == 200
    advance(sandbox_url, 200)
    r = w.request_code(ABC_ADDRESSES[0])
    assert r.status_code == 409 and error_code(r) == "AC-AB-0012"
    assert 95 <= r.json()["error"]["details"]["retry_after"] <= 100
    assert len(outbox(sandbox_url, kind="email_code")) == 1
    advance(sandbox_url, 100)
    assert w.request_code(ABC_ADDRESSES[0]).status_code == 200
    assert len(outbox(sandbox_url, kind="email_code")) == 2


def test_r5_code_expires_after_300_seconds(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.request_code(ABC_ADDRESSES[0])
    code = latest_code(sandbox_url, ABC_ADDRESSES[0], "email_code")
    advance(sandbox_url, 300)
    r = w.verify_code(ABC_ADDRESSES[0], code)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0009"
    assert r.json()["error"]["message"]["zh-Hant"] == "驗證碼已逾時失效，請重新獲取驗證碼。"


def test_r5_code_still_valid_at_299_seconds(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.request_code(ABC_ADDRESSES[0])
    code = latest_code(sandbox_url, ABC_ADDRESSES[0], "email_code")
    advance(sandbox_url, 299)
    assert w.verify_code(ABC_ADDRESSES[0], code).status_code == 200


def test_r6_right_code_marks_address_verified_and_all_verified_opens_next(
    sandbox_url: str,
) -> None:
    w = walk(sandbox_url, "H-ABC")
    first, second = ABC_ADDRESSES
    w.request_code(first)
    r = w.verify_code(first, latest_code(sandbox_url, first, "email_code"))
    assert r.status_code == 200
    assert r.json()["address"] == first and r.json()["verified_at"] is not None
    assert w.refresh()["progress"]["emails_verified"] is False
    w.request_code(second)
    w.verify_code(second, latest_code(sandbox_url, second, "email_code"))
    assert w.refresh()["progress"]["emails_verified"] is True


def test_r7_verification_is_reused_within_30_days_for_the_same_renewal(
    sandbox_url: str,
) -> None:
    w = walk(sandbox_url, "H-ABC").verify_emails()
    verified = {e["address"]: e["verified_at"] for e in w.get(w.reg("/emails")).json()["emails"]}
    advance(sandbox_url, 29 * 86400)
    again = walk(sandbox_url, "H-ABC")  # an interrupted renewal, resumed in a new session
    emails = again.get(again.reg("/emails")).json()["emails"]
    assert {e["address"]: e["verified_at"] for e in emails} == verified
    assert again.renewal["progress"]["emails_verified"] is True


def test_r7_verification_older_than_30_days_needs_a_new_code(sandbox_url: str) -> None:
    walk(sandbox_url, "H-ABC").verify_emails()
    advance(sandbox_url, 30 * 86400 + 60)
    again = walk(sandbox_url, "H-ABC")
    emails = again.get(again.reg("/emails")).json()["emails"]
    assert all(e["verified_at"] is None for e in emails)
    assert again.renewal["progress"]["emails_verified"] is False


def test_r7_verification_does_not_carry_to_another_renewal_record(sandbox_url: str) -> None:
    walk(sandbox_url, "H-ABC").verify_emails()
    other = walk(sandbox_url, "H-SINGLE")
    emails = other.get(other.reg("/emails")).json()["emails"]
    assert [e["verified_at"] for e in emails] == [None]


def test_r8_code_email_has_the_seed_subject_and_the_code(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.request_code(ABC_ADDRESSES[1])
    msg = outbox(sandbox_url, kind="email_code")[-1]
    assert msg["to"] == ABC_ADDRESSES[1] and msg["channel"] == "email"
    assert msg["subject"] == (
        "eSignTrust 電子證書服務 (機構) - 電子證書申請 / 用戶電郵地址之《電郵驗證》通知事宜 "
        'Aviso sobre "autenticação por e-mail"'
    )
    assert msg["subject"] == SUBJECTS["email_code"]
    assert msg["body"].startswith("尊敬的 CHAN TAI MAN 君：")
    assert "請於限時內在《電子證書服務 (機構)》之電郵地址驗證頁面，輸入以下驗證碼" in msg["body"]
    assert "驗證碼：" + latest_code(sandbox_url, ABC_ADDRESSES[1], "email_code") in msg["body"]


def test_r8_wrong_codes_are_counted_then_the_address_is_locked(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    address = ABC_ADDRESSES[0]
    w.request_code(address)
    right = latest_code(sandbox_url, address, "email_code")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        r = w.verify_code(address, wrong)
        assert r.status_code == 422 and error_code(r) == "AC-AB-0008"
        assert r.json()["error"]["details"]["attempts_left"] == left
    r = w.verify_code(address, wrong)
    assert r.status_code == 423 and error_code(r) == "AC-AB-0011"
    assert r.json()["error"]["details"]["locked_until"]
    # Locked: even the right code and a new code are refused.
    assert error_code(w.verify_code(address, right)) == "AC-AB-0011"
    assert error_code(w.request_code(address)) == "AC-AB-0011"
    status = next(e for e in w.get(w.reg("/emails")).json()["emails"] if e["address"] == address)
    assert status["attempts_left"] == 0 and status["can_request_code"] is False
    # The other address of the renewal is not affected.
    assert w.request_code(ABC_ADDRESSES[1]).status_code == 200
    advance(sandbox_url, 15 * 60)
    again = walk(sandbox_url, "H-ABC")
    assert again.request_code(address).status_code == 200


def test_r8_used_code_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    address = ABC_ADDRESSES[0]
    w.request_code(address)
    code = latest_code(sandbox_url, address, "email_code")
    assert w.verify_code(address, code).status_code == 200
    r = w.verify_code(address, code)
    assert r.status_code == 409 and error_code(r) == "AC-AB-0010"


def test_r8_code_of_one_address_does_not_verify_another(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    first, second = ABC_ADDRESSES
    w.request_code(first)
    w.request_code(second)
    r = w.verify_code(second, latest_code(sandbox_url, first, "email_code"))
    assert r.status_code == 422 and error_code(r) == "AC-AB-0008"


def test_r8_address_outside_the_renewal_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    for r in (w.request_code("siowa.leong@single.example"),
              w.verify_code("siowa.leong@single.example", "123456")):
        assert r.status_code == 422 and error_code(r) == "AC-AB-0013"
    assert outbox(sandbox_url, kind="email_code") == []
