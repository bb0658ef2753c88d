"""R31: printing (a real CUPS queue, an ESC/POS byte stream) and never losing a receipt:
every receipt is lodged with the registry, a counter lists the unprinted ones and reprints
them, and nothing prints twice without being asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.receipt.identity import KioskIdentity
from kiosk.receipt.model import Outcome
from kiosk.receipt.printing import (
    EscposPrinter,
    EscposTarget,
    PrinterMissing,
    PrinterOffline,
    SystemPrinter,
    printer_from_setting,
)
from kiosk.receipt.render import PaperFormat
from kiosk.receipt.service import ReceiptService, make_receipt
from kiosk.services.errors import Conflict
from kiosk.services.registry import RegistryClient
from tests.receipt.conftest import CupsQueue
from tests.receipt.helpers import (
    escpos_rasters,
    files_made_under,
    pdftotext,
    qr_in_escpos,
    qr_in_pdf,
    receipt_data,
)


def test_r31_prints_through_a_real_cups_queue(
    qapp: Any, cups_queue: CupsQueue, identity: KioskIdentity, registry: RegistryClient,
    renewal_id: tuple[str, str],
) -> None:
    token, rid = renewal_id
    service = ReceiptService(identity, registry, SystemPrinter(cups_queue.name),
                             PaperFormat.ROLL)
    result = service.issue(receipt_data(Outcome.ACTIVATED, ref=rid), token)
    assert result.printed and result.help_code is None
    assert result.lodged is not None and result.lodged.printed

    job_pdf = cups_queue.wait_for_pdf()
    printed = job_pdf.read_bytes()
    job_pdf.unlink()  # the paper's copy holds personal data
    assert printed.startswith(b"%PDF")
    assert result.receipt is not None
    assert qr_in_pdf(printed) == result.receipt.seal  # the job is this receipt

    staff = registry.staff_login("staff01", "counter-demo-1")
    assert [r.receipt_id for r in registry.receipts(staff, printed=False)] == []


def test_r31_cups_job_is_sent_from_memory_no_temp_file_and_the_queue_prints_it_whole(
    cups_queue: CupsQueue, identity: KioskIdentity, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The receipt (the holder's name, the masked ID number) goes to CUPS from memory: with
    the temp, runtime, cache and home folders fresh and watched by inotify while it prints,
    not one file is made in them (when Qt printed, its CUPS plugin wrote the pages to a
    cupsTempFd file in TMPDIR and deleted it after cupsPrintFile). The queue got the PDF:
    cups-pdf's output is this receipt, its one page 80 mm wide, the text and seal whole."""
    from reportlab.lib.units import mm

    from kiosk.receipt.printing import page_count, page_size
    from tests.faults.sentinel import scan_tree

    folders = []
    for var in ("TMPDIR", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "HOME"):
        folder = tmp_path / var.lower()
        folder.mkdir()
        monkeypatch.setenv(var, str(folder))
        folders.append(folder)
    data = receipt_data(Outcome.PARTLY)
    made = make_receipt(data, identity, PaperFormat.ROLL)
    with files_made_under(folders) as made_files:
        SystemPrinter(cups_queue.name).print_pdf(made.pdf, PaperFormat.ROLL,
                                                 f"receipt {data.renewal_ref}")
        job_pdf = cups_queue.wait_for_pdf()
    assert made_files == []
    personal = {"name": data.holder_name, "masked_id": data.id_number_masked}
    assert [h for f in folders for h in scan_tree(f, personal, f.name)] == []

    printed = job_pdf.read_bytes()
    job_pdf.unlink()  # the paper's copy holds personal data
    assert page_count(printed) == page_count(made.pdf) == 1
    width, height = page_size(printed)
    assert abs(width - 80 * mm) < 1.5 and height > 150 * mm  # the roll, not cut to A4
    assert qr_in_pdf(printed) == made.seal
    # (ghostscript's ps2write keeps no Unicode map for the CJK glyphs: the Latin text reads)
    text = pdftotext(printed)
    assert "CHAN TAI MAN" in text and data.id_number_masked in text


