"""Backend faults at each step: a clear message, a way forward, a consistent journal, and a
retried activation that never activates twice. Real HTTP through a misbehaving proxy."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import BackendConfig
from kiosk.flows.renewal import RenewalFlow, StepView
from kiosk.services.factory import build_services, close_services
from tests.flows.faulty import FaultyProxy
from tests.flows.harness import Counter, data, texts


@pytest.fixture
def proxied(sandbox_url: str, tmp_path: Path) -> Iterator[tuple[Counter, FaultyProxy]]:
    proxy = FaultyProxy(sandbox_url)
    with proxy.running():
        # Long enough for a signature or a face match on a busy 2-core machine (a cold face
        # match took over 2 s under load); the "hang" fault outlasts it.
        c = Counter(sandbox_url, tmp_path / "journal.sqlite", kiosk_url=proxy.url, timeout_s=4.0)
        yield c, proxy
        c.close()


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_backend_gone_at_every_step_shows_a_message_and_the_step_carries_on(
    counter: Counter,
) -> None:
    live = counter.services
    gone = build_services(
        BackendConfig.for_sandbox(f"http://127.0.0.1:{_dead_port()}", timeout_s=0.5)
    )
    counter.sign_in("H-SINGLE")
    flow: RenewalFlow = counter.flow
    view = flow.current
    steps_hit = []
    for _ in range(60):
        if view.is_last:
            break
        answer = counter.answer(view)
        flow.services = gone
        failed = flow.submit(answer)
        journal_step = counter.journal.entries("H-SINGLE")[-1].step
        flow.services = live
        if failed.error is not None:
            # The holder sees the connection message and stays where they were.
            assert failed.error.help_code == "AC-KI-0001", failed.error
            assert failed.error.text().startswith("暫時未能連接 eSignTrust 系統")
            steps_hit.append(view.step_id)
            if failed.step_id == view.step_id:
                assert journal_step == view.step_id
                view = flow.submit(counter.answer(view))
            else:
                # The step was done; the next one (its content, or its backend check)
                # could not be fetched: the holder retries (the UI's 重試) and goes on.
                assert journal_step == failed.step_id
                view = flow.submit({})
        else:
            view = failed  # a step with nothing to ask the backend
        assert view.error is None, (view.step_id, view.error)
    assert view.step_id == "done" and view.outcome == "activated"
    assert {"pending", "email_code", "consent", "photo", "declaration", "eid"} <= set(steps_hit)
    assert {"review", "activation_form"} <= set(steps_hit)
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1
    close_services(gone)


# What the holder reads for each help code a failed call may bring (zh-Hant).
SHOWN = {
    "AC-AB-0036": "系統服務暫時未能使用，請稍後再試。",
    "AC-KI-0001": "暫時未能連接 eSignTrust 系統，請稍後再試或聯繫櫃檯職員協助。",
    "AC-KI-0002": "eSignTrust 系統回應逾時，請稍後再試或聯繫櫃檯職員協助。",
}


@pytest.mark.parametrize(
    ("step", "path", "fault", "answer", "codes", "after"),
    [
        # The service says it is unavailable.
        ("consent", "/bureau/v1/consents", "503", {"agree": True}, {"AC-AB-0036"}, "photo"),
        # No answer within the timeout.
        ("declaration", "/declaration", "hang", {"agree": True}, {"AC-KI-0002"}, "eid"),
        # R26: the backend submitted, the answer was lost: the retry submits once.
        ("review", "/submit", "drop", {}, {"AC-KI-0001", "AC-KI-0002"}, "submitted"),
    ],
    ids=["unavailable", "timeout", "lost-submit-answer"],
)
def test_r30_a_failed_call_is_shown_and_a_retry_goes_on(
    proxied: tuple[Counter, FaultyProxy],
    step: str,
    path: str,
    fault: str,
    answer: dict[str, object],
    codes: set[str],
    after: str,
) -> None:
    counter, proxy = proxied
    counter.at("H-SINGLE", step)
    proxy.faults[path] = fault
    view = counter.flow.submit(answer)
    assert view.step_id == step
    assert view.error is not None and view.error.help_code in codes, view.error
    assert view.error.text() == SHOWN[view.error.help_code]
    del proxy.faults[path]
    view = counter.flow.submit(answer)
    assert view.step_id == after and view.error is None, (view.step_id, view.error)


def test_r26_lost_activation_answers_then_a_retry_activate_exactly_once(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    counter, proxy = proxied
    # The registry activates; the answer never arrives.
    view = _activation_fails(counter, proxy, "drop", "H-SINGLE")
    assert view.error is not None and view.error.help_code in ("AC-KI-0001", "AC-KI-0002")
    sent = [p for p in proxy.forwarded if p.startswith("POST") and "/activations" in p]
    assert sent  # it did reach the registry, maybe more than once (the client's own retries)
    key = counter.journal.entries("H-SINGLE")[-1].activation_key
    assert key  # kept for the retry

    view = counter.flow.submit(counter.answer(view))
    view = counter.to("done")
    assert view.outcome == "activated"
    assert counter.journal.entries("H-SINGLE")[-1].activation_key == key
    assert len(data(view)["renewed"]) == 1
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1


def test_r26_lost_submit_answer_then_a_retry_submits_once(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    counter, proxy = proxied
    counter.at("H-SINGLE", "review")
    proxy.faults["/submit"] = "drop"
    view = counter.flow.submit({})
    assert view.step_id == "review" and view.error is not None
    del proxy.faults["/submit"]
    view = counter.flow.submit({})
    assert view.step_id == "submitted" and view.error is None


def test_finding_the_renewal_fails_then_a_retry_finds_it(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    counter, proxy = proxied
    proxy.faults["/renewals/current"] = "503"
    view = counter.sign_in("H-ABC")
    assert view.step_id == "routing" and view.error is not None
    assert view.error.help_code == "AC-AB-0036"
    del proxy.faults["/renewals/current"]
    view = counter.flow.submit({})
    assert view.step_id == "pending" and data(view)["count"] == 3


def _activation_fails(
    counter: Counter, proxy: FaultyProxy, fault: str, holder: str | None = None
) -> StepView:
    """Submits the activation form (signed in as `holder` first, if given) while the proxy
    breaks /activations with `fault`; the fault is lifted afterwards."""
    if holder is not None:
        counter.sign_in(holder)
        counter.to("activation_form")
    view = counter.flow.current
    proxy.faults["/activations"] = fault
    try:
        view = counter.flow.submit(counter.answer(view))
    finally:
        del proxy.faults["/activations"]
    assert view.step_id == "activation_form" and view.error is not None, view
    return view


def test_r26_an_unreadable_success_keeps_the_activation_key(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    # Review finding 2: the registry started the job but the kiosk got a 2xx it cannot
    # read. Only a 4xx with the server's own help code spends the key.
    counter, proxy = proxied
    view = _activation_fails(counter, proxy, "garble", "H-SINGLE")
    assert view.error is not None and view.error.help_code == "AC-KI-0003"
    key = counter.journal.entries("H-SINGLE")[-1].activation_key
    assert key  # kept: the retry replays the first answer

    view = counter.flow.submit(counter.answer(view))
    assert view.error is None, view.error
    view = counter.to("done")
    assert view.outcome == "activated"
    assert counter.journal.entries("H-SINGLE")[-1].activation_key == key
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1


def test_r26_kiosk_gone_after_the_registry_accepted_the_activation_resumes_to_done(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    # Review finding 1: the registry starts the job, its answer never reaches the journal
    # (lost on the way, then the holder walks away / the kiosk is switched off). The next
    # kiosk process resumes from the journal: it finds the job and shows 成功激活.
    counter, proxy = proxied
    _activation_fails(counter, proxy, "drop", "H-SINGLE")
    entry = counter.journal.entries("H-SINGLE")[-1]
    assert entry.activation_key and entry.job_id is None  # the window of the finding

    flow = counter.new_flow()  # a new process: nothing in memory, the same journal file
    view = counter.sign_in("H-SINGLE", flow)
    for _ in range(5):
        if view.is_last:
            break
        view = flow.submit({})
    assert view.step_id == "done" and view.outcome == "activated", view
    assert "成功激活" in texts(view)
    (renewed,) = data(view)["renewed"]
    assert renewed["new_serial"] != renewed["old_serial"]
    session = flow.session
    assert session is not None
    rid = counter.journal.entries("H-SINGLE")[-1].renewal_id
    assert len(counter.services.registry.activations(session, rid)) == 1
    assert len(counter.admin.outbox(kind="renewal_completed")) == 1
    assert counter.journal.entries("H-SINGLE")[-1].state == "activated"


def test_r26_a_precheck_that_finds_the_activation_running_follows_that_job(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    # The answer is lost; the holder goes back and selects again: the precheck answers
    # AC-AB-0039 with the job, and the flow follows it instead of refusing forever.
    counter, proxy = proxied
    _activation_fails(counter, proxy, "drop", "H-ABC")
    view = counter.flow.back()
    assert view.step_id == "activation_select"
    view = counter.flow.submit({"cert_ids": "all"})
    if not view.is_last:
        view = counter.flow.submit({})
    assert view.step_id == "done", (view.step_id, view.error)
    assert len(data(view)["renewed"]) == 2
    assert "成功激活" in texts(view)


def _to_esign(counter: Counter, proxy: FaultyProxy, fault: str) -> None:
    view = counter.at("H-SINGLE", "eid")
    view = counter.flow.submit(counter.answer(view))  # the SMS challenge
    proxy.faults["/esign/v1/signatures"] = fault
    view = counter.flow.submit(counter.answer(view))  # identified; the signing call fails
    assert view.step_id == "esign" and view.error is not None, view
    del proxy.faults["/esign/v1/signatures"]


def test_r16_a_lost_signature_answer_is_retried_and_answered_again(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    # Review finding 4: the service signed (spending the assertion), the answer was lost.
    counter, proxy = proxied
    _to_esign(counter, proxy, "drop")
    assert counter.journal.entries("H-SINGLE")[-1].sign_key  # journaled before the call
    view = counter.flow.submit({})  # 重試
    assert view.step_id == "signed" and view.error is None, view.error
    assert counter.journal.entries("H-SINGLE")[-1].signature_id


def test_r15_an_expired_assertion_asks_for_a_new_identification(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    counter, proxy = proxied
    _to_esign(counter, proxy, "503")
    counter.admin.advance_clock(301)  # the assertion lives 300 s
    view = counter.flow.submit({})
    assert view.step_id == "eid", (view.step_id, view.error)
    assert any(m.help_code == "AC-AB-0025" for m in view.messages)
    assert "mobile_masked" not in data(view)  # a new challenge is asked for
    view = counter.to("signed")
    assert view.step_id == "signed"


def test_r26_a_changed_selection_gets_a_fresh_activation_key(
    proxied: tuple[Counter, FaultyProxy],
) -> None:
    # Review finding 11: the first selection's answer is lost (its key is kept for a retry);
    # the holder goes back and selects another certificate: that request needs a new key.
    counter, proxy = proxied
    view = counter.at("H-ABC", "activation_select")
    first, second = (c["cert_id"] for c in data(view)["cloud"])
    view = counter.flow.submit({"cert_ids": [first]})
    assert view.step_id == "activation_form"
    _activation_fails(counter, proxy, "drop")
    key = counter.journal.entries("H-ABC")[-1].activation_key
    assert key
    view = counter.flow.back()
    view = counter.flow.submit({"cert_ids": [second]})
    assert view.step_id == "activation_form", (view.step_id, view.error)
    view = counter.flow.submit(counter.answer(view))
    assert view.error is None, view.error
    view = counter.to("done")
    assert [r["cert_id"] for r in data(view)["renewed"]] == [second]
    assert counter.journal.entries("H-ABC")[-1].activation_key not in (None, key)
