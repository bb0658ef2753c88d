"""Pending list and step 1, email addresses (R2-R8), on the sandbox over real HTTP."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.flows.renewal import StepView
from kiosk.flows.views import card_field_labels
from tests.flows.harness import (
    Counter,
    another_code,
    data,
    email_code_requested,
    ids,
    texts,
)

R5_TEXT = "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。"
R8_SUBJECT = (
    "eSignTrust 電子證書服務 (機構) - 電子證書申請 / 用戶電郵地址之《電郵驗證》通知事宜 "
    'Aviso sobre "autenticação por e-mail"'
)


def _at(iso: object) -> datetime:
    return datetime.fromisoformat(str(iso).replace("Z", "+00:00"))


def _first_address_verified(counter: Counter) -> tuple[StepView, str]:
    """H-ABC at step 1 verifies its first address with the code mailed to it: the view after
    (the list again) and that address."""
    view = counter.at("H-ABC", "emails")
    first = str(data(view)["emails"][0]["address"])
    counter.flow.submit({"address": first})
    counter.flow.submit({"action": "request"})
    view = counter.flow.submit({"code": counter.admin.latest_code(first, "email_code")})
    return view, first


def test_r2_r3_pending_records_in_two_sections_all_preselected(counter: Counter) -> None:
    view = counter.sign_in("H-ABC")
    assert view.step_id == "pending" and view.step_number == 0
    cloud, non_cloud = data(view)["cloud"], data(view)["non_cloud"]
    assert [c["type"] for c in cloud] == ["cloud", "cloud"]
    assert [c["type"] for c in non_cloud] == ["qualified"]
    # R3: nothing to choose, the button counts every record: 開始鑑別(3)
    assert view.inputs == ()
    assert data(view)["locked_selection"] is True
    assert "開始鑑別(3)" in texts(view)
    assert ids(view)[:3] == ["pending.intro", "pending.cloud", "pending.noncloud"]


def test_r3_qualified_card_shows_limit_and_agent_qualification(counter: Counter) -> None:
    view = counter.sign_in("H-ABC")
    qualified = data(view)["non_cloud"][0]
    assert qualified["transaction_limit"] == "0" and qualified["agent_qualification"] == "n/a"
    assert qualified["status_label"] == "已過期" and qualified["type_label"] == "商業機構合格證書"
    assert "transaction_limit" not in data(view)["cloud"][0]


@pytest.mark.parametrize(
    ("lang", "status", "kind", "serial"),
    [
        ("zh-Hant", "已過期", "商業機構合格證書", "原證書序號"),
        ("pt", "Expirado", "Certificado qualificado de instituição comercial", "N.º de série"),
        ("en", "Expired", "Business qualified certificate", "Serial number"),
    ],
)
def test_r3_card_labels_speak_the_flows_language(
    counter: Counter, lang: str, status: str, kind: str, serial: str
) -> None:
    flow = counter.new_flow(lang=lang)
    qualified = data(counter.sign_in("H-ABC", flow))["non_cloud"][0]
    assert (qualified["status_label"], qualified["type_label"]) == (status, kind)
    assert dict(card_field_labels(lang))["serial"] == serial


def test_r4_each_distinct_email_address_listed_once(counter: Counter) -> None:
    counter.sign_in("H-ABC")
    view = counter.flow.submit({})
    assert view.step_id == "emails" and view.step_number == 1
    addresses = [e["address"] for e in data(view)["emails"]]
    assert sorted(addresses) == ["chan.taiman@abc.example", "tm.chan@abc.example"]
    assert not any(e["verified"] for e in data(view)["emails"])


def test_r5_code_sent_with_a_300_second_countdown(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "email_code")
    assert data(view)["code_sent"] is False
    view = counter.flow.submit({"action": "request"})
    assert view.error is None
    assert R5_TEXT in texts(view)
    left = (_at(data(view)["code_expires_at"]) - counter.admin.now()).total_seconds()
    assert 295 <= left <= 300


def test_r5_a_new_code_only_once_the_countdown_ran_out(counter: Counter) -> None:
    email_code_requested(counter)
    view = counter.flow.submit({"action": "request"})
    assert view.error is not None and view.error.help_code == "AC-AB-0012"
    assert view.step_id == "email_code"
    counter.admin.advance_clock(301)
    view = counter.flow.submit({"action": "request"})
    assert view.error is None


def test_r5_code_expires_after_300_seconds(counter: Counter) -> None:
    view, code = email_code_requested(counter)
    counter.admin.advance_clock(301)
    view = counter.flow.submit({"code": code})
    assert view.step_id == "email_code"
    assert view.error is not None and view.error.help_code == "AC-AB-0009"
    assert view.error.text() == "驗證碼已逾時，請重新獲取驗證碼。"
    # The way forward: a new code, then on.
    view = counter.flow.submit({"action": "request"})
    address = str(data(view)["address"])
    view = counter.flow.submit({"code": counter.admin.latest_code(address, "email_code")})
    assert view.step_id == "emails" and data(view)["all_verified"] is True


def test_r6_right_code_marks_verified_and_next_appears_when_all_are(counter: Counter) -> None:
    view, first = _first_address_verified(counter)
    assert view.step_id == "emails"  # back to the list
    states = {e["address"]: e["verified"] for e in data(view)["emails"]}
    assert states[first] is True and list(states.values()).count(False) == 1
    assert data(view)["all_verified"] is False
    assert "已驗證" in texts(view)
    view = counter.flow.submit({})  # 下一步 is not there yet
    assert view.step_id == "emails" and view.error is not None
    view = counter.to("consent")
    assert view.step_id == "consent"


def test_r7_address_verified_in_an_interrupted_renewal_needs_no_new_code(
    counter: Counter,
) -> None:
    _, first = _first_address_verified(counter)
    sent_before = len(counter.admin.outbox(kind="email_code"))

    # The kiosk restarts: a new process, the same journal and backend.
    flow = counter.new_flow()
    view = counter.sign_in("H-ABC", flow)
    assert view.step_id == "emails"
    mine = next(e for e in data(view)["emails"] if e["address"] == first)
    assert mine["verified"] is True and mine["verified_at"]
    view = flow.submit({"address": first})  # 已驗證: nothing to do for it
    assert view.step_id == "emails" and view.error is None
    assert len(counter.admin.outbox(kind="email_code")) == sent_before


def test_r7_a_verification_older_than_30_days_must_be_redone(counter: Counter) -> None:
    _first_address_verified(counter)
    counter.admin.advance_clock(31 * 24 * 3600)
    flow = counter.new_flow()
    view = counter.sign_in("H-ABC", flow)
    assert all(not e["verified"] for e in data(view)["emails"])


def test_r8_the_code_email_has_the_seeds_subject(counter: Counter) -> None:
    email_code_requested(counter)
    (mail,) = counter.admin.outbox(kind="email_code")
    assert mail.subject == R8_SUBJECT
    assert "驗證碼" in mail.body


def test_wrong_email_codes_are_counted_then_staff_takes_over(counter: Counter) -> None:
    view, right = email_code_requested(counter)
    wrong = another_code(right)
    lefts = []
    for _ in range(4):
        view = counter.flow.submit({"code": wrong})
        assert view.step_id == "email_code" and view.error is not None
        assert view.error.help_code == "AC-AB-0008"
        lefts.append(view.error.params["attempts_left"])
    assert lefts == ["4", "3", "2", "1"]
    view = counter.flow.submit({"code": wrong})
    assert view.step_id == "staff" and view.is_last and view.outcome == "staff"
    assert data(view)["reference"] == "R-SINGLE"
    assert "請聯繫櫃檯職員協助。參考編號：R-SINGLE" in texts(view)


def test_a_code_that_is_not_six_digits_never_reaches_the_registry(counter: Counter) -> None:
    email_code_requested(counter)
    view = counter.flow.submit({"code": "12345"})
    assert view.error is not None and view.error.id == "validation.code_format"
    calls = [a.call for a in counter.journal.audit_trail("R-SINGLE")]
    assert "registry.verify_email_code" not in calls


def test_a_used_code_is_refused_and_the_verified_address_is_shown(counter: Counter) -> None:
    view, code = email_code_requested(counter)
    # Meanwhile the same code verified the address from another session (a restarted kiosk).
    other = counter.new_flow()
    counter.sign_in("H-SINGLE", other)
    other_view = counter.to("email_code", other)
    assert other_view.step_id == "email_code"
    other_view = other.submit({"code": code})
    assert other_view.error is None and other_view.step_id == "emails"
    # The first session's holder types the same code: refused as used, and shown 已驗證.
    view = counter.flow.submit({"code": code})
    assert view.step_id == "emails"
    assert data(view)["all_verified"] is True
    trail = counter.journal.audit_trail("R-SINGLE")
    assert any(a.help_code == "AC-AB-0010" for a in trail)
