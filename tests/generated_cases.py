"""Counts the generated (property-based) cases a test run executes (issue 12: at least
10,000 per `make test`); tests/services/conftest.py prints the total at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

CASES: Counter[str] = Counter()

F = TypeVar("F", bound=Callable[..., Any])


def counted(examples: int) -> Callable[[F], F]:
    """Runs the decorated hypothesis test with `examples` examples and counts each one run."""

    def wrap(fn: F) -> F:
        # Applied outside @given: hypothesis calls `inner_test` once per example.
        inner = fn.hypothesis.inner_test  # type: ignore[attr-defined]

        @wraps(inner)
        def run(*args: Any, **kwargs: Any) -> Any:
            CASES[fn.__name__] += 1
            return inner(*args, **kwargs)

        fn.hypothesis.inner_test = run  # type: ignore[attr-defined]
        return settings(  # type: ignore[no-any-return]
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.function_scoped_fixture],
        )(fn)

    return wrap


def total() -> int:
    return sum(CASES.values())
