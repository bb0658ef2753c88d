"""A navigation map of steps (after Electrum's `electrum/wizard.py`).

A step is an entry of the navmap: what comes next (a step id, or a `Choice`: a named
predicate of the wizard data with its declared targets), an `on_error` table (error class ->
step), an optional `accept` hook holding the step's side effects (it never picks a step), an
optional `load` hook that reads what the step shows, a `present` hook that turns the data
into what the person sees, its inputs (`InputSpec`s), its page key, and whether it is last.
State is a stack of (step, data) snapshots: going on pushes one, Back pops one, `reset()`
drops them all.
Nothing here knows about certificates; the renewal's navmap lives in `renewal.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.flows.inputs import InputSpec

Data = dict[str, Any]
AcceptFn = Callable[[Data, Mapping[str, object]], None]
LoadFn = Callable[[Data], None]

STAY = "__stay__"  # a `next` answer meaning "the step is not finished: show it again"


@dataclass(frozen=True)
class Choice:
    """A named predicate of the wizard data choosing among declared `targets`.

    The targets are declared so the navmap can be drawn (`kiosk flow graph`) and checked
    (every step reachable, every path ending) without running a hook.
    """

    name: str
    pick: Callable[[Data], str]
    targets: tuple[str, ...]

    def __call__(self, data: Data) -> str:
        target = self.pick(data)
        if target not in self.targets:
            raise RuntimeError(f"{self.name} chose {target!r}, not one of {self.targets}")
        return target


@dataclass(frozen=True)
class Route:
    """Where an error leads (an `on_error` value); `tell` shows its message there."""

    step: str
    tell: bool = False


OnError = Mapping[type[Exception], str | Route]


@dataclass(frozen=True)
class InputsBy:
    """Inputs that depend on the data (R22: a new password only when the account needs
    one), with every variant declared so the contract can be read without data."""

    pick: Callable[[Data], tuple[InputSpec, ...]]
    variants: tuple[tuple[InputSpec, ...], ...]


@dataclass(frozen=True)
class StepDef:
    next: str | Choice | None = None
    accept: AcceptFn | None = None
    load: LoadFn | None = None
    last: bool = False
    # Errors of the accept hook (classes from kiosk/services/errors.py or flow signals)
    # and the step each leads to; anything else leaves the wizard on the step.
    on_error: OnError = field(default_factory=dict)
    inputs: tuple[InputSpec, ...] | InputsBy = ()
    # The UI's page for the step, by key (kiosk/ui/registry.py); "" = the step id.
    page: str = ""
    step_number: int = 0
    can_back: bool = True
    auto: bool = False  # runs its accept at once, with no inputs (a backend check)
    # A step that stays while something runs (the activation job): the UI submits {} again
    # after the view's `retry_after_ms`, this often, backing off after failures.
    poll_ms: int = 0
    # What the step shows: its view model and messages (kiosk/flows/views.py).
    present: Callable[..., None] | None = None

    def targets(self) -> tuple[str, ...]:
        """Every step `next` may lead to (STAY included when it may stay)."""
        if self.next is None:
            return ()
        if isinstance(self.next, str):
            return (self.next,)
        return self.next.targets

    def route_for(self, exc: BaseException) -> Route | None:
        for cls in type(exc).__mro__:
            if cls in self.on_error:
                target = self.on_error[cls]
                return target if isinstance(target, Route) else Route(target)
        return None

    def input_specs(self, data: Data) -> tuple[InputSpec, ...]:
        return self.inputs.pick(data) if isinstance(self.inputs, InputsBy) else self.inputs

    def declared_specs(self) -> dict[str, InputSpec]:
        """Every input the step may ask for, by name (the first variant's spec wins)."""
        variants = self.inputs.variants if isinstance(self.inputs, InputsBy) else (self.inputs,)
        out: dict[str, InputSpec] = {}
        for variant in variants:
            for spec in variant:
                out.setdefault(spec.name, spec)
        return out


@dataclass(frozen=True)
class Branched:
    """The last `advance` left through `on_error`: which error, to which step."""

    error: Exception
    route: Route


@dataclass
class Wizard:
    navmap: Mapping[str, StepDef]
    stack: list[tuple[str, Data]] = field(default_factory=list)
    branched: Branched | None = None

    @property
    def current_step(self) -> str | None:
        return self.stack[-1][0] if self.stack else None

    @property
    def data(self) -> Data:
        if not self.stack:
            raise RuntimeError("the wizard has not started")
        return self.stack[-1][1]

    def start(self, step_id: str, data: Data | None = None) -> None:
        self.stack = []
        self.push(step_id, data or {})

    def push(self, step_id: str, data: Data) -> None:
        if step_id not in self.navmap:
            raise KeyError(f"unknown step {step_id!r}")
        self.stack.append((step_id, data))

    def resolve_next(self, step_id: str, data: Data) -> str | None:
        nxt = self.navmap[step_id].next
        if nxt is None or isinstance(nxt, str):
            return nxt
        return nxt(data)

    def is_last(self, step_id: str, data: Data) -> bool:
        return self.navmap[step_id].last

    def advance(self, inputs: Mapping[str, object]) -> str:
        """Run the current step's accept on a copy of its data, then move on.

        The snapshot below stays untouched, so Back always returns to what the holder saw.
        A failing accept leaves the wizard where it was, unless the step's `on_error` names
        where that error leads (then `branched` says which error it was).
        """
        step_id = self.current_step
        if step_id is None:
            raise RuntimeError("the wizard has not started")
        self.branched = None
        data = _snapshot(self.data)
        spec = self.navmap[step_id]
        try:
            if spec.accept is not None:
                spec.accept(data, inputs)
            target = self.resolve_next(step_id, data)
        except Exception as exc:
            route = spec.route_for(exc)
            if route is None:
                raise
            self.branched = Branched(exc, route)
            target = route.step
        if target is None:
            raise RuntimeError(f"step {step_id!r} has no next step")
        if target in (STAY, step_id):
            self.stack[-1] = (step_id, data)
        else:
            self.push(target, data)
        return self.current_step or step_id

    def replace(self, data: Data) -> None:
        step_id = self.current_step
        assert step_id is not None
        self.stack[-1] = (step_id, data)

    def can_back(self) -> bool:
        if len(self.stack) < 2:
            return False
        return self.navmap[self.stack[-1][0]].can_back

    def back(self) -> str | None:
        if self.can_back():
            self.stack.pop()
        return self.current_step

    def reset(self) -> None:
        for _, data in self.stack:
            wipe(data)
        self.stack = []


BYTES_LIKE = (bytes, bytearray, memoryview)


def wipe_buffer(value: object) -> None:
    """Zeros a buffer the kiosk owns (bytearray, writable memoryview); others are left."""
    if isinstance(value, bytearray):
        value[:] = bytes(len(value))
    elif isinstance(value, memoryview):
        try:
            if value.readonly:
                return
            flat = value.cast("B") if value.format != "B" or value.ndim != 1 else value
            flat[:] = bytes(flat.nbytes)
        except (ValueError, TypeError):
            pass  # released, or not contiguous: nothing this code can overwrite


def _snapshot(data: Data) -> Data:
    """A copy for the next snapshot; bytes-like secrets are never copied, only referenced."""
    out: Data = {}
    for key, value in data.items():
        if isinstance(value, BYTES_LIKE):
            out[key] = value
        else:
            out[key] = copy.deepcopy(value)
    return out


def wipe(data: Data) -> None:
    """Overwrite what can be overwritten (bytearrays: photos, passwords), then forget it all."""
    for value in data.values():
        if isinstance(value, dict):
            wipe(value)
        else:
            wipe_buffer(value)
    data.clear()
