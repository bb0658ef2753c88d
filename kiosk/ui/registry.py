"""Which page class shows a step: the navmap entry's `page` key (kiosk/flows/stages), mapped
here to its class by name (as Electrum's wizard entries name their GUI class).

The step pages are imported on first use, which waits until the first step after the first
screen: the first screen is painted sooner (bench/startup.py).
"""

from __future__ import annotations

import functools
import importlib

from kiosk.ui.pages import GenericPage, Page

# page key -> "module:Class"
PAGE_CLASSES: dict[str, str] = {
    "sign_in": "kiosk.ui.steps.signin:SignInPage",
    "pending": "kiosk.ui.steps.emails:PendingPage",
    "emails": "kiosk.ui.steps.emails:EmailsPage",
    "email_code": "kiosk.ui.steps.emails:EmailCodePage",
    "consent": "kiosk.ui.steps.identity:ConsentPage",
    "photo": "kiosk.ui.steps.identity:PhotoPage",
    "certificates": "kiosk.ui.steps.submit:CertificatesPage",
    "declaration": "kiosk.ui.steps.submit:DeclarationPage",
    "eid": "kiosk.ui.steps.submit:EidPage",
    "activation_select": "kiosk.ui.steps.activation:ActivationSelectPage",
    "activation_form": "kiosk.ui.steps.activation:ActivationFormPage",
    "progress": "kiosk.ui.steps.activation:ProgressPage",
    "done": "kiosk.ui.steps.activation:DonePage",
    "revoke_first": "kiosk.ui.steps.activation:RevokeFirstPage",
    "reverify": "kiosk.ui.steps.activation:ReverifyPage",
    # The counter desk (R32, R34).
    "desk_home": "kiosk.ui.steps.desk:DeskHomePage",
    "desk_queue": "kiosk.ui.steps.desk:DeskQueuePage",
    "desk_in_person": "kiosk.ui.steps.desk:DeskFieldsPage",
    "desk_face": "kiosk.ui.steps.desk:DeskFacePage",
    "desk_attest": "kiosk.ui.steps.desk:DeskFieldsPage",
    "desk_token": "kiosk.ui.steps.desk:DeskTokenPage",
    "desk_issue": "kiosk.ui.steps.desk:DeskIssuePage",
    "desk_done": "kiosk.ui.steps.desk:DeskDonePage",
    "desk_receipts": "kiosk.ui.steps.desk:DeskReceiptsPage",
    "desk_status": "kiosk.ui.steps.desk:DeskStatusPage",
    "desk_locked": "kiosk.ui.steps.desk:DeskFieldsPage",
}


@functools.cache
def _step_pages() -> dict[str, str]:
    """step id -> page key, from the renewal's navmap (for views that name no page)."""
    from kiosk.flows.graph import renewal_navmap

    return {step_id: spec.page or step_id for step_id, spec in renewal_navmap().items()}


def page_key(step_id: str, page: str = "") -> str:
    return page or _step_pages().get(step_id, step_id)


def page_class_for(step_id: str, page: str = "") -> type[Page]:
    """The class for a step (its navmap page key); GenericPage for any step without one."""
    target = PAGE_CLASSES.get(page_key(step_id, page))
    if target is None:
        return GenericPage
    module, _, name = target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type) and issubclass(cls, Page)
    return cls
