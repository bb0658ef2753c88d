"""R31: a receipt's date and time are the registry's, not the kiosk's. The kiosk's clock is
set three days back (the flow's own clock), the renewal runs against the sandbox over HTTP,
and the receipt's seal and printed time are the sandbox's (its Date header)."""

from __future__ import annotations

import datetime as dt
import email.utils
import types
from typing import Any

import pytest
import requests

from kiosk.flows.stages import receipt as receipt_stage
from kiosk.receipt.identity import KioskIdentity
from kiosk.receipt.printing import printer_from_setting
from kiosk.receipt.render import PaperFormat, local_time
from kiosk.receipt.service import ReceiptService
from kiosk.receipt.verify import verify_seal
from kiosk.services.factory import close_services
from tests.receipt.helpers import pdftotext, renew_to_end

SKEW = dt.timedelta(days=3)


class _BehindClock(dt.datetime):
    """This terminal's wall clock, three days slow."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        return dt.datetime.now(tz) - SKEW


def _sandbox_now(url: str) -> dt.datetime:
    resp = requests.get(url + "/registry/v1/trust-list", timeout=10)
    return email.utils.parsedate_to_datetime(resp.headers["Date"])


def test_r31_receipt_time_is_the_registrys_with_the_kiosk_clock_skewed(
    sandbox_url: str, identity: KioskIdentity, registry: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(receipt_stage, "dt", types.SimpleNamespace(
        datetime=_BehindClock, UTC=dt.UTC, date=dt.date, timedelta=dt.timedelta))
    kiosk_clock = receipt_stage.backend_now(types.SimpleNamespace(registry=None))()
    before = _sandbox_now(sandbox_url)
    assert before - kiosk_clock > SKEW - dt.timedelta(minutes=1)  # the kiosk is wrong

    flow = renew_to_end(sandbox_url, lambda reg: ReceiptService(
        identity, reg, printer_from_setting("none"), PaperFormat.A4), "h-noeid")
    try:
        after = _sandbox_now(sandbox_url)
        assert flow.receipt is not None and flow.receipt.seal
        said = verify_seal(flow.receipt.seal, registry.trust_list())
        sealed = dt.datetime.fromisoformat(said["time"])
        # the registry's clock (Date has whole seconds), days away from the kiosk's
        assert before - dt.timedelta(seconds=2) <= sealed <= after + dt.timedelta(seconds=2)
        made = flow.receipt.result.receipt
        assert made.data.issued_at.replace(microsecond=0) == sealed
        text = pdftotext(made.pdf)
        assert local_time(sealed) in text
        assert local_time(kiosk_clock.replace(microsecond=0)) not in text
    finally:
        close_services(flow.services)
