"""The kiosk shell: title, language switcher, step indicator 1 — 2 — 3 — 4, one page per flow
step, Back / Next / start over, a busy overlay while the flow works, and the error panel.

The shell never decides anything about the renewal: it hands the page's inputs to
`flow.submit()` on a worker thread and renders the StepView that comes back (DESIGN: UI ->
flow -> service). The first screen (mode choice) belongs to the shell.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.flows.messages import error_message
from kiosk.services.errors import KIOSK_UNEXPECTED, BackendError
from kiosk.ui.contract import specs_of
from kiosk.ui.doctor_notice import StartCheckNotice
from kiosk.ui.fit import keep_text_whole
from kiosk.ui.idle import IdleGuard
from kiosk.ui.keyboard import KeyboardHost, OnScreenKeyboard, TextSizeControl, layout_for
from kiosk.ui.pages import (
    CONTEXT,
    ModePage,
    Page,
    message_help_code,
    message_text,
)
from kiosk.ui.receipt_panel import StaffNotice
from kiosk.ui.registry import page_class_for
from kiosk.ui.texts import DEFAULT_LANG, LANG_NAMES, LANGS, tr
from kiosk.ui.widgets import BusyOverlay, ErrorPanel, Keypad, KeypadInView, StepIndicator
from kiosk.ui.worker import Op, flow_executor, on_db_thread

log = logging.getLogger(__name__)

# The flow's "not started" step: the shell shows its own first screen (mode choice) for it.
MODE_STEP_IDS = ("idle",)


class FlowLike(Protocol):
    """What the shell needs of kiosk.flows.renewal.RenewalFlow."""

    @property
    def current(self) -> Any: ...

    def submit(self, inputs: dict[str, Any]) -> Any: ...

    def back(self) -> Any: ...

    def reset(self) -> Any: ...

    def start_staff(self) -> Any: ...

    def start_self_service(self) -> Any: ...


class _ErrorShown:
    """An error to show, kept so a language switch can re-render it."""

    def __init__(self, text: Callable[[str], str], help_code: str | None) -> None:
        self.text = text
        self.help_code = help_code


class MainWindow(QMainWindow):
    view_shown = Signal(str)  # step id of the page now on screen ("" = first screen)
    wiped = Signal()

    def __init__(
        self,
        flow: FlowLike,
        *,
        lang: str = DEFAULT_LANG,
        self_service: bool = False,
        idle_s: float | None = None,
        countdown_s: int = 15,
        side_panel: QWidget | None = None,
        end_idle_s: float = 300.0,
        kiosk_id: str | None = None,
    ) -> None:
        super().__init__()
        self.flow = flow
        # vars(), not getattr: a LazyFlow must not be built here (launch.py wraps its journal).
        ctx = vars(flow).get("ctx") if hasattr(flow, "__dict__") else None
        if ctx is not None and not isinstance(ctx.journal, on_db_thread):
            # The flow runs on its own thread (HTTP); its journal writes go to the database's.
            ctx.journal = on_db_thread(ctx.journal)
        self.lang = lang
        self.self_service = self_service
        self.working = False
        # Bumped by every wipe: an answer to an operation started before it is dropped.
        self.generation = 0
        self.page: Page | None = None
        self._error: _ErrorShown | None = None
        # Counter mode has no idle guard: a finished page (e-mails, serials) is still wiped
        # after `end_idle_s` without a touch, so it does not wait for the next holder.
        self.end_timer = QTimer(self)
        self.end_timer.setSingleShot(True)
        self.end_timer.setInterval(int(end_idle_s * 1000))
        self.end_timer.timeout.connect(self.wipe)

        central = QWidget()
        central.setObjectName("shell")
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        main = QVBoxLayout()
        main.setContentsMargins(0, 0, 0, 0)
        main.setSpacing(0)
        outer.addLayout(main, 1)
        if side_panel is not None:
            outer.addWidget(side_panel)

        title_bar, tb = _bar("titleBar")
        self.title = QLabel()
        self.title.setObjectName("title")
        # Long titles (pt) wrap instead of widening the window past the screen.
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(200)
        tb.addWidget(self.title, 1)
        lang_bar = QWidget()
        lang_bar.setObjectName("langBar")
        lb = QHBoxLayout(lang_bar)
        lb.setContentsMargins(0, 0, 0, 0)
        self.lang_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for code in LANGS:
            b = QPushButton(LANG_NAMES[code])
            b.setObjectName(f"lang_{code}")
            b.setCheckable(True)
            b.setChecked(code == lang)
            b.clicked.connect(lambda _=False, c=code: self.set_lang(c))
            group.addButton(b)
            lb.addWidget(b)
            keep_text_whole(b)  # "Português" whole at every text size
            self.lang_buttons[code] = b
        tb.addWidget(lang_bar)
        # R35: A / A+ / A++ for this holder's session (the wipe resets it).
        self.text_size = TextSizeControl()
        tb.addWidget(self.text_size)
        main.addWidget(title_bar)

        self.steps = StepIndicator()
        main.addWidget(self.steps)

        self.error_panel = ErrorPanel()
        KeypadInView(self.error_panel, lambda: self.page)
        wrap = QVBoxLayout()
        wrap.setContentsMargins(24, 12, 24, 0)
        wrap.addWidget(self.error_panel)
        # R31: for staff, when this kiosk cannot sign receipts (set_receipt_problem).
        self.staff_notice = StaffNotice()
        wrap.addWidget(self.staff_notice)
        self.start_notice = StartCheckNotice()  # what kiosk run's start-up checks found
        wrap.addWidget(self.start_notice)
        self.view_shown.connect(self._show_staff_notice)
        main.addLayout(wrap)

        self.stack = QStackedWidget()
        main.addWidget(self.stack, 1)

        nav, nl = _bar("navBar")
        self.start_over_button = QPushButton()
        self.start_over_button.setObjectName("startOver")
        self.start_over_button.clicked.connect(self.start_over)
        self.back_button = QPushButton()
        self.back_button.setObjectName("back")
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton()
        self.next_button.setObjectName("next")
        self.next_button.setProperty("primary", True)
        self.next_button.clicked.connect(self.go_next)
        nl.addWidget(self.start_over_button)
        # Which terminal this is (setting kiosk_id): what staff quote when they call for help.
        self.kiosk_id = QLabel(kiosk_id or "")
        self.kiosk_id.setObjectName("kioskId")
        self.kiosk_id.setProperty("role", "hint")
        self.kiosk_id.setVisible(bool(kiosk_id))
        nl.addWidget(self.kiosk_id)
        # Beside a greyed-out primary button: what is still missing to go on (it takes the
        # free width between 重新開始 and 上一步).
        self.next_hint = QLabel()
        self.next_hint.setObjectName("nextHint")
        self.next_hint.setProperty("role", "hint")
        self.next_hint.setWordWrap(True)
        self.next_hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.next_hint.hide()
        nl.addStretch(1)
        nl.addWidget(self.next_hint, 100)
        nl.addSpacing(8)
        nl.addWidget(self.back_button)
        nl.addWidget(self.next_button)
        main.addWidget(nav)
        self.nav = nav

        self.setCentralWidget(central)
        # R35: in self-service every field a page builds from an InputSpec gets the
        # on-screen keyboard its spec asks for (a page's own keypad serves digits).
        self.keyboard: OnScreenKeyboard | None = None
        if self_service:
            self.keyboard = OnScreenKeyboard(central, lang)
            self.keyboard_host = KeyboardHost(self.keyboard, self._spec_for_field)
        self.overlay = BusyOverlay(central)
        self.resize(1280, 900)

        self.idle: IdleGuard | None = None
        if idle_s is not None:
            self.idle = IdleGuard(
                self, idle_s, countdown_s, lambda: self.lang, quiet=self._on_first_screen
            )
            self.idle.expired.connect(self._idle_expired)

        self._retranslate_chrome()
        self.show_first_screen()

    # -- navigation ------------------------------------------------------------------------
    def show_first_screen(self) -> None:
        page = ModePage()
        self._install(page, None)
        if self.self_service:
            page.public_only()  # R33: counter functions only behind the staff PIN
        self.steps.set_current(0)
        self.steps.hide()
        self.view_shown.emit("")

    def choose_mode(self, mode: str) -> None:
        """Start the flow in `mode` ("staff" or "self") from the first screen."""

        CONTEXT.staff_at_screen = mode == "staff" and not self.self_service

        def begin() -> Any:
            if mode == "staff":
                return self.flow.start_staff()
            return self.flow.start_self_service()

        self._run(begin)

    def go_next(self) -> None:
        if self.page is None or not self.page.valid or self.working:
            return
        if self.keyboard is not None:
            self.keyboard.detach()
        self.clear_error()  # the last refusal is about the last try, not this one
        self.submit(self.page.apply())

    def submit(self, inputs: dict[str, Any]) -> None:
        if isinstance(self.page, ModePage) and "mode" in inputs:
            self.choose_mode(str(inputs["mode"]))
            return
        self._run(lambda: self.flow.submit(inputs))

    def reprint_receipt(self) -> None:
        """R31: the holder's one reprint from an end page; the page shows how it went."""
        if self.working:
            return

        def again() -> Any:
            getattr(self.flow, "reprint_receipt", lambda: None)()
            return self.flow.current

        self._run(again)

    def set_receipt_problem(self, help_code: str | None) -> None:
        """Why this kiosk cannot sign receipts (None: it can); staff see the fix."""
        self.staff_notice.set_problem(help_code)
        self._show_staff_notice(getattr(getattr(self.page, "view", None), "step_id", ""))

    def set_start_problems(self, failures: list[Any]) -> None:
        """The start-up checks that failed (kiosk.doctor.start_failures); staff see them."""
        self.start_notice.set_failures(failures)
        self._show_staff_notice(getattr(getattr(self.page, "view", None), "step_id", ""))

    def _show_staff_notice(self, step_id: str) -> None:
        for notice in (self.staff_notice, self.start_notice):
            notice.update_for(str(step_id or ""), self.self_service, self.lang)

    def go_back(self) -> None:
        if self.working:
            return

        def back() -> Any:
            view = self.flow.back()
            return view if view is not None else self.flow.current

        self._run(back)

    def start_over(self) -> None:
        self.wipe(keep_lang=True)  # the same person starting again keeps their language

    def _on_first_screen(self) -> bool:
        return isinstance(self.page, ModePage)

    def wipe(self, keep_lang: bool = False) -> None:
        """Privacy wipe: the flow forgets the holder, every page widget is destroyed."""
        self.generation += 1
        if self.working:
            # A step is still running on the database thread: reset after it, in order; its
            # answer belongs to the wiped session and is dropped (generation).
            self.working = False
            self.overlay.stop()
            Op(self._reset_flow, success=lambda _: None).run(flow_executor(), self)
        else:
            self._reset_flow()
        CONTEXT.staff_at_screen = False
        self.end_timer.stop()
        self.clear_error()
        self.text_size.reset()
        if not keep_lang:
            self.set_lang(DEFAULT_LANG)  # the next person at the kiosk starts in the default
        self.show_first_screen()
        self.wiped.emit()

    def _idle_expired(self) -> None:
        """R34: a holder's session is wiped; a counter staff session locks instead (the
        holder's data wiped all the same, the staff password unlocks: desk_locked)."""
        lock = getattr(self.flow, "lock_desk", None)
        if not callable(lock) or self.working or getattr(self.flow, "ctx", None) is None \
                or self.flow.ctx.staff is None:  # type: ignore[attr-defined]
            self.wipe()
            return
        staff = self.flow.ctx.staff  # type: ignore[attr-defined]
        self.generation += 1
        self.clear_error()
        self.text_size.reset()
        self._run(lock)
        # The lock shows at once (local); the registry ends the old token alongside, not on
        # the flow's thread: an unreachable registry delays nothing beyond its own deadline.
        end = getattr(self.flow, "end_staff_session", None)
        if callable(end):
            Op(functools.partial(end, staff), success=lambda _: None,
               failure=lambda _: None).run(None, self)

    def _reset_flow(self) -> None:
        try:
            self.flow.reset()
        except Exception as exc:  # noqa: BLE001 - a wipe must always reach the first screen
            log.warning("flow reset failed: %s", type(exc).__name__)

    # -- rendering -------------------------------------------------------------------------
    def show_view(self, view: Any) -> None:
        step_id = str(getattr(view, "step_id", ""))
        error = getattr(view, "error", None)
        refused_here = (
            error is not None
            and self.page is not None
            and getattr(self.page.view, "step_id", None) == step_id
        )
        same_step = (
            error is None
            and self.page is not None
            and getattr(self.page.view, "step_id", None) == step_id
        )
        if step_id in MODE_STEP_IDS:
            self.show_first_screen()
        elif same_step and self.page is not None and self.page.update_view(view):
            self._sync_nav()  # the page kept itself (the e-ID camera after 獲取驗證碼)
        elif refused_here:
            # The flow refused this step's inputs: keep the page, so an ID number or a choice
            # need not be typed again; the error panel says what to correct.
            assert self.page is not None
            self.page.view = view
            self.page.refused(view)
            self._sync_nav()
        else:
            page = page_class_for(step_id, str(getattr(view, "page", "") or ""))()
            self._install(page, view)
            number = int(getattr(view, "step_number", 0) or 0)
            self.steps.set_current(number)
            # Before step 1 (sign-in, the pending list) there is no step to show yet.
            self.steps.setVisible(number > 0)
        if error is not None:
            self.show_error(lambda lang: message_text(error, lang), message_help_code(error))
        else:
            self.clear_error()
        if self.idle is None and bool(getattr(view, "is_last", False)):
            self.end_timer.start()
        else:
            self.end_timer.stop()
        self.view_shown.emit(step_id if step_id not in MODE_STEP_IDS else "")

    def _spec_for_field(self, field: QWidget) -> Any:
        """The InputSpec of a field of the page on screen (named input_<spec name>), or
        None: not the page's, no spec, or typed on the page's own keypad."""
        page = self.page
        if page is None or page.view is None or not page.isAncestorOf(field):
            return None
        name = field.objectName().removeprefix("input_")
        spec = next((s for s in specs_of(page.view) if s.name == name), None)
        if spec is None or not spec.typed:
            return None
        if layout_for(spec) in ("digits", "id") and any(
            k.isVisible() for k in page.findChildren(Keypad)
        ):
            return None
        return spec

    def _install(self, page: Page, view: Any) -> None:
        old = self.page
        if self.keyboard is not None:
            self.keyboard.detach()
        if isinstance(page, ModePage):
            page.chosen.connect(self.choose_mode)
        else:
            page.submit_requested.connect(self.submit)
            page.reprint_requested.connect(self.reprint_receipt)
        page.updated.connect(self._sync_nav)
        page.show_view(view, self.lang)
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.page = page
        if old is not None:
            # Dropped, not kept: a page may hold what the holder typed.
            self.stack.removeWidget(old)
            old.wipe()
            old.deleteLater()
        self._sync_nav()

    def _sync_nav(self) -> None:
        page = self.page
        on_first = isinstance(page, ModePage)
        view = None if page is None else page.view
        last = bool(getattr(view, "is_last", False))
        self.next_button.setVisible(
            page is not None and page.shows_next and (not last or page.next_on_last)
        )
        self.next_button.setEnabled(
            page is not None and page.valid and not page.busy and not self.working
        )
        if page is not None:
            self.next_button.setText(page.next_label(self.lang))
        hint = ""
        greyed = self.next_button.isVisibleTo(self) and not self.next_button.isEnabled()
        if page is not None and greyed and not self.working:
            hint = page.disabled_hint(self.lang)
        self.next_hint.setText(hint)
        self.next_hint.setVisible(bool(hint))
        can_back = bool(getattr(view, "can_back", False))
        # Hidden, not greyed out, where the flow has no way back: one less thing to puzzle over.
        self.back_button.setVisible(not on_first and can_back)
        self.back_button.setEnabled(can_back and not self.working)
        self.start_over_button.setVisible(not on_first)
        self.start_over_button.setEnabled(not self.working)
        if page is not None and page.error is not None:
            err = page.error
            self.show_error(lambda lang: message_text(err, lang), message_help_code(err))

    def _run(self, fn: Callable[[], Any]) -> None:
        self.working = True
        if self.idle is not None:
            self.idle.pause()
        self.overlay.start(tr("busy", self.lang))
        self._sync_nav()
        # The flow is not thread-safe: its operations run on one thread, in order, in the
        # language of the screen when the person pressed (read on that thread, not raced).
        lang = self.lang

        def operation() -> Any:
            self._flow_lang(lang)
            return fn()

        Op(
            operation,
            success=self._done,
            failure=self._failed,
            generation=lambda: self.generation,
        ).run(flow_executor(), self)

    def _flow_lang(self, lang: str) -> None:
        setter = getattr(self.flow, "set_lang", None)
        if callable(setter):
            setter(lang)
        elif hasattr(self.flow, "lang"):
            self.flow.lang = lang

    def _done(self, view: Any) -> None:
        self.working = False
        if self.idle is not None:
            self.idle.restart()
        self.overlay.stop()
        self.show_view(view)

    def _failed(self, exc: BaseException) -> None:
        self.working = False
        if self.idle is not None:
            self.idle.restart()
        self.overlay.stop()
        self._sync_nav()
        if not isinstance(exc, BackendError):
            # The type only: a message could carry what the holder typed.
            log.error("flow step failed: %s", type(exc).__name__)
        shown = error_message(exc if isinstance(exc, BackendError) else KIOSK_UNEXPECTED)
        self.show_error(shown.text, shown.help_code)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        # Stops the camera thread of a photo page and forgets what was typed.
        if self.page is not None:
            self.page.wipe()
        if self.idle is not None:
            self.idle.stop()
        super().closeEvent(event)

    # -- errors and language ---------------------------------------------------------------
    def show_error(self, text: Callable[[str], str], help_code: str | None) -> None:
        self._error = _ErrorShown(text, help_code)
        self.error_panel.show_error(text(self.lang), help_code, self.lang)

    def clear_error(self) -> None:
        self._error = None
        self.error_panel.clear()

    def set_lang(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        self.lang_buttons[lang].setChecked(True)
        # Queued behind any running operation, never written while one runs.
        Op(functools.partial(self._flow_lang, lang), success=lambda _: None).run(
            flow_executor(), self
        )
        self._retranslate_chrome()
        if self.keyboard is not None:
            self.keyboard.retranslate(lang)
        if self.page is not None:
            self.page.retranslate(lang)
        if self._error is not None:
            self.error_panel.show_error(self._error.text(lang), self._error.help_code, lang)
        self._sync_nav()

    def _retranslate_chrome(self) -> None:
        title = tr("app.title", self.lang)
        self.setWindowTitle(title)
        self.title.setText(title)
        # The pt title is three lines at the usual size: a smaller one keeps it to two, so
        # pages are not pushed down (the e-ID keypad fits without scrolling).
        self.title.setProperty("long", len(title) > 40)
        self.title.style().unpolish(self.title)
        self.title.style().polish(self.title)
        self.steps.retranslate(self.lang)
        self.text_size.retranslate(self.lang)
        self.back_button.setText(tr("nav.back", self.lang))
        self.start_over_button.setText(tr("nav.start_over", self.lang))
        self.staff_notice.retranslate(self.lang)
        self.start_notice.retranslate(self.lang)
        self.next_button.setText(
            self.page.next_label(self.lang) if self.page is not None else tr("nav.next", self.lang)
        )


def _bar(name: str) -> tuple[QWidget, QHBoxLayout]:
    """A styled strip across the window (the title bar, the navigation bar) and its row."""
    bar = QWidget()
    bar.setObjectName(name)
    bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    row = QHBoxLayout(bar)
    row.setContentsMargins(24, 12, 24, 12)
    return bar, row
