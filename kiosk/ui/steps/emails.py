"""The pending list and step 1: the email addresses and their codes (R2-R7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.flows.inputs import six_digit_code
from kiosk.ui.contract import spec_named
from kiosk.ui.lobby_texts import minutes_seconds
from kiosk.ui.pages import (
    Page,
    message_text,
)
from kiosk.ui.steps.common import find_message, other_messages, parse_time, view_data
from kiosk.ui.texts import tr
from kiosk.ui.widgets import CertificateCard, Keypad, label, set_role

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView


class PendingPage(Page):
    """R2/R3: the renewal's records in the guide's three groups. 待身份鑑別之證書 in its two
    sections ("雲簽"證書 / 非"雲簽"證書, each with its text), every one ticked and locked, the
    button 開始鑑別(N); then 待線上激活之證書 and 待線下辦理之證書, so a holder who comes back
    sees where each record stands. A group with nothing in it keeps its heading and says so
    in one short line (the three stages stay in sight, in the same order every time).
    For a holder back whose records wait only at the counter (`queue`), the page ends with
    where to go and the reference (the queue slip's state is the receipt panel's)."""

    rebuild_on_lang = True

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.count = int(data.get("count") or 0)
        queue = bool(data.get("queue"))
        self.add_title("pending.queue.title" if queue else "pending.title")
        intro = find_message(view, "pending.intro")
        if intro is not None:
            self.add_messages([intro])
        counter = find_message(view, "pending.offline_counter")
        if counter is not None:  # first, in sight without scrolling: where to go now
            note = label("", "info")  # guidance, not a fault
            note.setObjectName("offlineCounter")
            self.message(note, counter)
            self.body.addWidget(note)
        self.cards: list[CertificateCard] = []
        identity = [
            ("pending.cloud.title", "cloud", "pending.cloud"),
            ("pending.noncloud.title", "non_cloud", "pending.noncloud"),
        ]
        self._group("identity", any(data.get(k) for _, k, _ in identity))
        for key, group_key, msg_id in identity:
            group = list(data.get(group_key) or [])
            if not group:
                continue
            head = label("", "sectionTitle")
            head.setObjectName(f"section_{group_key}")
            self.text(head, key)
            self.body.addWidget(head)
            explanation = find_message(view, msg_id)
            if explanation is not None:
                text = label("", "hint")
                self.message(text, explanation)
                self.body.addWidget(text)
            for cert in group:
                # R3: confirmed by the institution's authorised person: ticked, not untickable.
                card = CertificateCard(cert, self.lang, checkable=True, checked=True, locked=True)
                self.cards.append(card)
                self.body.addWidget(card)
        for group_key, data_key in (("activation", "activation_pending"),
                                    ("offline", "offline_pending")):
            group = list(data.get(data_key) or [])
            self._group(group_key, bool(group))
            for cert in group:
                self.body.addWidget(CertificateCard(cert, self.lang))
        self.body.addStretch(1)
        self.valid = self.count > 0

    def _group(self, group_key: str, filled: bool) -> None:
        head = label("", "groupTitle")
        head.setObjectName(f"group_{group_key}")
        self.text(head, f"pending.group.{group_key}")
        self.body.addWidget(head)
        if not filled:
            empty = label("", "hint")
            empty.setObjectName(f"group_{group_key}_empty")
            self.text(empty, "pending.group.empty")
            self.body.addWidget(empty)

    def next_label(self, lang: str) -> str:
        start = find_message(self.view, "pending.start")
        return message_text(start, lang) if start is not None else tr("nav.next", lang)


class EmailsPage(Page):
    """R4/R6/R7: each address with 驗證, or 已驗證 (and when); 下一步 only when all are."""

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_title("emails.title")
        self.add_messages(other_messages(view, "email.verified"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        self.rows: dict[str, QWidget] = {}
        for row, email in enumerate(data.get("emails") or []):
            address = str(email.get("address"))
            grid.addWidget(label(address, "sectionTitle", wrap=False), row, 0)
            if email.get("verified"):
                box = QWidget()
                lay = QVBoxLayout(box)
                lay.setContentsMargins(0, 0, 0, 0)
                mark = label("", "verified", wrap=False)
                self.text(mark, "emails.verified")
                lay.addWidget(mark)
                when = parse_time(email.get("verified_at"))
                if when is not None:
                    lay.addWidget(label(local_minute(when), "hint", wrap=False))
                grid.addWidget(box, row, 1)
                self.rows[address] = box
            else:
                b = QPushButton()
                b.setObjectName(f"verify_{row}")
                self.text(b, "emails.verify")
                b.clicked.connect(
                    lambda _=False, a=address: self.submit_requested.emit({"address": a})
                )
                if email.get("stale"):
                    # R7: verified over 30 days ago: said beside it, with when, then 驗證.
                    box = QWidget()
                    lay = QVBoxLayout(box)
                    lay.setContentsMargins(0, 0, 0, 0)
                    mark = label("", "stale", wrap=False)
                    mark.setObjectName(f"stale_{row}")
                    self.text(mark, "emails.stale")
                    lay.addWidget(mark)
                    when = parse_time(email.get("expired_verified_at"))
                    if when is not None:
                        lay.addWidget(label(local_minute(when), "hint", wrap=False))
                    lay.addWidget(b)
                    grid.addWidget(box, row, 1)
                else:
                    grid.addWidget(b, row, 1)
                self.rows[address] = b
        grid.setColumnStretch(0, 1)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        self.shows_next = bool(data.get("all_verified"))
        self.valid = self.shows_next

    def apply(self) -> dict[str, Any]:
        return {}


def local_minute(when: datetime) -> str:
    """A verification time as the holder reads it: the kiosk's local time, to the minute."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


