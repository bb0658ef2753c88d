"""R5 / issue 12 §4 kind 4 at step 1: the answer to 獲取驗證碼 is lost after the registry
sent the code (over the fault proxy). Asking again must not leave the holder waiting out
the code's 300 s (AC-AB-0012): the kiosk asks the registry for the address's state, shows
the code as sent with the registry's countdown, and the code that arrived verifies it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.flows.renewal import RenewalFlow
from tests.faults.proxy import FaultProxy
from tests.faults.suite import HOLDER, _proxied
from tests.flows.harness import Counter, data, texts

R5_TEXT = "系統已發送驗證碼到台端之電郵地址，請前往查收並輸入驗證碼以完成驗證。"


def _at_email_code(counter: Counter) -> tuple[RenewalFlow, str]:
    counter.flow = counter.new_flow()
    counter.sign_in(HOLDER)
    view = counter.to("email_code")
    assert data(view)["code_sent"] is False
    return counter.flow, str(data(view)["address"])


def test_r5_lost_answer_to_a_code_request_the_retry_shows_the_code_sent(
    sandbox_url: str, tmp_path: Path
) -> None:
    with FaultProxy(sandbox_url) as proxy:
        counter = Counter(sandbox_url, tmp_path / "journal.sqlite")
        try:
            _proxied(counter, proxy.url)
            flow, address = _at_email_code(counter)
            proxy.arm("reply-lost", "/emails/code", method="POST")
            lost = flow.submit({"action": "request"})
            assert [s.upstream_status for s in proxy.seen if s.fault] == [200]  # it was sent
            assert lost.step_id == "email_code" and lost.error is not None
            assert lost.error.help_code.startswith("AC-KI-")  # the kiosk's: no answer

            again = flow.submit({"action": "request"})
            assert again.error is None, again.error
            assert R5_TEXT in texts(again) and data(again)["code_sent"] is True
            # The countdown is the registry's, for the code that was sent (not a new one)
            expires = dt.datetime.fromisoformat(str(data(again)["code_expires_at"]))
            left = (expires - counter.admin.now()).total_seconds()
            assert 250 <= left <= 300
            sent = counter.admin.outbox(to=address, kind="email_code")
            assert len(sent) == 1

            done = flow.submit({"code": counter.admin.latest_code(address, "email_code")})
            assert done.error is None and done.step_id == "emails"
            assert data(done)["all_verified"] is True
        finally:
            counter.close()


def test_r5_a_second_request_the_holder_knows_of_is_still_refused_with_ac_ab_0012(
    sandbox_url: str, tmp_path: Path
) -> None:
    """The repair is for a lost answer only: the countdown rule of R5 holds."""
    counter = Counter(sandbox_url, tmp_path / "journal.sqlite")
    try:
        flow, _address = _at_email_code(counter)
        assert flow.submit({"action": "request"}).error is None
        view = flow.submit({"action": "request"})
        assert view.error is not None and view.error.help_code == "AC-AB-0012"
    finally:
        counter.close()
