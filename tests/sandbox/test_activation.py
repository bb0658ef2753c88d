"""Step 4, backend side: pre-activation checks, the activation form and the background
activation that runs exactly once (R17-R26), and offline handling (R19, R32)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import requests

from tests.sandbox.desk_helpers import complete, csr_pem, in_person, key_for
from tests.sandbox.helpers import PASSWORD, PHRASE, Walk, advance, error_code, outbox, walk


def _years_later(old: str, new: str, today: str) -> bool:
    base = max(date.fromisoformat(old), date.fromisoformat(today))
    return date.fromisoformat(new) == base.replace(year=base.year + 3)


def _today(base: str) -> str:
    return str(requests.get(f"{base}/sandbox/v1/clock", timeout=10).json()["now"])[:10]


def _staff(base: str) -> dict[str, str]:
    r = requests.post(f"{base}/registry/v1/staff/login",
                      json={"username": "staff01", "password": "counter-demo-1"}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['staff_token']}"}


def _precheck_refused(
    base: str, holder_id: str, cert_id: str, code: str, title: str, message: str
) -> tuple[Walk, dict[str, Any]]:
    """`holder_id` through submission; the precheck of `cert_id` is refused (409) with `code`,
    this title and this message in zh-Hant: the walk and the error."""
    w = walk(base, holder_id)
    w.through_submit()
    r = w.post(w.reg("/precheck"), {"cert_ids": [cert_id]})
    assert r.status_code == 409 and error_code(r) == code
    err = r.json()["error"]
    assert err["title"]["zh-Hant"] == title
    assert err["message"]["zh-Hant"] == message
    return w, err


def test_r17_only_cloud_records_can_be_activated(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    assert {c["type"] for c in w.refresh()["activation_pending"]} == {"cloud"}
    r = w.activate(["C-ABC-3"])
    assert r.status_code == 422 and error_code(r) == "AC-AB-0028"
    r = w.post(w.reg("/precheck"), {"cert_ids": ["C-ABC-3"]})
    assert r.status_code == 422 and error_code(r) == "AC-AB-0028"


def test_r17_a_chosen_subset_of_cloud_records_is_activated(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    job = w.wait_job(w.activate(["C-ABC-2"]).json()["job_id"])
    assert [x["cert_id"] for x in job["results"]] == ["C-ABC-2"]
    left = w.refresh()["activation_pending"]
    assert [c["cert_id"] for c in left] == ["C-ABC-1"]


def test_r18_single_cloud_certificate_is_the_only_activation_record(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    answer = w.through_submit()
    assert [c["cert_id"] for c in answer["activation_pending"]] == ["C-SINGLE-1"]
    assert answer["offline_pending"] == [] and answer["notice"] is None
    r = w.post(w.reg("/precheck"), {"cert_ids": ["C-SINGLE-1"]})
    assert r.status_code == 200 and r.json() == {"ok": True}


def test_r19_all_non_cloud_gives_the_offline_notice_ac_ab_0007(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE")
    answer = w.through_submit()
    assert answer["activation_pending"] == []
    assert [c["type"] for c in answer["offline_pending"]] == ["qualified", "encryption"]
    assert answer["notice"]["code"] == "AC-AB-0007"
    assert answer["notice"]["message"]["zh-Hant"] == (
        "已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。"
        "請聯繫eSignTrust預約線下辦理。(求助碼：AC-AB-0007)"
    )
    r = w.activate(["C-OFFLINE-1"])
    assert r.status_code == 422 and error_code(r) == "AC-AB-0028"
    assert r.json()["error"]["message"]["zh-Hant"] == (
        "系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust 預約線下辦理。"
    )


def test_r19_r32_staff_finish_offline_records_at_the_counter(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE")
    w.through_submit()
    rid = w.rid
    staff = _staff(sandbox_url)
    queue = requests.get(f"{sandbox_url}/registry/v1/staff/offline-queue", headers=staff,
                         timeout=10).json()["items"]
    assert [i["cert_id"] for i in queue] == ["C-OFFLINE-1", "C-OFFLINE-2"]
    assert queue[0]["holder_name"] == "WONG KA HOU" and queue[0]["queued_at"]
    in_person(sandbox_url, staff, rid, "H-OFFLINE")
    key = str(uuid.uuid4())
    csr = csr_pem(key_for("qualified"))
    first = complete(sandbox_url, staff, "C-OFFLINE-1", csr, key)
    assert first.status_code == 200
    renewed = first.json()
    assert renewed["new_serial"] != renewed["old_serial"]
    assert _years_later(renewed["old_expiry"], renewed["new_expiry"], _today(sandbox_url))
    assert complete(sandbox_url, staff, "C-OFFLINE-1", csr, key).json() == renewed
    other = complete(sandbox_url, staff, "C-OFFLINE-1", csr_pem(key_for("qualified")), "k2")
    assert other.status_code == 409 and error_code(other) == "AC-AB-0039"
    queue = requests.get(f"{sandbox_url}/registry/v1/staff/offline-queue", headers=staff,
                         timeout=10).json()["items"]
    assert [i["cert_id"] for i in queue] == ["C-OFFLINE-2"]
    done = outbox(sandbox_url, kind="renewal_completed")
    assert len(done) == 1 and renewed["new_serial"] in done[0]["body"]


def test_r19_offline_queue_is_for_staff_only(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-OFFLINE")
    r = w.get("/registry/v1/staff/offline-queue")
    assert r.status_code == 401 and error_code(r) == "AC-AB-0004"


def test_r20_changed_data_with_valid_original_must_be_revoked_first(sandbox_url: str) -> None:
    w, err = _precheck_refused(
        sandbox_url, "H-REVOKE", "C-REVOKE-1", "AC-AB-0015", "需先撤銷原有證書",
        "因台端所申請續期之證書涉及證書資料變更，請先撤銷原證書後重做證書激活程序。"
        "如有疑問，請聯繫eSignTrust協助。（求助碼：AC-AB-0015）",
    )
    [cert] = err["details"]["certificates"]
    assert cert["cert_id"] == "C-REVOKE-1"
    # Activation itself applies the same check.
    r = w.activate(["C-REVOKE-1"])
    assert r.status_code == 409 and error_code(r) == "AC-AB-0015"
    # The revocation page (sandbox stand-in) revokes it; then activation may go on, and the
    # account now holds no valid certificate, so a new password is set (R22).
    page = requests.get(cert["revoke_url"], timeout=10)
    assert page.status_code == 200 and "Revoke" in page.text
    assert requests.post(cert["revoke_url"], timeout=10).status_code == 200
    assert w.post(w.reg("/precheck"), {"cert_ids": ["C-REVOKE-1"]}).status_code == 200
    assert w.get(w.reg("/activation-form")).json()["needs_new_password"] is True


def test_r21_id_data_changed_after_verification_needs_reverification(sandbox_url: str) -> None:
    w, _ = _precheck_refused(
        sandbox_url, "H-REAUTH", "C-REAUTH-1", "AC-AB-0014", "身份證明文件個人資料已失效",
        "檢查到台端證書登記之身份證明文件已失效或登記之個人資料與經授權擷取之身份證明文件資料有異，"
        "請退回並重新進行身份鑑別。如有疑問，請聯繫 eSignTrust 協助。（求助碼：AC-AB-0014）",
    )
    [mail] = outbox(sandbox_url, kind="reauth_needed")
    assert mail["to"] == "wengio.cheong@reauth.example"
    assert "《需重新認證進行身份鑑別》" in mail["subject"]
    cert = w.refresh()["identity_pending"][0]
    d = cert["expiry"]
    row = f"商業機構“雲簽”帳戶\twengio.cheong@reauth.example\t{cert['serial']}\t"
    row += f"{d[8:10]}/{d[5:7]}/{d[0:4]}"
    assert "證書類型\t證書電郵地址\t證書序號\t證書到期日\n" + row in mail["body"]
    # Back to identity verification; verified addresses stay verified (R7).
    progress = w.refresh()["progress"]
    assert progress["submitted"] is False and progress["identity_checked"] is False
    assert progress["emails_verified"] is True
    # The bureau's data now differ from the registry's: online verification fails (R11).
    w.consent()
    assert error_code(w.identity_check()) == "AC-AB-0018"


def test_r21_id_card_expired_since_verification(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")  # ID card valid for 40 more days
    w.through_submit()
    advance(sandbox_url, 41 * 86400)
    w = walk(sandbox_url, "H-SINGLE")
    r = w.post(w.reg("/precheck"), {"cert_ids": ["C-SINGLE-1"]})
    assert r.status_code == 409 and error_code(r) == "AC-AB-0014"
    assert r.json()["error"]["details"]["reason"] == "document_expired"
    assert len(outbox(sandbox_url, kind="reauth_needed")) == 1


def test_r22_account_without_valid_certificate_sets_a_new_password(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-NEWPW")
    w.through_submit()
    form = w.get(w.reg("/activation-form")).json()
    assert form == {"cloud_username": "kinfai.ieong", "needs_new_password": True}
    r = w.activate(["C-NEWPW-1", "C-NEWPW-2"], password="NewPass-2026", confirm="NewPass-2027")
    assert r.status_code == 422 and error_code(r) == "AC-AB-0031"
    r = w.activate(["C-NEWPW-1", "C-NEWPW-2"], password="NewPass-2026")  # no confirmation
    assert error_code(r) == "AC-AB-0031"
    r = w.activate(["C-NEWPW-1", "C-NEWPW-2"], password="NewPass-2026", confirm="NewPass-2026")
    assert r.status_code == 202
    assert w.wait_job(r.json()["job_id"])["state"] == "succeeded"


def test_r22_account_with_valid_certificate_uses_its_existing_password(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    form = w.get(w.reg("/activation-form")).json()
    assert form == {"cloud_username": "tm.chan", "needs_new_password": False}


def test_r23_new_password_rules(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-NEWPW")
    w.through_submit()
    for bad in ("abc1234", "12345678", "abcdefgh", "密碼密碼密碼密碼"):
        r = w.activate(["C-NEWPW-1"], password=bad, confirm=bad)
        assert r.status_code == 422 and error_code(r) == "AC-AB-0029", bad
    r = w.activate(["C-NEWPW-1"], password="ABCDEFG!", confirm="ABCDEFG!")
    assert r.status_code == 202  # a special character counts as the non-letter
    # The new password is the account's password from now on (R25 applies to it).
    assert w.wait_job(r.json()["job_id"])["state"] == "succeeded"
    assert w.get(w.reg("/activation-form")).json()["needs_new_password"] is False
    r = w.activate(["C-NEWPW-2"], password="ABCDEFG?")
    assert r.status_code == 422 and error_code(r) == "AC-AB-0032"
    assert w.activate(["C-NEWPW-2"], password="ABCDEFG!").status_code == 202


def test_r24_revocation_phrase_rules(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    for bad in ("abc1234", "x" * 65, "has space 123", "no-hyphen-1", "撤銷短語撤銷短語"):
        r = w.activate(["C-ABC-2"], phrase=bad)
        assert r.status_code == 422 and error_code(r) == "AC-AB-0030", bad
    r = w.activate(["C-ABC-2"], phrase="a1" * 32)  # 64 characters
    assert r.status_code == 202


def test_r25_wrong_existing_password(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    r = w.activate(["C-ABC-2"], password="Wrong-pass-1")
    assert r.status_code == 422 and error_code(r) == "AC-AB-0032"
    assert r.json()["error"]["message"]["zh-Hant"] == "台端之雲簽簽名密碼（存取碼）不正確。"
    assert [c["cert_id"] for c in w.refresh()["activation_pending"]] == ["C-ABC-1", "C-ABC-2"]


def test_r26_activation_runs_in_background_then_succeeds(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    before = {c["cert_id"]: c for c in w.refresh()["activation_pending"]}
    r = w.activate(["C-ABC-1", "C-ABC-2"])
    assert r.status_code == 202
    job = r.json()
    assert job["state"] == "running" and job["results"] == [] and job["poll_after_s"] > 0
    done = w.wait_job(job["job_id"])
    assert done["state"] == "succeeded" and done["error_code"] is None
    today = _today(sandbox_url)
    for res in done["results"]:
        old = before[res["cert_id"]]
        assert (res["old_serial"], res["old_expiry"]) == (old["serial"], old["expiry"])
        assert res["new_serial"] != old["serial"]
        assert re.fullmatch(r"[0-9A-F]{16}", res["new_serial"])
        assert _years_later(res["old_expiry"], res["new_expiry"], today)
    assert len({res["new_serial"] for res in done["results"]}) == 2
    # Only the non-cloud record is left, for the counter.
    after = w.refresh()
    assert after["activation_pending"] == []
    assert [c["cert_id"] for c in after["offline_pending"]] == ["C-ABC-3"]


def test_r26_completed_email_lists_old_and_new_certificate(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    done = w.wait_job(w.activate(["C-SINGLE-1"]).json()["job_id"])
    [res] = done["results"]
    [mail] = outbox(sandbox_url, kind="renewal_completed")
    assert mail["to"] == "siowa.leong@single.example"
    assert "(已完成申請及激活)" in mail["subject"]

    def dmy(d: str) -> str:
        return f"{d[8:10]}/{d[5:7]}/{d[0:4]}"

    row = "\t".join(["商業機構“雲簽”帳戶", res["email"], res["old_serial"], dmy(res["old_expiry"]),
                     res["new_serial"], dmy(res["new_expiry"])])
    header = "證書類型\t證書電郵地址\t原證書序號\t原證書到期日\t新證書序號\t新證書到期日"
    assert header + "\n" + row in mail["body"]
    assert "謹通知，閣下之電子證書已順利完成續期程序。" in mail["body"]


def test_r26_same_idempotency_key_returns_the_first_job(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    key = str(uuid.uuid4())
    first = w.activate(["C-SINGLE-1"], key=key)
    retry = w.activate(["C-SINGLE-1"], key=key)
    assert retry.status_code == 202 and retry.json() == first.json()
    done = w.wait_job(first.json()["job_id"])
    again = w.activate(["C-SINGLE-1"], key=key)  # a retry after completion
    assert again.json()["job_id"] == first.json()["job_id"]
    assert w.wait_job(again.json()["job_id"]) == done
    assert len(outbox(sandbox_url, kind="renewal_completed")) == 1


def test_r26_activated_once_whatever_key_a_retry_carries(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    first = w.activate(["C-SINGLE-1"])
    r = w.activate(["C-SINGLE-1"])  # a new key: a second activation of the same certificate
    assert r.status_code == 409 and error_code(r) == "AC-AB-0039"
    w.wait_job(first.json()["job_id"])
    r = w.activate(["C-SINGLE-1"])
    assert r.status_code == 409 and error_code(r) == "AC-AB-0039"
    assert len(outbox(sandbox_url, kind="renewal_completed")) == 1


def test_r26_same_key_with_another_body_is_refused(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    key = str(uuid.uuid4())
    assert w.activate(["C-ABC-2"], key=key).status_code == 202
    r = w.activate(["C-ABC-1"], key=key)
    assert r.status_code == 409 and error_code(r) == "AC-AB-0034"
    assert [c["cert_id"] for c in w.refresh()["activation_pending"]] == ["C-ABC-1", "C-ABC-2"]


def test_r26_refused_attempt_is_not_remembered_under_its_key(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    key = str(uuid.uuid4())
    assert error_code(w.activate(["C-ABC-2"], password="Wrong-pass-1", key=key)) == "AC-AB-0032"
    # The person corrects the password; the kiosk may keep the key of this attempt.
    assert w.activate(["C-ABC-2"], password=PASSWORD, phrase=PHRASE, key=key).status_code == 202


def test_r26_job_of_another_holder_is_not_found(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    job_id = w.activate(["C-SINGLE-1"]).json()["job_id"]
    other = walk(sandbox_url, "H-ABC")
    r = other.get(f"/registry/v1/activations/{job_id}")
    assert r.status_code == 404 and error_code(r) == "AC-AB-0003"


def _faults(base: str, **faults: int) -> None:
    requests.post(f"{base}/sandbox/v1/faults", json=faults, timeout=10).raise_for_status()


def test_r26_failed_activation_issues_nothing_and_may_be_retried(sandbox_url: str) -> None:
    w = walk(sandbox_url, "H-SINGLE")
    w.through_submit()
    _faults(sandbox_url, activation_failures=1)
    job = w.wait_job(w.activate(["C-SINGLE-1"]).json()["job_id"])
    assert job["state"] == "failed" and job["error_code"] == "AC-AB-0033"
    assert job["results"] == []
    assert outbox(sandbox_url, kind="renewal_completed") == []
    pending = w.refresh()["activation_pending"]
    assert [c["cert_id"] for c in pending] == ["C-SINGLE-1"]
    job = w.wait_job(w.activate(["C-SINGLE-1"]).json()["job_id"])
    assert job["state"] == "succeeded"
    assert len(outbox(sandbox_url, kind="renewal_completed")) == 1


def test_r32_staff_complete_needs_a_csr(sandbox_url: str) -> None:
    walk(sandbox_url, "H-OFFLINE").through_submit()
    url = f"{sandbox_url}/registry/v1/staff/offline-queue/C-OFFLINE-2/complete"
    r = requests.post(url, headers={**_staff(sandbox_url), "Idempotency-Key": "k"}, timeout=10)
    assert r.status_code == 422 and error_code(r) == "AC-AB-0001"


def test_r26_concurrent_retries_activate_exactly_once(sandbox_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = walk(sandbox_url, "H-ABC")
    w.through_submit()
    key = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=6) as pool:
        same_key = list(pool.map(lambda _: w.activate(["C-ABC-2"], key=key), range(6)))
        new_keys = list(pool.map(lambda _: w.activate(["C-ABC-1"]), range(6)))
    assert {r.status_code for r in same_key} == {202}
    assert len({r.json()["job_id"] for r in same_key}) == 1
    assert sorted(r.status_code for r in new_keys) == [202] + [409] * 5
    assert {error_code(r) for r in new_keys if r.status_code == 409} == {"AC-AB-0039"}
    for job_id in {r.json()["job_id"] for r in same_key + new_keys if r.status_code == 202}:
        assert w.wait_job(job_id)["state"] == "succeeded"
    done = outbox(sandbox_url, kind="renewal_completed")
    assert sorted(m["to"] for m in done) == ["chan.taiman@abc.example", "tm.chan@abc.example"]


def test_idempotency_keys_are_scoped_to_the_holder(sandbox_url: str) -> None:
    # Review finding 10: one holder's key neither replays nor blocks another holder's call.
    single = walk(sandbox_url, "H-SINGLE")
    single.through_identity().declare().sign()
    offline = walk(sandbox_url, "H-OFFLINE")
    offline.through_identity().declare().sign()
    first = single.submit(key="same-key")
    second = offline.submit(key="same-key")
    assert first.status_code == 200 and second.status_code == 200, second.text
    assert second.json()["offline_pending"] and not second.json()["activation_pending"]