class EmailCodePage(Page):
    """R5/R6: 獲取驗證碼, the 300-second countdown, the 6-digit code, 驗證電郵地址."""

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_title("emails.title")
        # The keypad stands beside the address and the code, not below them: with the error
        # panel shown, all of it still fits a 1280x900 screen without scrolling.
        left = QVBoxLayout()
        left.setSpacing(12)
        # The address being verified, whole and across the page's width (wrapped when long),
        # above the code entry: with two addresses the holder must see which one it is.
        cap_address = label("", "cardKey")
        self.text(cap_address, "card.email")
        self.body.addWidget(cap_address)
        self.address = label(str(data.get("address") or ""), "sectionTitle")
        self.address.setObjectName("address")
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.address)
        row = QHBoxLayout()
        self.countdown = set_role(label("", wrap=False), "countdown")
        self.countdown.setObjectName("countdown")
        self.get_code = QPushButton()
        self.get_code.setObjectName("getCode")
        self.text(self.get_code, "emails.get_code")
        self.get_code.clicked.connect(lambda: self.submit_requested.emit({"action": "request"}))
        row.addWidget(self.get_code)
        row.addWidget(self.countdown)
        row.addStretch(1)
        left.addLayout(row)
        self.expires_at = parse_time(data.get("code_expires_at"))
        self.can_request_at = parse_time(data.get("can_request_code_at"))
        self.code_spec = spec_named(view, "code") or six_digit_code("code")
        cap = label("", "sectionTitle")
        self.bind(lambda lang: cap.setText(tr("field.email_code", lang) + " *"))
        left.addWidget(cap)
        self.code = QLineEdit()
        self.code.setObjectName("input_code")
        self.code.setMaxLength(self.code_spec.max_len or 6)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.textChanged.connect(lambda _="": self._check())
        self.code.returnPressed.connect(self._enter)
        keypad = Keypad(self.lang)
        keypad.target = self.code
        self.bind(keypad.retranslate)
        krow = QHBoxLayout()
        krow.setSpacing(32)
        left.addWidget(self.code)
        for m in getattr(view, "messages", ()) or ():
            w = label("", "info")
            self.message(w, m)
            left.addWidget(w)
        left.addStretch(1)
        krow.addLayout(left, 1)
        krow.addWidget(keypad, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(krow)
        self.body.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()
        self._check()

    def remaining(self) -> int:
        if self.expires_at is None:
            return 0
        return max(0, int((self.expires_at - datetime.now(UTC)).total_seconds()))

    def _tick(self) -> None:
        left = self.remaining()
        self.countdown.setText(minutes_seconds(left) if left else "")  # 4:58
        # R5: a new code can be asked for once the last one has run out (the view says when).
        wait = self.can_request_at is not None and self.can_request_at > datetime.now(UTC)
        self.get_code.setEnabled(not wait)
        if left == 0 and self.expires_at is not None:
            self._check()

    def _check(self) -> None:
        code = self.code.text().strip()
        self.valid = not self.code_spec.problem_ids(code) and self.expires_at is not None

    def _enter(self) -> None:
        if self.valid:
            self.submit_requested.emit(self.apply())

    def apply(self) -> dict[str, Any]:
        return {"action": "verify", "code": self.code.text().strip()}

    def refused(self, view: StepView) -> None:
        self.code.clear()  # the wrong code is gone; the holder types the right one

    def next_label(self, lang: str) -> str:
        return tr("emails.verify_address", lang)

    def wipe(self) -> None:
        self._timer.stop()
        super().wipe()
