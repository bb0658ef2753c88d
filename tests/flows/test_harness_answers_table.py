"""The flow tests' harness answers steps from a table keyed by step id (issue 7): every key
names a step of the real navmap that takes inputs, and every step with inputs a holder types
or picks on the normal path has an answer, so `Counter.to` never passes a page with {}."""

from __future__ import annotations

from kiosk.flows.journal import MemoryJournal
from kiosk.flows.renewal import RenewalFlow
from tests.flows.harness import ANSWERS, ORDER


def test_answers_are_keyed_by_real_steps_that_take_inputs() -> None:
    navmap = RenewalFlow(services=None, journal=MemoryJournal()).navmap  # type: ignore[arg-type]
    for step in ANSWERS:
        assert step in navmap, step
        assert navmap[step].inputs, step  # a step without inputs needs no answer


def test_every_step_of_the_normal_path_with_inputs_after_sign_in_is_answered() -> None:
    navmap = RenewalFlow(services=None, journal=MemoryJournal()).navmap  # type: ignore[arg-type]
    after_sign_in = ORDER[ORDER.index("pending"):]
    for step in after_sign_in:
        if navmap[step].inputs:
            assert step in ANSWERS, step
