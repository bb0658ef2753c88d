"""R33 offscreen: the corner gesture, the staff PIN typed on the keypad by taps, then the
staff menu's counter functions; the window refuses to close until staff unlock it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from ui_helpers import shot, wait_step

from kiosk.store.journal import SqlJournal
from kiosk.store.staff_pin import PinCheck, open_staff_pin
from kiosk.ui.lockdown import Lockdown, PinDialog, StaffMenu
from kiosk.ui.main_window import MainWindow

PIN = "2468"


def test_r33_corner_gesture_then_pin_on_the_keypad_opens_the_counter_functions(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'kiosk.sqlite'}"
    staff_pin = open_staff_pin(db)
    staff_pin.set_pin(PIN)
    window = make_window(self_service=True, lang="pt")
    lock = Lockdown(
        window, staff_pin.check, staff_pin.status, lambda: window.lang,
        on_counter=lambda: window.choose_mode("staff"),
    )
    lock.show()  # full screen (its window flags changed, as before a real first show)
    qtbot.waitExposed(window)
    try:
        assert window.isFullScreen()
        assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
        assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
        assert not window.close() and window.isVisible()  # refused while locked
        # Four taps are not the gesture; a tap elsewhere starts the count again.
        for _ in range(4):
            qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(600, 400))
        qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        qtbot.wait(50)
        assert lock.dialog is None
        for _ in range(4):
            qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        qtbot.waitUntil(lambda: isinstance(lock.dialog, PinDialog))
        dialog = lock.dialog
        assert isinstance(dialog, PinDialog) and dialog.title.text() == "PIN de funcionário"
        for key in "2469":
            qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.checking)
        assert "restam 2 tentativas" in dialog.message.text()
        for key in PIN:
            qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: isinstance(lock.dialog, StaffMenu))
        menu = lock.dialog
        assert isinstance(menu, StaffMenu)
        assert menu.buttons["exit"].text() == "Sair do quiosque"
        shot(menu, "r33_staff_menu_pt")
        qtbot.mouseClick(menu.buttons["counter"], Qt.MouseButton.LeftButton)
        wait_step(qtbot, window, "staff_login")
        assert lock.dialog is None
        assert not lock.unlocked and not window.close()  # counter functions, still locked
        trail = [r.outcome for r in SqlJournal(db).audit_trail() if r.step == "staff_pin"]
        assert trail == ["set", "wrong", "ok"]
    finally:
        lock.unlocked = True  # lets pytest-qt close the window
        staff_pin.close()


def test_r33_the_locked_pad_counts_down_and_takes_pins_again_when_the_lock_ends(
    qtbot: QtBot, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    # A real staff PIN store whose clock the test moves: locked by 3 wrong PINs, the pad
    # shows the time left as it runs out, then 確定 is offered again.
    from datetime import UTC, datetime, timedelta

    clock = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    staff_pin = open_staff_pin(f"sqlite:///{tmp_path / 'kiosk.sqlite'}", now=lambda: clock[0])
    staff_pin.set_pin(PIN)
    window = make_window(self_service=True)
    dialog = PinDialog(staff_pin.check, "zh-Hant", window)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        for wrong in ("1111", "2222", "3333"):
            for key in wrong:
                qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.checking)
        assert dialog.outcome == "locked" and not dialog.ok_button.isEnabled()
        # The pad reads the lock's end against the wall clock: as if 4 min 58 s had passed
        # since the lock began, 2 s are left.
        result = staff_pin.status()
        assert result.locked_until is not None
        ends = datetime.now(UTC) + timedelta(seconds=2)
        dialog.show_status(PinCheck("locked", 0, ends))
        assert "0:02" in dialog.message.text() or "0:03" in dialog.message.text()
        qtbot.waitUntil(lambda: "0:01" in dialog.message.text(), timeout=5000)
        qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=5000)
        assert not dialog.message.isVisible()
        # The store's own lock ends too: the right PIN is taken.
        clock[0] = result.locked_until + timedelta(seconds=1)
        for key in PIN:
            qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(dialog.accepted):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.outcome == "ok"
    finally:
        staff_pin.close()
