"""R32 on a real SoftHSM2 token against the real sandbox: the key pair is made on the token
and never leaves it, the CSR is signed there, the registry's certificate is written there and
checked; wrong PINs, a token pulled out midway, lost replies. `pkcs11-tool` (opensc) is the
independent look at what the token holds."""

from __future__ import annotations

import pytest
from cryptography import x509

from kiosk.config import BackendConfig
from kiosk.services.errors import BackendError
from kiosk.services.factory import build_services, close_services
from kiosk.tokens.errors import PinIncorrect, PinLocked, TokenAbsent, TokenRemoved
from kiosk.tokens.softhsm import SoftHsmToken
from kiosk.tokens.token import TokenModule
from tests.desk.conftest import PIN, Desk, lock_user_pin
from tests.flows.faulty import FaultyProxy


def _objects(token: SoftHsmToken) -> str:
    return token.pkcs11_tool("-O", pin=PIN)


def _read_cert(token: SoftHsmToken, ident: str, tmp: str) -> x509.Certificate:
    token.pkcs11_tool("--read-object", "--type", "cert", "--id", ident, "-o", tmp, pin=PIN)
    with open(tmp, "rb") as f:
        return x509.load_der_x509_certificate(f.read())


def test_r32_key_made_on_the_token_never_leaves_it_and_the_certificate_lands_there(
    desk: Desk, module: TokenModule, token: SoftHsmToken, tmp_path: object
) -> None:
    issuance = desk.issuance()
    with module.open(token.label, PIN) as session:
        done = [issuance.issue(desk.staff, e, session) for e in desk.entries]
        attrs = [session.private_key_attributes(d.key_id) for d in done]
    assert [d.type for d in done] == ["qualified", "encryption"]
    assert attrs == [{"sensitive": True, "extractable": False, "always_sensitive": True,
                      "never_extractable": True, "local": True}] * 2
    listing = _objects(token)
    assert listing.count("Private Key Object") == 2
    assert listing.count("never extractable") == 2
    assert "Private Key Object; EC" in listing and "RSA 3072 bits" in listing
    assert listing.count("Certificate Object") == 2
    # The registry reports the serials that are on the token, and the chain holds.
    reg = desk.kiosk.services.registry
    issued = {e.cert_id: e for e in reg.desk_queue(desk.staff, include_issued=True)
              if e.holder_id == "H-OFFLINE"}
    for d in done:
        cert = _read_cert(token, d.key_id, f"{tmp_path}/{d.key_id}.der")
        assert f"{cert.serial_number:016X}" == d.new_serial == issued[d.cert_id].new_serial
        assert issued[d.cert_id].state == "issued"
        cert.verify_directly_issued_by(desk.ca)
    mails = desk.kiosk.admin.outbox(kind="renewal_completed")
    bodies = " ".join(m.body for m in mails)
    assert len(mails) == 2 and all(d.new_serial in bodies for d in done)
    # Issuing again is a no-op: nothing new on the token, nothing new at the registry.
    with module.open(token.label, PIN) as session:
        again = [issuance.issue(desk.staff, e, session) for e in desk.entries]
    assert again == done
    assert _objects(token).count("Certificate Object") == 2
    assert len(desk.kiosk.admin.outbox(kind="renewal_completed")) == 2
    trail = desk.journal.audit_trail()
    assert {r.call for r in trail} >= {"token.generate_key", "token.sign_csr",
                                      "registry.issue_certificate", "token.store_certificate"}
    text = repr(trail) + repr(vars(desk.issuance_journal.issuance(done[0].cert_id)))
    assert "WONG" not in text and PIN not in text and "1000003" not in text


