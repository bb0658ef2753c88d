"""The shapes of step the renewal's stages repeat, each written once.

A `Stage` makes the navmap entries of one numbered stage (the step indicator's 1-4, 0
before step 1): a backend `check` on the progress page, a text to tick as agreed
(`agreement`), a `notice` saying what was done before going on, an `end`. Every branch
stays declared in the entry (`next`, `on_error`); a shape only fixes what all its steps
share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.flows.context import InputProblem
from kiosk.flows.inputs import flag
from kiosk.flows.wizard import AcceptFn, Choice, Data, LoadFn, OnError, StepDef

Present = Callable[..., None]


@dataclass(frozen=True)
class Stage:
    number: int

    def check(
        self,
        accept: AcceptFn,
        next: str | Choice,
        on_error: OnError | None = None,
        *,
        present: Present | None = None,
        can_back: bool = True,
        poll_ms: int = 0,
    ) -> StepDef:
        """A backend check: no inputs, its accept runs at once behind the progress page."""
        return StepDef(
            page="progress", auto=True, step_number=self.number, accept=accept, next=next,
            on_error=on_error or {}, can_back=can_back, poll_ms=poll_ms, present=present,
        )

    def agreement(
        self,
        page: str,
        required: str,
        agreed: Callable[[Data], None],
        next: str | Choice,
        present: Present,
        *,
        can_back: bool = True,
    ) -> StepDef:
        """A text the holder agrees to by ticking its `agree` box (R9's consent, R14's
        declaration); unticked, `required` says it must be. Then `agreed` records it."""

        def accept(data: Data, inputs: Mapping[str, object]) -> None:
            if inputs.get("agree") is not True:
                raise InputProblem([required])
            agreed(data)

        return StepDef(
            page=page, accept=accept, inputs=(flag("agree", required),), next=next,
            step_number=self.number, can_back=can_back, present=present,
        )

    def notice(
        self, page: str, next: str | Choice, present: Present, *, load: LoadFn | None = None
    ) -> StepDef:
        """A page saying what was done (or is about to be) before going on: no inputs, and
        no Back (what it reports is done)."""
        return StepDef(
            page=page, can_back=False, step_number=self.number, load=load, next=next,
            present=present,
        )

    def end(
        self,
        page: str,
        present: Present,
        *,
        accept: AcceptFn | None = None,
        next: str | Choice | None = None,
        can_back: bool = False,
    ) -> StepDef:
        """A last step: the renewal ends there (the end page's receipt). An end with a way
        on for the holder who wants it there and then names it (`next`, and `accept`)."""
        return StepDef(
            page=page, last=True, step_number=self.number, can_back=can_back, accept=accept,
            next=next, present=present,
        )
