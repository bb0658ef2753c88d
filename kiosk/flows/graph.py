"""`kiosk flow graph`: the renewal's navmap as Graphviz DOT, drawn from the entries alone.

Every step is a node (terminal steps doubled, automatic checks as diamonds); every `next`
is a solid edge (a `Choice`'s labelled with its name), every `on_error` entry a dashed
edge labelled with its help code (or the flow signal's name). `make docs` renders it to
docs/flow.svg.
"""

from __future__ import annotations

import argparse
from collections import deque
from collections.abc import Iterator, Mapping
from typing import cast

from kiosk.flows.context import FlowContext
from kiosk.flows.journal import MemoryJournal
from kiosk.flows.signals import Derived
from kiosk.flows.wizard import STAY, StepDef
from kiosk.services.api import Services


def renewal_navmap() -> dict[str, StepDef]:
    """The renewal's navmap, for reading only: its hooks are never run here."""
    from kiosk.flows.renewal import navmap

    return navmap(FlowContext(cast(Services, None), MemoryJournal()))


def error_label(cls: type[BaseException]) -> str:
    """The help code; a flow signal's name, with the code it stands for when only one."""
    code = str(getattr(cls, "code", "") or "")
    if issubclass(cls, Derived) or not code:
        return f"{cls.__name__} {code}".strip()
    return code


def edges(steps: Mapping[str, StepDef]) -> Iterator[tuple[str, str, str, bool]]:
    """(from, to, label, is_error) for every declared branch; STAY is a loop."""
    for step_id, spec in steps.items():
        label = "" if spec.next is None or isinstance(spec.next, str) else spec.next.name
        for target in spec.targets():
            yield step_id, step_id if target == STAY else target, label, False
        for cls, route in spec.on_error.items():
            target = route if isinstance(route, str) else route.step
            yield step_id, target, error_label(cls), True


def dot(steps: Mapping[str, StepDef], starts: tuple[str, ...]) -> str:
    lines = ["digraph renewal {", "  rankdir=TB;", '  node [fontname="sans-serif"];']
    for step_id, spec in steps.items():
        attrs = []
        if spec.last:
            attrs.append("peripheries=2")
        if spec.auto:
            attrs.append("shape=diamond")
        elif not spec.last:
            attrs.append("shape=box")
        if step_id in starts:
            attrs.append("style=bold")
        if spec.step_number:
            attrs.append(f'xlabel="{spec.step_number}"')
        lines.append(f'  "{step_id}" [{", ".join(attrs)}];')
    for src, dst, label, is_error in edges(steps):
        attrs = [f'label="{label}"'] if label else []
        if is_error:
            attrs += ["style=dashed", "color=firebrick", "fontcolor=firebrick"]
        lines.append(f'  "{src}" -> "{dst}" [{", ".join(attrs)}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def reachable(steps: Mapping[str, StepDef], starts: tuple[str, ...]) -> set[str]:
    seen = set(starts)
    todo = deque(starts)
    while todo:
        step = todo.popleft()
        for _, dst, _, _ in edges({step: steps[step]}):
            if dst not in seen:
                seen.add(dst)
                todo.append(dst)
    return seen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["graph"], help="graph: the navmap as Graphviz DOT")


def run(args: argparse.Namespace) -> int:
    from kiosk.flows.renewal import STARTS

    print(dot(renewal_navmap(), STARTS), end="")
    return 0
