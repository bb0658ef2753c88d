"""The renewal's step pages, one module per stage (as kiosk/flows/stages is split).

Each navmap entry names its page by key (`StepDef.page`); kiosk/ui/registry.py maps the key
to its class here. Texts of the rules come from the flow's messages (`view.messages`,
catalog ids); the pages only arrange them, add the shell's own labels (kiosk/ui/texts.py)
and say which inputs to submit.
"""

from kiosk.ui.steps.activation import (
    ActivationFormPage,
    ActivationSelectPage,
    DonePage,
    ProgressPage,
    ReverifyPage,
    RevokeFirstPage,
    RuleButton,
)
from kiosk.ui.steps.emails import EmailCodePage, EmailsPage, PendingPage
from kiosk.ui.steps.identity import ConsentPage, PhotoPage, make_camera
from kiosk.ui.steps.signin import SignInPage
from kiosk.ui.steps.submit import CertificatesPage, DeclarationDialog, DeclarationPage, EidPage

__all__ = [
    "ActivationFormPage",
    "ActivationSelectPage",
    "CertificatesPage",
    "ConsentPage",
    "DeclarationDialog",
    "DeclarationPage",
    "DonePage",
    "EidPage",
    "EmailCodePage",
    "EmailsPage",
    "PendingPage",
    "PhotoPage",
    "ProgressPage",
    "ReverifyPage",
    "RevokeFirstPage",
    "RuleButton",
    "SignInPage",
    "make_camera",
]
