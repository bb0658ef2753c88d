"""What the step pages share: finding a flow message, the view's data, parsed times, the
live camera, the box a holder ticks to agree."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox

from kiosk.ui.pages import CONTEXT, Page

if TYPE_CHECKING:
    from kiosk.flows.renewal import StepView

log = logging.getLogger("kiosk.ui.steps")


def find_message(view: StepView | None, msg_id: str) -> Any:
    for m in getattr(view, "messages", ()) or ():
        if getattr(m, "id", None) == msg_id:
            return m
    return None


def other_messages(view: StepView | None, *skip: str) -> list[Any]:
    return [m for m in getattr(view, "messages", ()) or () if getattr(m, "id", None) not in skip]


def view_data(view: StepView | None) -> Mapping[str, Any]:
    data = getattr(view, "data", None)
    return data if isinstance(data, Mapping) else {}


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def make_camera(page: Page, on_photo: Any) -> Any:
    """The live camera of a photo-taking page (PhotoPage, EidPage): its photos go to
    `on_photo`, its faults to the page's error panel, its texts follow the language.
    None (and an error logged) when the camera view cannot even be built."""
    try:
        from kiosk.ui.camera_view import CameraView

        camera = CameraView(CONTEXT.camera_source, lang=page.lang)
    except Exception as exc:  # noqa: BLE001 - a broken camera must not kill the page
        log.error("camera view failed: %s", type(exc).__name__)
        return None
    camera.photo_ready.connect(on_photo)
    # The camera view itself says what is wrong, with its help code and, once it gives up
    # reconnecting, that counter staff will help: the page does not repeat the same fault in
    # a second wording in the error panel.
    page.bind(camera.set_language)
    return camera


def agree_box(page: Page, text: Callable[[str], str]) -> QCheckBox:
    """The box a holder ticks to agree (R9's consent, R14's declaration): `agree`, its text
    in the page's language with the required mark."""
    box = QCheckBox()
    box.setObjectName("agree")
    page.bind(lambda lang: box.setText(text(lang) + " *"))
    return box


class Agreement:
    """What a page agreeing to a text submits: whether its `agree` box is ticked."""

    box: QCheckBox

    def apply(self) -> dict[str, Any]:
        return {"agree": self.box.isChecked()}
