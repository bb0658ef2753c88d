"""The counter desk's pages (R32, R34): home, the 待線下辦理 queue, the in-person check, the
token, the issuance with its progress, the completion, reprints, the site status, the lock.

They only arrange what the desk stage's views carry (kiosk/flows/stages/desk.py) and say
which inputs to submit; the PIN and the staff password go as bytearrays the flow wipes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from kiosk.ui.pages import FieldsPage, Page
from kiosk.ui.steps.activation import ProgressPage
from kiosk.ui.steps.common import view_data
from kiosk.ui.steps.identity import PhotoPage
from kiosk.ui.texts import tr
from kiosk.ui.widgets import label, set_role

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView

HOME_BUTTONS = ("queue", "receipts", "status", "sign_out")


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("deskCard")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    box = QVBoxLayout(frame)
    box.setContentsMargins(16, 12, 16, 12)
    box.setSpacing(6)
    return frame, box


class _DeskPage(FieldsPage):
    """Title, the view's messages, then the certificates of the renewal being finished."""

    def head(self, view: StepView) -> None:
        self.fields = {}  # the pages without inputs have none (build_fields fills them)
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        self.add_help_codes(list(getattr(view, "messages", ()) or ()))

    def add_entries(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        first = rows[0]
        frame, box = _card()
        ref = label("", "sectionTitle")
        self.text(ref, "desk.renewal_ref", reference=first["renewal_id"],
                  name=first["holder_name"])
        box.addWidget(ref)
        where = set_role(label(""), "hint")
        self.text(where, "desk.verified", at=first["verified_at"] or "—",
                  kiosk=first["verified_kiosk_id"] or "—")
        box.addWidget(where)
        for r in rows:
            line = label("")
            line.setObjectName(f"cert_{r['cert_id']}")
            self.bind(functools.partial(_set_cert_line, line, r))
            box.addWidget(line)
        self.body.addWidget(frame)



def _set_cert_line(widget: QLabel, r: Mapping[str, Any], lang: str) -> None:
    kind = r["type"].get(lang) if isinstance(r["type"], Mapping) else str(r["type"])
    head = tr("desk.cert_line", lang, type=kind, serial=r["serial"], expiry=r["expiry"])
    if "done" in r:
        tail = (tr("desk.issued_line", lang, serial=r["new_serial"], expiry=r["new_expiry"])
                if r["done"] else tr("desk.issue_waiting", lang))
        widget.setText(head + "\n" + tail)
    else:
        widget.setText(head + "  ·  " + tr(f"desk.state.{r['state']}", lang))


def _set_status_head(widget: QLabel, r: Mapping[str, Any], lang: str) -> None:
    widget.setText(f"{tr('desk.status.' + str(r['status']), lang)} · {r['name']}")


class DeskHomePage(Page):
    """The counter home: Next assists a holder; the other actions are buttons."""

    def build_view(self, view: StepView) -> None:
        self.add_title("step.desk_home")
        self.add_messages(getattr(view, "messages", ()))
        grid = QGridLayout()
        grid.setSpacing(16)
        self.buttons: dict[str, QPushButton] = {}
        for i, action in enumerate(HOME_BUTTONS):
            b = QPushButton()
            b.setObjectName(f"desk_{action}")
            b.setMinimumHeight(72)
            self.text(b, f"desk.action.{action}")
            b.clicked.connect(lambda _=False, a=action: self.submit_requested.emit({"desk": a}))
            grid.addWidget(b, i // 2, i % 2)
            self.buttons[action] = b
        self.body.addLayout(grid)
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        return tr("desk.action.assist", lang)


class DeskQueuePage(_DeskPage):
    """待線下辦理之證書: search by ID number, name, serial or reference; one card per renewal
    with where and when it was verified and its certificates' state; 辦理 finishes it."""

    def build_view(self, view: StepView) -> None:
        self.head(view)
        self.build_fields(view)
        query = self.fields.get("query")
        if isinstance(query, QLineEdit):
            query.setText(str(view_data(view).get("query") or ""))
        self.finish_buttons: dict[str, QPushButton] = {}
        by_renewal: dict[str, list[Mapping[str, Any]]] = {}
        for e in view_data(view).get("entries") or ():
            by_renewal.setdefault(str(e["renewal_id"]), []).append(e)
        for rid, rows in by_renewal.items():
            self.add_entries(rows)
            if any(r["state"] == "waiting" for r in rows):
                b = QPushButton()
                b.setObjectName(f"finish_{rid}")
                b.setProperty("primary", True)
                self.text(b, "desk.finish")
                b.clicked.connect(
                    lambda _=False, r=rid: self.submit_requested.emit({"renewal_id": r}))
                row = QHBoxLayout()
                row.addStretch(1)
                row.addWidget(b)
                self.body.addLayout(row)
                self.finish_buttons[rid] = b
        self.body.addStretch(1)

    def _check(self) -> None:
        self.valid = True  # an empty search lists the whole queue

    def next_label(self, lang: str) -> str:
        return tr("desk.search", lang)


class DeskFieldsPage(_DeskPage):
    """In person (the ID card's number), the attestation's reason, the lock's password."""

    def build_view(self, view: StepView) -> None:
        self.head(view)
        data = view_data(view)
        self.add_entries(list(data.get("entries") or ()))
        if view.step_id == "desk_attest":
            note = set_role(label(""), "notice")
            self.text(note, "desk.attest_note")
            self.body.addWidget(note)
        self.build_fields(view)
        self.body.addStretch(1)

    def apply(self) -> dict[str, Any]:
        out = super().apply()
        if "password" in out:
            out["password"] = bytearray(str(out["password"]).encode())
        return out


class DeskFacePage(PhotoPage):
    """The counter camera's live photo, matched as R12 (3 tries)."""

    def add_title(self, key_or_text: str) -> Any:
        made = super().add_title("step.desk_face" if key_or_text == "step.photo"
                                 else key_or_text)
        left = getattr(self, "_tries_left", None)
        if left is not None and not self.findChild(QLabel, "faceTriesLeft"):
            # Under the page's title (above it, it read as a line of the header).
            tries = set_role(label(""), "hint")
            tries.setObjectName("faceTriesLeft")
            self.bind(lambda lang: tries.setText(tr("desk.tries_left", lang, count=left)))
            self.body.addWidget(tries)
        return made

    def build_view(self, view: StepView) -> None:
        self._tries_left = view_data(view).get("face_tries_left")
        super().build_view(view)

    def _photo(self, jpeg: bytes | bytearray) -> None:
        self.submit_requested.emit({"photo": jpeg if isinstance(jpeg, bytearray)
                                    else bytearray(jpeg)})

    def apply(self) -> dict[str, Any]:
        return {"photo": super().apply()["photo_jpeg"]}


class DeskTokenPage(_DeskPage):
    """The holder's token: which one (when several are plugged in), and its PIN, typed by
    the holder on the keypad. The token counts wrong PINs itself."""

    def build_view(self, view: StepView) -> None:
        self.head(view)
        data = view_data(view)
        self.add_entries(list(data.get("entries") or ()))
        labels = [str(x) for x in data.get("tokens") or ()]
        # Plugged in (again) after the page was shown: look again. Above the token list,
        # the PIN and its keypad, so it is in view at 1280x800 without scrolling.
        again = QPushButton()
        again.setObjectName("tokenLookAgain")
        self.text(again, "desk.token_again")
        again.clicked.connect(lambda: self.submit_requested.emit({"rescan": True}))
        row = QHBoxLayout()
        row.addWidget(again)
        row.addStretch(1)
        self.body.addLayout(row)
        self.token_buttons: dict[str, QRadioButton] = {}
        if len(labels) > 1:
            cap = label("", "sectionTitle")
            self.text(cap, "desk.token_which")
            self.body.addWidget(cap)
            group = QButtonGroup(self)
            for t in labels:
                rb = QRadioButton(t)
                rb.setObjectName(f"token_{t}")
                rb.setMinimumHeight(48)
                group.addButton(rb)
                rb.toggled.connect(lambda _=False: self._check())
                self.body.addWidget(rb)
                self.token_buttons[t] = rb
        self.labels = labels
        self.build_fields(view)
        pin = self.fields.get("pin")
        if isinstance(pin, QLineEdit):
            pin.setEchoMode(QLineEdit.EchoMode.Password)  # the holder's secret, on the keypad
        self.body.addStretch(1)

    def _check(self) -> None:
        super()._check()
        if getattr(self, "token_buttons", None) and not any(
            b.isChecked() for b in self.token_buttons.values()
        ):
            self.valid = False
        if not getattr(self, "labels", True):
            self.valid = False

    def apply(self) -> dict[str, Any]:
        out = super().apply()
        pin = out.pop("pin", "")
        chosen = next((t for t, b in getattr(self, "token_buttons", {}).items()
                       if b.isChecked()), "")
        return {"token": chosen, "pin": bytearray(str(pin).encode())}

    def refused(self, view: StepView) -> None:
        for name, edit in self.fields.items():
            if name == "pin" and isinstance(edit, QLineEdit):
                edit.clear()  # a wrong PIN is typed again, not corrected


class DeskIssuePage(ProgressPage):
    """Issuance, one certificate after the other (the flow issues one per submit and the
    page asks again, as the activation's progress page does)."""

    def build_view(self, view: StepView) -> None:
        super().build_view(view)
        _DeskPage.add_entries(self, list(view_data(view).get("progress") or ()))  # type: ignore[arg-type]

    def wipe(self) -> None:
        self._timer.stop()
        super().wipe()


class DeskDonePage(_DeskPage):
    """Done: each certificate's new serial and expiry, and whether the receipt printed."""

    def build_view(self, view: StepView) -> None:
        self.head(view)
        data = view_data(view)
        self.add_entries(list(data.get("progress") or ()))
        receipt = data.get("receipt") or {}
        note = label("", "info")
        note.setObjectName("receiptState")
        key = ("desk.receipt_printed" if receipt.get("printed")
               else "desk.receipt_not_printed" if receipt.get("set_up", True)
               else "desk.receipt_not_set_up")
        self.text(note, key)
        self.body.addWidget(note)
        if receipt.get("help_code"):
            self.add_help_codes([], receipt["help_code"])
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        return tr("desk.back_home", lang)


class DeskReceiptsPage(_DeskPage):
    """Receipts lodged but not printed yet: 重印 prints one here (once per receipt)."""

    def next_label(self, lang: str) -> str:
        return tr("desk.back_home", lang)

    def build_view(self, view: StepView) -> None:
        self.head(view)
        self.reprint_buttons: dict[str, QPushButton] = {}
        for r in view_data(view).get("receipts") or ():
            frame, box = _card()
            line = label("")
            self.text(line, "desk.receipt_line", reference=r["renewal_id"],
                      kiosk=r["kiosk_id"] or "—", at=r["lodged_at"] or "—")
            row = QHBoxLayout()
            row.addWidget(line, 1)
            b = QPushButton()
            b.setObjectName(f"reprint_{r['receipt_id']}")
            self.text(b, "desk.reprint")
            b.clicked.connect(lambda _=False, i=r["receipt_id"]:
                              self.submit_requested.emit({"receipt_id": i}))
            row.addWidget(b)
            box.addLayout(row)
            self.body.addWidget(frame)
            self.reprint_buttons[str(r["receipt_id"])] = b
        self.body.addStretch(1)


class DeskStatusPage(_DeskPage):
    """The site: every kiosk's heartbeat and this terminal's checks; what failed, with its
    fix in plain words."""

    def build_view(self, view: StepView) -> None:
        self.head(view)
        for r in view_data(view).get("site") or ():
            frame, box = _card()
            frame.setObjectName(f"status_{r['name']}")
            head = label("", "sectionTitle")
            self.bind(functools.partial(_set_status_head, head, r))
            box.addWidget(head)
            box.addWidget(label(str(r["verdict"])))
            if r.get("fix") and r.get("status") != "ok":
                fix = set_role(label(""), "notice")
                self.text(fix, "desk.status_fix", fix=r["fix"])
                box.addWidget(fix)
            self.body.addWidget(frame)
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        return tr("desk.back_home", lang)