def test_r31_printer_gone_tells_the_holder_and_the_counter_reprints_it(
    qapp: Any, cups_queue: CupsQueue, identity: KioskIdentity, registry: RegistryClient,
    renewal_id: tuple[str, str],
) -> None:
    token, rid = renewal_id
    kiosk = ReceiptService(identity, registry, SystemPrinter("no_such_queue_here"))
    result = kiosk.issue(receipt_data(Outcome.PARTLY, "en", ref=rid), token)
    assert not result.printed
    assert result.help_code == "AC-KI-0301"
    assert "請向櫃檯職員索取補印" in result.holder_messages["zh-Hant"]
    assert "Peça uma reimpressão no balcão" in result.holder_messages["pt"]
    assert "ask at the counter for a reprint" in result.holder_messages["en"]
    assert "AC-KI-0301" in result.holder_messages["en"]
    assert result.lodged is not None and not result.lodged.printed

    staff = registry.staff_login("staff01", "counter-demo-1")
    counter = ReceiptService(identity, registry, SystemPrinter(cups_queue.name))
    pending = counter.pending(staff)
    assert [p.receipt_id for p in pending] == [result.lodged.receipt_id]
    assert pending[0].renewal_id == rid

    marked = counter.reprint(staff, pending[0].receipt_id, idempotency_key="reprint-1")
    assert marked.printed
    job_pdf = cups_queue.wait_for_pdf()
    seal_text = qr_in_pdf(job_pdf.read_bytes())
    job_pdf.unlink()
    assert result.receipt is not None and seal_text == result.receipt.seal
    assert counter.pending(staff) == []

    # the same request again (a retry) answers as before; another counter is refused
    again = registry.mark_receipt_printed(staff, pending[0].receipt_id, "reprint-1")
    assert again.printed_at == marked.printed_at
    with pytest.raises(Conflict) as err:
        registry.mark_receipt_printed(staff, pending[0].receipt_id, "reprint-2")
    assert err.value.help_code == "AC-AB-0054"


def test_r31_lodging_is_idempotent_and_checks_the_seal(
    identity: KioskIdentity, registry: RegistryClient, renewal_id: tuple[str, str],
) -> None:
    token, rid = renewal_id
    made = make_receipt(receipt_data(Outcome.OFFLINE, ref=rid), identity)
    first = registry.lodge_receipt(token, rid, made.pdf, made.seal, False, made.idempotency_key)
    retry = registry.lodge_receipt(token, rid, made.pdf, made.seal, False, made.idempotency_key)
    assert retry.receipt_id == first.receipt_id
    staff = registry.staff_login("staff01", "counter-demo-1")
    assert [r.receipt_id for r in registry.receipts(staff, printed=False)] == [first.receipt_id]
    assert registry.receipt(staff, first.receipt_id).pdf == made.pdf

    other = make_receipt(receipt_data(Outcome.OFFLINE, ref="RN-SOMEONE-ELSE"), identity)
    from kiosk.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        registry.lodge_receipt(token, rid, other.pdf, other.seal, False, "k-2")
    assert err.value.help_code == "AC-AB-0053"


def test_r31_lodging_that_failed_is_retried_without_printing_again(
    identity: KioskIdentity, registry: RegistryClient, renewal_id: tuple[str, str],
    tmp_path: Path,
) -> None:
    token, rid = renewal_id
    device = tmp_path / "lp0"
    printer = EscposPrinter(EscposTarget("file", path=str(device)))
    down = RegistryClient("http://127.0.0.1:9/registry/v1", retry_delays=())
    service = ReceiptService(identity, down, printer)
    result = service.issue(receipt_data(Outcome.ACTIVATED, ref=rid), token)
    assert result.printed and result.lodged is None and result.lodging_error is not None
    printed_once = device.read_bytes()

    service.registry = registry
    assert service.retry_lodging() == 0
    assert device.read_bytes() == printed_once  # nothing printed by the retry
    staff = registry.staff_login("staff01", "counter-demo-1")
    lodged = registry.receipts(staff)
    assert len(lodged) == 1 and lodged[0].printed


