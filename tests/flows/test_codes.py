"""Help codes live in one table (kiosk/services/errors.py): the flow catches classes refined
by help code and status (stripe-python's way), never a code written out in flow code."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.services.errors import (
    CODE_TO_ERROR,
    EmailCodeLocked,
    RateLimited,
    ServerError,
    ValidationFailed,
    error_class_for,
    server_refused,
    worth_retrying,
)

FLOWS = Path(__file__).resolve().parents[2] / "kiosk" / "flows"
CODE = re.compile(r"""["']AC-(AB|KI)-\d{4}["']""")


def test_an_error_is_refined_by_its_help_code_and_keeps_its_status_kind() -> None:
    cls = error_class_for(423, "AC-AB-0011")
    assert issubclass(cls, EmailCodeLocked) and issubclass(cls, RateLimited)
    err = cls({"zh-Hant": "x"}, "AC-AB-0011", http_status=423)
    assert err.kind == "rate_limit" and server_refused(err) and not worth_retrying(err)
    # A code the kiosk does not branch on keeps the plain status class.
    assert error_class_for(422, "AC-AB-0001") is ValidationFailed
    assert error_class_for(503, None) is ServerError
    assert len({c.code for c in CODE_TO_ERROR.values()}) == len(CODE_TO_ERROR)  # type: ignore[attr-defined]


def test_a_5xx_or_a_kiosk_code_is_not_a_refusal_and_may_be_retried() -> None:
    busy = error_class_for(503, "AC-AB-0036")({}, "AC-AB-0036", http_status=503)
    assert not server_refused(busy) and worth_retrying(busy)
    garbled = error_class_for(409, None)({}, "AC-KI-0003", http_status=409)
    assert not server_refused(garbled)


def test_help_code_literals_and_hook_chosen_steps_are_gone_from_flow_code() -> None:
    with_codes = sorted(
        p.relative_to(FLOWS).as_posix()
        for p in FLOWS.rglob("*.py")
        if CODE.search(p.read_text(encoding="utf-8"))
    )
    assert with_codes == ["messages.py"]  # the texts' table, nothing else
    for p in FLOWS.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert '"_next"' not in text and "GoTo" not in text and "_dynamic" not in text, p
