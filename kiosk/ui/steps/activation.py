"""Step 4: selection, password and phrase, the job, and the ends (R17-R26)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.pages import (
    CONTEXT,
    FieldsPage,
    Page,
    message_text,
)
from kiosk.ui.steps.common import find_message, other_messages, view_data
from kiosk.ui.texts import tr
from kiosk.ui.widgets import CertificateCard, label, set_role

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView


class ActivationSelectPage(Page):
    """R17: tabs "雲簽"證書 / 非"雲簽"證書, 選取所有, 下一步 (N)."""

    rebuild_on_lang = True
    chosen: set[str] | None = None  # the holder's ticks, kept across a language rebuild

    def retranslate(self, lang: str) -> None:
        if self.view is not None and lang != self.lang and hasattr(self, "cards"):
            self.chosen = {str(c.cert.get("cert_id")) for c in self.cards if c.checked}
        super().retranslate(lang)

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_messages(other_messages(view, "activation.next"))
        tabs = QTabWidget()
        tabs.setObjectName("activationTabs")
        cloud_tab = QWidget()
        cl = QVBoxLayout(cloud_tab)
        selected = self.chosen if self.chosen is not None else set(data.get("selected") or [])
        self.cards: list[CertificateCard] = []
        # 選取所有 above the cards: below them it sat under the fold while 下一步 (0) was
        # greyed out, the page's only way on out of sight.
        self.select_all = QPushButton()
        self.select_all.setObjectName("selectAll")
        self.text(self.select_all, "activation.select_all")
        self.select_all.clicked.connect(self._all)
        cl.addWidget(self.select_all, 0, Qt.AlignmentFlag.AlignLeft)
        for cert in data.get("cloud") or []:
            card = CertificateCard(
                cert, self.lang, checkable=True, checked=cert.get("cert_id") in selected
            )
            card.toggled.connect(lambda _=False: self._count())
            self.cards.append(card)
            cl.addWidget(card)
        cl.addStretch(1)
        other_tab = QWidget()
        ol = QVBoxLayout(other_tab)
        if data.get("non_cloud"):
            # What becomes of these: not activated here, finished at the counter (R19, R32).
            note = label("", "info")
            note.setObjectName("nonCloudNote")
            self.text(note, "activation.noncloud_note")
            ol.addWidget(note)
        for cert in data.get("non_cloud") or []:
            ol.addWidget(CertificateCard(cert, self.lang))
        ol.addStretch(1)
        tabs.addTab(cloud_tab, tr("pending.cloud.title", self.lang))
        tabs.addTab(other_tab, tr("pending.noncloud.title", self.lang))
        self.body.addWidget(tabs, 1)
        self._count()

    def _all(self) -> None:
        for card in self.cards:
            if card.check is not None:
                card.check.setChecked(True)
        self._count()

    def _count(self) -> None:
        self.valid = any(c.checked for c in self.cards)
        self.updated.emit()

    def apply(self) -> dict[str, Any]:
        return {"cert_ids": [c.cert.get("cert_id") for c in self.cards if c.checked]}

    def next_label(self, lang: str) -> str:
        n = sum(1 for c in getattr(self, "cards", []) if c.checked)
        return tr("activation.next", lang, count=n)


class RuleButton(QPushButton):
    """ⓘ: shows a rule text in a popover (R23/R24). Drawn as an "i" in a circle: neither
    bundled font has the ⓘ character itself."""

    def __init__(self, message: Any, page: Page, title_key: str) -> None:
        super().__init__("i")
        self.title_key = title_key
        self.setObjectName("ruleInfo")
        self.popover: QDialog | None = None
        self.setFixedSize(56, 56)
        self.setStyleSheet(
            "min-height: 0; padding: 0; border-radius: 28px; font-size: 28px;"
            " font-weight: bold; font-style: italic;"
        )
        self.clicked.connect(lambda: self._show(message, page))

    def _show(self, message: Any, page: Page) -> None:
        # Parented to the page, not the button: the button's own style must not cascade.
        pop = QDialog(page)
        pop.setObjectName("rulePopover")
        pop.setMinimumWidth(640)
        self.popover = pop
        lay = QVBoxLayout(pop)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(20)
        lay.addWidget(label(tr(self.title_key, page.lang), "sectionTitle"))
        # The seed's popover: a title, then one bullet per rule.
        text = message_text(message, page.lang)
        rules = [r.strip() for r in text.replace("；", "；\n").splitlines() if r.strip()]
        for rule in rules:
            lay.addWidget(label(f"• {rule}"))
        ok = QPushButton(tr("error.dismiss", page.lang))
        ok.clicked.connect(pop.accept)
        lay.addWidget(ok)
        # A framed card across the page's text column, just below the ⓘ: it covers whole
        # lines (not labels cut mid-word) and never spills over a side panel.
        pop.setWindowFlags(pop.windowFlags() | Qt.WindowType.FramelessWindowHint)
        pop.setStyleSheet(
            "QDialog#rulePopover { background: #ffffff; border: 3px solid #00447c;"
            " border-radius: 12px; }"
        )
        margin = 32
        width = max(480, page.width() - 2 * margin)
        pop.setFixedWidth(width)
        pop.adjustSize()
        top_left = page.mapToGlobal(page.rect().topLeft())
        below = self.mapToGlobal(self.rect().bottomLeft()).y() + 8
        bottom = top_left.y() + page.height()
        y = min(below, max(top_left.y(), bottom - pop.height()))
        pop.move(top_left.x() + margin, y)
        pop.open()


class ActivationFormPage(FieldsPage):
    """R22-R24: "雲簽"用戶名稱 shown; password (and confirmation), revocation phrase, ⓘ."""

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_title("step.activation_form")
        # activation.form is the title itself; the rules live behind the ⓘ buttons.
        self.add_messages(
            other_messages(
                view, "activation.form", "activation.password_rules", "activation.phrase_rules"
            )
        )
        user = QLineEdit(str(data.get("cloud_username") or ""))
        user.setReadOnly(True)
        cap = label("", "sectionTitle")
        self.text(cap, "field.cloud_username")
        self.body.addWidget(cap)
        self.body.addWidget(user)
        self.build_fields(view)
        pw_rules = find_message(view, "activation.password_rules")
        phrase_rules = find_message(view, "activation.phrase_rules")
        rules = {
            "password": (pw_rules, "rules.password.title"),
            "password_confirm": (pw_rules, "rules.password.title"),
            "revocation_phrase": (phrase_rules, "rules.phrase.title"),
        }
        # Put an ⓘ beside each rule-bound field, after its 顯示 / 隱藏 toggle.
        for name, row in self.rows.items():
            msg, title_key = rules.get(name, (None, ""))
            row_layout = row.layout()
            if msg is not None and row_layout is not None:
                row_layout.addWidget(RuleButton(msg, self, title_key))
        self.body.addStretch(1)

    def next_label(self, lang: str) -> str:
        return tr("activation.activate", lang)  # seed step 22: 「激活證書」

    def apply(self) -> dict[str, Any]:
        out = super().apply()
        # Secrets travel as bytearrays so the flow can overwrite them after use.
        return {
            k: bytearray(str(v).encode()) if k != "cloud_username" else v for k, v in out.items()
        }


class ProgressPage(Page):
    """R26: activation runs in the background; the page asks the flow again until done."""

    shows_next = False

    def build_view(self, view: StepView) -> None:
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        self.body.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.submit_requested.emit({}))
        # The flow says whether and when to ask again (StepView.retry_after_ms).
        self.polls = view.retry_after_ms is not None
        # After an outage the holder can also ask again at once (重試 submits {}).
        self.shows_next = False
        if self.polls:
            self._timer.start(self._delay(view))

    @staticmethod
    def _delay(view: StepView) -> int:
        return int(view.retry_after_ms or 0)

    def refused(self, view: StepView) -> None:
        self.polls = view.retry_after_ms is not None
        if self.polls and view.error is not None:
            self.shows_next = True
            self.updated.emit()
            self._timer.start(self._delay(view))

    def apply(self) -> dict[str, Any]:
        self._timer.stop()
        return {}

    def next_label(self, lang: str) -> str:
        return tr("activation.retry", lang)

    def wipe(self) -> None:
        self._timer.stop()
        super().wipe()


class DonePage(Page):
    """R26 成功激活 with old/new serial and expiry; R19/R32 the offline notice."""

    rebuild_on_lang = True

    shows_next = False

    def build_view(self, view: StepView) -> None:
        data = view_data(view)
        self.add_title(f"step.{view.step_id}")
        self.add_messages(getattr(view, "messages", ()))
        # One card per renewed certificate (its type as the title, then key / value rows
        # that wrap): at 1280 px beside the demo panel a six-column table squeezed the type
        # to one character a line and pushed the new serial and expiry off the page.
        self.result_cards: list[QFrame] = []
        for n, r in enumerate(data.get("renewed") or []):
            card = QFrame()
            card.setObjectName("card")
            grid = QGridLayout(card)
            grid.setContentsMargins(18, 14, 18, 14)
            grid.setHorizontalSpacing(18)
            grid.setVerticalSpacing(6)
            title = label("", "cardType")
            self.text(title, f"type.{r.get('type')}")
            grid.addWidget(title, 0, 0, 1, 2)
            rows = (
                ("done.new_serial", "new_serial"),
                ("done.new_expiry", "new_expiry"),
                ("card.email", "email"),
                ("done.old_serial", "old_serial"),
                ("done.old_expiry", "old_expiry"),
            )
            for i, (key, attr) in enumerate(rows, start=1):
                k = set_role(label("", wrap=False), "cardKey")
                self.text(k, key)
                v = set_role(label(str(r.get(attr) or "")), "cardValue")
                v.setObjectName(f"{attr}_{n}")
                v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if attr.startswith("new_"):
                    v.setStyleSheet("font-weight: bold;")
                grid.addWidget(k, i, 0, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(v, i, 1)
            grid.setColumnStretch(1, 1)
            self.result_cards.append(card)
            self.body.addWidget(card)
        for cert in data.get("non_cloud") or []:
            self.body.addWidget(CertificateCard(cert, self.lang))
        self.body.addStretch(1)


class RevokeFirstPage(Page):
    """R20 (AC-AB-0015): the certificates to revoke first (type + 「前往撤銷頁面」), then
    激活證書 runs the pre-activation check again (submit {}); 上一步 where the flow allows.

    The link opens a browser only for counter staff: a lobby kiosk must never leave the
    kiosk, so there the holder is told where to revoke instead."""

    next_on_last = True

    def build_view(self, view: StepView) -> None:
        self.add_title("step.revoke_first")
        messages = other_messages(view, "revoke.title")
        self.add_messages(messages)
        self.add_help_codes(list(getattr(view, "messages", ()) or ()))
        self.links: list[QPushButton] = []
        staff = CONTEXT.staff_at_screen
        for item in view_data(view).get("revoke") or []:
            url = str(item.get("revoke_url") or "")
            row = QHBoxLayout()
            kind = label("", "sectionTitle", wrap=False)
            kind.setObjectName("revokeType")
            # Only "雲簽" certificates are activated (R17), so that is the default type.
            cert_type = str(item.get("type") or "cloud")
            self.text(kind, f"type.{cert_type}")
            row.addWidget(kind)
            if staff and url:
                b = QPushButton()
                b.setObjectName("revokeLink")
                self.text(b, "revoke.open")
                b.clicked.connect(lambda _=False, u=url: QDesktopServices.openUrl(QUrl(u)))
                row.addWidget(b)
                self.links.append(b)
            row.addStretch(1)
            self.body.addLayout(row)
        if not staff:
            where = label("", "info")
            where.setObjectName("revokeWhere")
            self.text(where, "revoke.where")
            self.body.addWidget(where)
        self.body.addStretch(1)

    def apply(self) -> dict[str, Any]:
        return {}

    def next_label(self, lang: str) -> str:
        return tr("activation.activate", lang)


class ReverifyPage(Page):
    """R21 (AC-AB-0014): the identity data changed; a button goes back to identity
    verification (submit {})."""

    next_on_last = True

    def build_view(self, view: StepView) -> None:
        self.add_title("step.reverify")
        title = find_message(view, "reverify.title")
        if title is not None:
            notice = label("", "notice")
            self.message(notice, title)
            self.body.addWidget(notice)
        self.add_messages(other_messages(view, "reverify.title"))
        self.add_help_codes(list(getattr(view, "messages", ()) or ()))
        self.body.addStretch(1)

    def apply(self) -> dict[str, Any]:
        return {}

    def next_label(self, lang: str) -> str:
        return tr("reverify.again", lang)
