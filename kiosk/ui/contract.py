"""The inputs a step's page shows, from the typed step contract (kiosk/flows/inputs.py).

A view from the flow carries its `InputSpec`s; a view that names its inputs only (a page
shown on its own, e.g. in a test) gets the specs its step declares in the navmap. Nothing
is guessed from an input's name.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.flows.inputs import InputSpec
    from kiosk.flows.renewal import StepView


@functools.cache
def declared_specs(step_id: str) -> dict[str, InputSpec]:
    from kiosk.flows.graph import renewal_navmap

    spec = renewal_navmap().get(step_id)
    return spec.declared_specs() if spec is not None else {}


def specs_of(view: StepView) -> tuple[InputSpec, ...]:
    if view.specs or not view.inputs:
        return tuple(view.specs)
    declared = declared_specs(view.step_id)
    return tuple(declared[n] for n in view.inputs if n in declared)


def spec_named(view: StepView, name: str) -> InputSpec | None:
    return next((s for s in specs_of(view) if s.name == name), None)
