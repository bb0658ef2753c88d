"""The navmap engine: next by id or predicate, accept hooks, Back pops, reset wipes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from kiosk.flows.wizard import STAY, Choice, Data, Route, StepDef, Wizard


class Refused(Exception):
    pass


def _wizard(log: list[str]) -> Wizard:
    def accept_a(data: Data, inputs: Mapping[str, object]) -> None:
        log.append("a")
        data["n"] = inputs["n"]

    def accept_b(data: Data, inputs: Mapping[str, object]) -> None:
        if inputs.get("fail"):
            raise ValueError("refused")
        if inputs.get("branch"):
            raise Refused("the backend said no")

    return Wizard(
        {
            "a": StepDef(
                accept=accept_a,
                next=Choice("positive", lambda d: "b" if d["n"] > 0 else "c", ("b", "c")),
            ),
            "b": StepDef(
                accept=accept_b,
                next=Choice("again", lambda d: STAY if d.get("again") else "c", (STAY, "c")),
                on_error={Refused: Route("c", tell=True)},
            ),
            "c": StepDef(last=True),
        }
    )


def test_next_is_a_named_predicate_of_the_data() -> None:
    log: list[str] = []
    w = _wizard(log)
    w.start("a")
    assert w.advance({"n": 1}) == "b"
    w.start("a")
    assert w.advance({"n": 0}) == "c"
    assert w.is_last("c", w.data)
    assert log == ["a", "a"]


def test_back_pops_to_the_snapshot_the_holder_saw() -> None:
    w = _wizard([])
    w.start("a", {"n": -5})
    w.advance({"n": 1})
    assert w.data["n"] == 1
    assert w.back() == "a"
    assert w.data["n"] == -5  # the accept worked on a copy


def test_a_failing_accept_leaves_the_wizard_where_it_was() -> None:
    w = _wizard([])
    w.start("a")
    w.advance({"n": 1})
    with pytest.raises(ValueError):
        w.advance({"fail": True})
    assert w.current_step == "b"
    assert len(w.stack) == 2


def test_on_error_branches_to_the_declared_step() -> None:
    w = _wizard([])
    w.start("a")
    w.advance({"n": 1})
    assert w.advance({"branch": True}) == "c"
    assert w.branched is not None and isinstance(w.branched.error, Refused)
    assert w.branched.route == Route("c", tell=True)


def test_a_choice_answering_an_undeclared_step_is_a_program_error() -> None:
    w = Wizard({"a": StepDef(next=Choice("odd", lambda d: "z", ("b",))), "b": StepDef(last=True)})
    w.start("a")
    with pytest.raises(RuntimeError, match="odd chose 'z'"):
        w.advance({})


def test_stay_replaces_the_snapshot_instead_of_pushing() -> None:
    w = _wizard([])
    w.start("a")
    w.advance({"n": 1})
    w.data["again"] = True
    assert w.advance({}) == "b"
    assert len(w.stack) == 2


def test_reset_overwrites_bytearrays_and_forgets_everything() -> None:
    w = _wizard([])
    photo = bytearray(b"\xff\xd8jpeg")
    w.start("a", {"photo": photo, "nested": {"pw": bytearray(b"secret")}})
    nested = w.data["nested"]["pw"]
    w.reset()
    assert photo == bytearray(len(photo))
    assert nested == bytearray(6)
    assert w.stack == []
    assert w.current_step is None