def test_r32_wrong_pins_are_counted_by_the_token_until_it_is_locked(
    module: TokenModule, token: SoftHsmToken
) -> None:
    for _ in range(3):
        with pytest.raises(PinIncorrect) as wrong:
            module.open(token.label, "000000")
        assert wrong.value.help_code == "AC-KI-0204"
        assert wrong.value.user_message().startswith("載體密碼（PIN）不正確")
        # The token itself counts: it raises CKF_USER_PIN_COUNT_LOW after a wrong PIN.
        assert wrong.value.tries_left in ("low", "final_try")
    # The token locks at its limit (conftest.lock_user_pin), then the right PIN is refused,
    # clearly, without a further C_Login that could wear down a real token.
    lock_user_pin(token, module)
    with pytest.raises(PinLocked) as locked:
        module.open(token.label, PIN)
    assert locked.value.help_code == "AC-KI-0205"
    assert "已被鎖定" in locked.value.user_message()
    assert "bloqueado" in locked.value.user_message("pt")


def test_r32_token_pulled_out_midway_says_so_and_issuance_resumes_when_it_is_back(
    desk: Desk, module: TokenModule, token: SoftHsmToken
) -> None:
    from kiosk.desk.issuance import Issuance

    pulled: list[str] = []

    def pull(call: str) -> None:
        if call == "registry.issue_certificate" and not pulled:
            token.remove()  # the CA issued; the holder pulls the token before it is written
            pulled.append(call)

    issuance = Issuance(desk.kiosk.services.registry, desk.issuance_journal, desk.ca,
                        after_call=pull)
    entry = desk.entries[0]
    with module.open(token.label, PIN) as session, pytest.raises(TokenRemoved) as removed:
        issuance.issue(desk.staff, entry, session)
    assert removed.value.help_code == "AC-KI-0203"
    assert "已被移除" in removed.value.user_message()
    record = desk.issuance_journal.issuance(entry.cert_id)
    assert record is not None and record.state == "issued"
    with pytest.raises(TokenAbsent) as absent:  # still out: the desk says so
        module.open(token.label, PIN)
    assert absent.value.help_code == "AC-KI-0202"
    token.restore()  # plugged back in: opening it again is all it takes
    with module.open(token.label, PIN) as session:
        done = issuance.issue(desk.staff, entry, session)
    assert done.new_serial == record.new_serial
    listing = _objects(token)
    assert listing.count("Certificate Object") == 1 and listing.count("Private Key Object") == 1
    assert len(desk.kiosk.admin.outbox(kind="renewal_completed")) == 1


@pytest.mark.parametrize("fault", ["drop", "garble", "503"])
def test_r32_lost_reply_at_issuance_finds_the_one_certificate(
    desk: Desk, module: TokenModule, token: SoftHsmToken, fault: str
) -> None:
    proxy = FaultyProxy(desk.base_url)
    with proxy.running():
        services = build_services(BackendConfig.for_sandbox(proxy.url, timeout_s=10))
        try:
            issuance = desk.issuance(services.registry)
            entry = desk.entries[0]
            proxy.faults["/complete"] = fault
            proxy.faults["/certificate"] = "drop"  # and the look-up's answer is lost too
            with module.open(token.label, PIN) as session, pytest.raises(BackendError):
                issuance.issue(desk.staff, entry, session)
            del proxy.faults["/certificate"]
            with module.open(token.label, PIN) as session:
                if fault == "503":
                    # Never reached the registry: the look-up finds nothing, the error stays.
                    with pytest.raises(BackendError) as refused:
                        issuance.issue(desk.staff, entry, session)
                    assert refused.value.help_code == "AC-AB-0036"
                else:
                    # The CA issued behind a lost reply: the look-up finds that certificate.
                    first = issuance.issue(desk.staff, entry, session)
            proxy.faults.clear()
            with module.open(token.label, PIN) as session:
                done = issuance.issue(desk.staff, entry, session)
            if fault != "503":
                assert done == first
        finally:
            close_services(services)
    assert _objects(token).count("Certificate Object") == 1
    reg = desk.kiosk.services.registry
    assert reg.issued_certificate(desk.staff, entry.cert_id).renewed.new_serial == done.new_serial
    assert len(desk.kiosk.admin.outbox(kind="renewal_completed")) == 1