def test_r31_escpos_file_output_decodes_back_to_the_receipt(
    identity: KioskIdentity, tmp_path: Path
) -> None:
    device = tmp_path / "usb-lp0"
    printer = printer_from_setting(f"escpos-file:{device}")
    made = make_receipt(receipt_data(Outcome.PARTLY, "pt"), identity, PaperFormat.ROLL)
    printer.print_pdf(made.pdf, PaperFormat.ROLL, "receipt")
    data = device.read_bytes()
    assert data.startswith(b"\x1b@")  # ESC @: initialise
    assert b"\x1dV" in data  # GS V: cut
    assert all(r.width <= 576 for r in escpos_rasters(data))
    assert qr_in_escpos(data) == made.seal


def test_r31_unreachable_escpos_printer_is_a_typed_error() -> None:
    from kiosk.receipt.render import render

    printer = printer_from_setting("escpos-network:127.0.0.1:9")
    pdf = render(receipt_data(Outcome.ACTIVATED), "RK1:UNSIGNED")
    with pytest.raises(PrinterMissing) as err:
        printer.print_pdf(pdf, PaperFormat.ROLL, "receipt")
    assert err.value.help_code == "AC-KI-0301"
    assert "counter" in err.value.user_message("en")


def test_r31_kiosk_without_printer_sends_the_holder_to_the_counter(
    identity: KioskIdentity, registry: RegistryClient, renewal_id: tuple[str, str],
) -> None:
    from kiosk.receipt.service import build_receipt_service

    token, rid = renewal_id
    service = build_receipt_service(registry, {"printer": "none", "receipt_paper": "a4"},
                                    identity)
    result = service.issue(receipt_data(Outcome.OFFLINE, ref=rid), token)
    assert not result.printed and result.help_code == "AC-KI-0301"
    assert result.receipt is not None and result.receipt.paper == PaperFormat.A4
    staff = registry.staff_login("staff01", "counter-demo-1")
    assert [r.receipt_id for r in service.pending(staff)] == [result.lodged.receipt_id]


def test_r31_printer_settings_are_checked_when_set(tmp_path: Path) -> None:
    from kiosk.store.settings import SettingError, SettingsStore

    store = SettingsStore(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    try:
        assert store.get("printer") == "system" and store.get("receipt_paper") == "roll"
        assert store.set("printer", "escpos-network:10.0.0.7:9100") == \
            "escpos-network:10.0.0.7:9100"
        assert isinstance(printer_from_setting(store.get("printer")), EscposPrinter)
        assert isinstance(printer_from_setting("system:front_desk"), SystemPrinter)
        for bad in ("lp0", "escpos-usb:zz:1", "escpos-network:", "escpos-network:h:port"):
            with pytest.raises(SettingError, match="takes one of none, system"):
                store.set("printer", bad)
        with pytest.raises(SettingError, match="roll"):
            store.set("receipt_paper", "letter")
        assert store.set("kiosk_site", "Macau Main Office") == "Macau Main Office"
    finally:
        store.close()


def test_r31_stopped_cups_queue_is_printer_offline(
    qapp: Any, cups_queue: CupsQueue, identity: KioskIdentity,
) -> None:
    made = make_receipt(receipt_data(Outcome.ACTIVATED), identity)
    assert cups_queue.lp("cupsdisable", cups_queue.name).returncode == 0
    try:
        with pytest.raises(PrinterOffline) as err:
            SystemPrinter(cups_queue.name).print_pdf(made.pdf, PaperFormat.ROLL, "receipt")
        assert err.value.help_code == "AC-KI-0302"
    finally:
        assert cups_queue.lp("cupsenable", cups_queue.name).returncode == 0
    assert not list(cups_queue.out.glob("*.pdf"))  # nothing was queued
