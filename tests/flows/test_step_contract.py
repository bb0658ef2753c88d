"""The typed step contract: every step's view carries InputSpecs that run the flow's own
checks, and the view (not a page) says when to ask again and when a new code may be asked."""

from __future__ import annotations

from pathlib import Path

from kiosk.flows.graph import renewal_navmap
from kiosk.flows.inputs import InputSpec
from tests.flows.faulty import FaultyProxy
from tests.flows.harness import Counter, data

KINDS = {"digits", "text", "secret", "choice", "photo", "flag"}
CHARSETS = {"digits", "alnum", "password", "id", "free"}


def test_every_declared_input_is_typed() -> None:
    for step_id, spec in renewal_navmap().items():
        for name, s in spec.declared_specs().items():
            assert isinstance(s, InputSpec) and s.name == name, step_id
            assert s.kind in KINDS and s.charset in CHARSETS, (step_id, s)
            assert s.max_len is None or s.min_len <= s.max_len, (step_id, s)


def test_specs_give_the_flows_own_messages_for_a_bad_code_password_and_phrase(
    counter: Counter,
) -> None:
    code = renewal_navmap()["sign_in_code"].declared_specs()["sms_code"]
    assert code.kind == "digits" and (code.min_len, code.max_len) == (6, 6)
    assert [m.id for m in code.problems("12345")] == ["validation.code_format"]
    assert code.problems("123456") == []
    view = counter.at("H-NEWPW", "activation_form")
    assert [s.name for s in view.specs] == [
        "password", "password_confirm", "revocation_phrase", "revocation_phrase_confirm"
    ]
    password, confirm, phrase, phrase_confirm = view.specs
    assert confirm.confirm_of == "password" and phrase.charset == "alnum"
    assert phrase_confirm.confirm_of == "revocation_phrase"
    assert [m.id for m in phrase_confirm.problems("Revoke2026", {"revocation_phrase": "R"})] == [
        "validation.phrase_mismatch"
    ]
    # R23/R24: what the spec says is what the flow answers for the same inputs.
    wrong = {
        "password": "abcdefgh",
        "password_confirm": "abcdefgi",
        "revocation_phrase": "short",
        "revocation_phrase_confirm": "shorter",
    }
    refused = counter.flow.submit(wrong)
    said = [m.id for m in refused.errors]
    spec_said = [
        m.id
        for s in view.specs
        for m in s.problems(wrong[s.name], wrong)
    ]
    assert said == spec_said and "validation.password_nonletter" in said
    assert "validation.phrase_mismatch" in said


def test_activation_progress_view_says_when_to_ask_again_backing_off_after_outages(
    sandbox_url: str, tmp_path: Path
) -> None:
    proxy = FaultyProxy(sandbox_url)
    with proxy.running():
        counter = Counter(sandbox_url, tmp_path / "journal.sqlite", kiosk_url=proxy.url)
        try:
            view = counter.at("H-SINGLE", "activation_form")
            assert view.retry_after_ms is None  # a page a person fills in: no polling
            # The activation is accepted, then reading its progress fails: 503, twice.
            proxy.faults["/activations/"] = "503"
            first = counter.flow.submit(counter.answer(view))
            second = counter.flow.submit({})
            assert first.step_id == second.step_id == "activation_progress"
            assert first.error is not None and second.error is not None
            assert (first.retry_after_ms, second.retry_after_ms) == (2000, 4000)
            del proxy.faults["/activations/"]
            again = counter.flow.submit({})
            while again.step_id == "activation_progress":
                assert again.error is None and again.retry_after_ms == 1000  # the usual pace
                again = counter.flow.submit({})
            assert again.step_id == "done"
        finally:
            counter.close()


def test_r5_the_email_code_view_says_when_a_new_code_may_be_asked(counter: Counter) -> None:
    view = counter.at("H-SINGLE", "email_code")
    assert data(view).get("can_request_code_at") is None  # nothing sent yet: ask now
    view = counter.flow.submit({"action": "request"})
    assert data(view)["can_request_code_at"] == data(view)["code_expires_at"] is not None
