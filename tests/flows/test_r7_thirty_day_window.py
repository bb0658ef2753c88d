"""R7's 30 days, on both sides of the edge, over real HTTP with the sandbox's clock.

The registry refuses a submission whose email verification is older than 30 days
(AC-AB-0060); the kiosk goes back to step 1, where that address shows as to verify again,
and after a new code the same signature is submitted. A renewal picked up again shows step
1's list first (已驗證 with its time), then 下一步 leads on where it stood.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.services.api import HolderSession
from tests.flows.harness import Counter, data, ids, past_step1

HOLDER = "H-SINGLE"
ADDRESS = "siowa.leong@single.example"


def _verified_at(counter: Counter, flow: RenewalFlow) -> datetime:
    session = flow.session
    assert isinstance(session, HolderSession)
    (status,) = counter.services.registry.emails(session, "R-SINGLE")
    assert status.address == ADDRESS and status.verified_at is not None
    return status.verified_at


def _clock_to(counter: Counter, when: datetime) -> None:
    """The sandbox's clock forward to `when` (the registry's time)."""
    now = counter.admin.now()
    assert when > now, (when, now)
    counter.admin.advance_clock((when - now).total_seconds())


def _signed_and_at_review(counter: Counter) -> datetime:
    counter.sign_in(HOLDER)
    view = counter.to("review")
    assert view.step_id == "review"
    return _verified_at(counter, counter.flow)


def _submitted_once(counter: Counter) -> None:
    session = counter.flow.session
    assert isinstance(session, HolderSession)
    renewal = counter.services.registry.current_renewal(session)
    assert renewal.progress.submitted is True
    view = counter.to("done")
    assert view.outcome == "activated"
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1
    assert [e.state for e in counter.journal.entries(HOLDER)] == ["activated"]


def test_r7_resumed_29_days_23_hours_after_verifying_submits_without_a_new_code(
    counter: Counter,
) -> None:
    verified_at = _signed_and_at_review(counter)
    codes_sent = len(counter.admin.outbox(kind="email_code"))
    _clock_to(counter, verified_at + timedelta(days=29, hours=23))

    counter.flow = counter.new_flow()  # the holder comes back to a kiosk: a new process
    view = counter.sign_in(HOLDER)
    assert view.step_id == "emails"
    (shown,) = data(view)["emails"]
    assert shown["verified"] is True and shown["stale"] is False
    assert shown["verified_at"] is not None
    assert "email.stale" not in ids(view)
    view = past_step1(view, counter.flow)
    assert view.step_id == "review"  # signed before: the journal kept the signature
    view = counter.flow.submit({})  # 確認提交
    assert view.step_id not in ("emails", "review") and view.error is None, view
    assert len(counter.admin.outbox(kind="email_code")) == codes_sent
    _submitted_once(counter)


def test_r7_continued_30_days_and_a_minute_after_verifying_goes_back_to_step_1(
    counter: Counter,
) -> None:
    verified_at = _signed_and_at_review(counter)
    # Picked up again a minute before the 30 days run out: step 1 still says 已驗證 ...
    _clock_to(counter, verified_at + timedelta(days=29, hours=23, minutes=59))
    counter.flow = counter.new_flow()
    view = past_step1(counter.sign_in(HOLDER), counter.flow)
    assert view.step_id == "review"
    # ... and the holder presses 確認提交 two minutes later: 30 days and a minute.
    _clock_to(counter, verified_at + timedelta(days=30, minutes=1))
    view = counter.flow.submit({})
    assert view.step_id == "emails" and view.step_number == 1
    refusal = view.messages[0]
    assert refusal.help_code == "AC-AB-0060"
    assert "超過30日" in refusal.text("zh-Hant")
    (shown,) = data(view)["emails"]
    assert shown["verified"] is False and shown["stale"] is True
    assert shown["expired_verified_at"] is not None
    assert datetime.fromisoformat(str(shown["expired_verified_at"])) == verified_at
    assert "email.stale" in ids(view) and data(view)["all_verified"] is False
    view = counter.flow.submit({})  # no 下一步 before the address is verified again
    assert view.step_id == "emails" and view.error is not None

    view = _verify_again(counter, view)
    (shown,) = data(view)["emails"]
    assert shown["verified"] is True and shown["stale"] is False
    view = past_step1(view, counter.flow)
    assert view.step_id == "review"  # the same signature, nothing redone
    view = counter.flow.submit({})
    assert view.error is None and view.step_id not in ("emails", "review"), view
    _submitted_once(counter)


def test_r7_resumed_31_days_later_shows_the_address_to_verify_again(counter: Counter) -> None:
    verified_at = _signed_and_at_review(counter)
    _clock_to(counter, verified_at + timedelta(days=31))
    counter.flow = counter.new_flow()
    view = counter.sign_in(HOLDER)
    assert view.step_id == "emails" and view.error is None
    (shown,) = data(view)["emails"]
    assert shown["stale"] is True and shown["verified"] is False
    assert "email.stale" in ids(view)
    view = past_step1(_verify_again(counter, view), counter.flow)
    assert view.step_id == "review"
    counter.flow.submit({})
    _submitted_once(counter)


def _verify_again(counter: Counter, view: StepView) -> StepView:
    flow = counter.flow
    sent = len(counter.admin.outbox(kind="email_code"))
    view = flow.submit({"address": ADDRESS})
    assert view.step_id == "email_code"
    flow.submit({"action": "request"})
    assert len(counter.admin.outbox(kind="email_code")) == sent + 1  # a new code went out
    view = flow.submit({"code": counter.admin.latest_code(ADDRESS, "email_code")})
    assert view.step_id == "emails" and view.error is None
    return view