KILL_AFTER = ("token.generate_key", "token.sign_csr", "registry.issue_certificate",
              "registry.issued_certificate", "token.store_certificate")


def _child(desk: Desk, token: SoftHsmToken, journal_url: str, kill_after: str) -> tuple[int, str]:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**token.hsm.env, "DESK_TEST_PIN": PIN, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, str(root / "tests" / "desk" / "issue_child.py"), desk.base_url,
         journal_url, token.label, kill_after],
        env=env, capture_output=True, text=True, timeout=300, cwd=root,
    )
    assert proc.returncode in (0, 3), proc.stderr
    return proc.returncode, proc.stdout


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_r32_killed_after_each_issuance_call_ends_with_one_certificate_per_record(
    desk: Desk, token: SoftHsmToken, tmp_path: object, kill_after: str
) -> None:
    import json

    journal_url = f"sqlite:///{tmp_path}/child-journal.sqlite"
    if kill_after == "registry.issued_certificate":
        # Only a run resumed after the issuance was journaled asks for it again: get there.
        assert _child(desk, token, journal_url, "token.store_certificate")[0] == 3
    code, _ = _child(desk, token, journal_url, kill_after)
    assert code == 3  # the power cut happened there
    code, out = _child(desk, token, journal_url, "-")
    assert code == 0
    serials = json.loads(out)
    reg = desk.kiosk.services.registry
    assert serials == [reg.issued_certificate(desk.staff, e.cert_id).renewed.new_serial
                       for e in desk.entries]
    listing = _objects(token)
    assert listing.count("Certificate Object") == 2
    assert listing.count("Private Key Object") == 2
    assert len(desk.kiosk.admin.outbox(kind="renewal_completed")) == 2


def test_r32_lost_reply_of_the_look_up_when_resuming_finds_the_one_certificate(
    desk: Desk, module: TokenModule, token: SoftHsmToken
) -> None:
    """The CA issued and the token went away before the certificate was written; on the
    resume the registry's look-up answer is lost too: still one certificate, on the token."""
    from kiosk.desk.issuance import Issuance

    def pull(call: str) -> None:
        if call == "registry.issue_certificate":
            token.remove()

    entry = desk.entries[0]
    first = Issuance(desk.kiosk.services.registry, desk.issuance_journal, desk.ca,
                     after_call=pull)
    with module.open(token.label, PIN) as session, pytest.raises(TokenRemoved):
        first.issue(desk.staff, entry, session)
    token.restore()
    record = desk.issuance_journal.issuance(entry.cert_id)
    assert record is not None and record.state == "issued"
    proxy = FaultyProxy(desk.base_url)
    with proxy.running():
        services = build_services(BackendConfig.for_sandbox(proxy.url, timeout_s=10))
        try:
            issuance = desk.issuance(services.registry)
            proxy.faults["/certificate"] = "drop"
            with module.open(token.label, PIN) as session, pytest.raises(BackendError) as lost:
                issuance.issue(desk.staff, entry, session)
            assert lost.value.help_code.startswith("AC-KI-")  # no answer: said, not guessed
            assert _objects(token).count("Certificate Object") == 0
            proxy.faults.clear()
            with module.open(token.label, PIN) as session:
                done = issuance.issue(desk.staff, entry, session)
        finally:
            close_services(services)
    assert done.new_serial == record.new_serial
    listing = _objects(token)
    assert listing.count("Certificate Object") == 1 and listing.count("Private Key Object") == 1
    reg = desk.kiosk.services.registry
    assert reg.issued_certificate(desk.staff, entry.cert_id).renewed.new_serial == done.new_serial
    assert len(desk.kiosk.admin.outbox(kind="renewal_completed")) == 1
