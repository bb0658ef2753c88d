"""Every text the holder can see during a renewal, by message id, with its help code.

The texts themselves live in the gettext catalog (resources/locale, read by `kiosk.i18n`);
this module says which help code (求助碼) each message carries and which message answers
each backend help code of docs/api.md, so the UI never has to show a bare code. The zh-Hant
texts of SPEC.md and the registry's user guide are kept word for word in zh_Hant/kiosk.po
(the tests compare them with the SPEC strings).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from kiosk import i18n
from kiosk.services.errors import BackendError

LANGS = i18n.LANGS
DEFAULT_LANG = i18n.DEFAULT_LANG


@dataclass(frozen=True)
class Text:
    zh: str
    pt: str
    en: str
    help_code: str | None = None

    def get(self, lang: str) -> str:
        return {"zh-Hant": self.zh, "pt": self.pt, "en": self.en}.get(lang, self.zh)


# Message id -> the help code shown with it (the seed's codes, and those of docs/api.md).
MESSAGE_HELP_CODES: Mapping[str, str] = MappingProxyType(
    {
        "pending.none": "AC-AB-0003",
        "consent.required": "AC-AB-0016",
        "id.unsupported": "AC-AB-0017",
        "id.invalid": "AC-AB-0018",
        "photo.below_threshold": "AC-AB-0019",
        "photo.no_face": "AC-AB-0020",
        "declaration.required": "AC-AB-0037",
        "eid.not_enabled": "AC-AB-0021",
        "offline.submitted": "AC-AB-0007",
        "revoke.title": "AC-AB-0015",
        "revoke.body": "AC-AB-0015",
        "reverify.title": "AC-AB-0014",
        "reverify.body": "AC-AB-0014",
        "validation.password_length": "AC-AB-0029",
        "validation.password_letter": "AC-AB-0029",
        "validation.password_nonletter": "AC-AB-0029",
        "validation.password_mismatch": "AC-AB-0031",
        "validation.phrase_length": "AC-AB-0030",
        "validation.phrase_charset": "AC-AB-0030",
        "validation.phrase_mismatch": "AC-AB-0030",
        "error.malformed": "AC-AB-0001",
        "error.unknown_holder": "AC-AB-0002",
        "error.not_found": "AC-AB-0003",
        "error.signed_out": "AC-AB-0004",
        "error.too_large": "AC-AB-0005",
        "error.too_many_requests": "AC-AB-0006",
        "email.code_wrong": "AC-AB-0008",
        "email.code_expired": "AC-AB-0009",
        "email.code_used": "AC-AB-0010",
        "email.locked": "AC-AB-0011",
        "email.locked_until": "AC-AB-0011",
        "email.code_still_valid": "AC-AB-0012",
        "email.not_in_renewal": "AC-AB-0013",
        "error.signature_failed": "AC-AB-0025",
        "eid.code_wrong": "AC-AB-0022",
        "eid.code_expired": "AC-AB-0023",
        "eid.face_failed": "AC-AB-0024",
        "eid.locked": "AC-AB-0038",
        "submit.already": "AC-AB-0026",
        "error.out_of_order": "AC-AB-0027",
        "activation.noncloud": "AC-AB-0028",
        "activation.wrong_password": "AC-AB-0032",
        "activation.failed": "AC-AB-0033",
        "error.idempotency": "AC-AB-0034",
        "staff.login_failed": "AC-AB-0035",
        "error.unavailable": "AC-AB-0036",
        "activation.already": "AC-AB-0039",
        "error.server": "AC-AB-0040",
        "error.no_such_call": "AC-AB-0041",
        "error.connection": "AC-KI-0001",
        "error.timeout": "AC-KI-0002",
        "error.unexpected": "AC-KI-0003",
    }
)


class _GettextCatalog(Mapping[str, Text]):
    """Message id -> its `Text` in the three languages, read from the gettext catalog."""

    def __getitem__(self, msg_id: str) -> Text:
        zh, pt, en = (i18n.text(msg_id, lang) for lang in LANGS)
        return Text(zh, pt, en, MESSAGE_HELP_CODES.get(msg_id))

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(i18n.catalog().ids))

    def __len__(self) -> int:
        return len(i18n.catalog().ids)


CATALOG: Mapping[str, Text] = _GettextCatalog()

# Backend help code -> message id. The seed's own codes first, then those of docs/api.md.
HELP_CODE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "AC-AB-0001": "error.malformed",
        "AC-AB-0002": "error.unknown_holder",
        "AC-AB-0003": "error.not_found",
        "AC-AB-0004": "error.signed_out",
        "AC-AB-0005": "error.too_large",
        "AC-AB-0006": "error.too_many_requests",
        "AC-AB-0007": "offline.submitted",
        "AC-AB-0008": "email.code_wrong",
        "AC-AB-0009": "email.code_expired",
        "AC-AB-0010": "email.code_used",
        "AC-AB-0011": "email.locked",
        "AC-AB-0012": "email.code_still_valid",
        "AC-AB-0013": "email.not_in_renewal",
        "AC-AB-0014": "reverify.body",
        "AC-AB-0015": "revoke.body",
        "AC-AB-0016": "consent.required",
        "AC-AB-0017": "id.unsupported",
        "AC-AB-0018": "id.invalid",
        "AC-AB-0019": "photo.below_threshold",
        "AC-AB-0020": "photo.no_face",
        "AC-AB-0021": "eid.not_enabled",
        "AC-AB-0022": "eid.code_wrong",
        "AC-AB-0023": "eid.code_expired",
        "AC-AB-0024": "eid.face_failed",
        "AC-AB-0025": "error.signature_failed",
        "AC-AB-0026": "submit.already",
        "AC-AB-0027": "error.out_of_order",
        "AC-AB-0028": "activation.noncloud",
        "AC-AB-0029": "validation.password_length",
        "AC-AB-0030": "validation.phrase_length",
        "AC-AB-0031": "validation.password_mismatch",
        "AC-AB-0032": "activation.wrong_password",
        "AC-AB-0033": "activation.failed",
        "AC-AB-0034": "error.idempotency",
        "AC-AB-0035": "staff.login_failed",
        "AC-AB-0036": "error.unavailable",
        "AC-AB-0037": "declaration.required",
        "AC-AB-0038": "eid.locked",
        "AC-AB-0039": "activation.already",
        "AC-AB-0040": "error.server",
        "AC-AB-0041": "error.no_such_call",
        "AC-KI-0001": "error.connection",
        "AC-KI-0002": "error.timeout",
        "AC-KI-0003": "error.unexpected",
    }
)


def _lock_params(locked_until: str | None) -> dict[str, str] | None:
    """`until` (the kiosk's local time, HH:MM) and `minutes` left, from the registry's
    `locked_until`; None when it is missing or unreadable."""
    if not locked_until:
        return None
    try:
        until = datetime.fromisoformat(locked_until.replace("Z", "+00:00"))
    except ValueError:
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    left = max(1, math.ceil((until - datetime.now(UTC)).total_seconds() / 60))
    return {"until": until.astimezone().strftime("%H:%M"), "minutes": str(left)}


@dataclass(frozen=True)
class Message:
    """One thing the holder sees: a catalog id, its help code (求助碼) and its parameters.

    `fallback` carries the server's own texts for help codes the catalog does not know.
    """

    id: str
    help_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    fallback: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        template = i18n.catalog().get(self.id, lang)
        if template is None:
            return self.fallback.get(lang) or self.fallback.get(DEFAULT_LANG) or self.id
        params = dict(self.params)
        if self.fallback:
            params.setdefault(
                "server_message",
                self.fallback.get(lang) or self.fallback.get(DEFAULT_LANG) or "",
            )
        return i18n.fill(template, params)

    def full_text(self, lang: str = DEFAULT_LANG) -> str:
        """The text followed by its help code in the seed's style, unless it already has it."""
        return i18n.with_help_code(self.text(lang), self.help_code, lang)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "help_code": self.help_code, "params": dict(self.params)}


def message(msg_id: str, **params: object) -> Message:
    """A catalog message with the help code the catalog records for it."""
    if not i18n.has(msg_id):
        raise KeyError(msg_id)
    return Message(msg_id, MESSAGE_HELP_CODES.get(msg_id), {k: str(v) for k, v in params.items()})


def message_for_help_code(
    help_code: str,
    server_texts: Mapping[str, str] | None = None,
    details: Mapping[str, object] | None = None,
) -> Message:
    """The message for a backend refusal; unknown codes fall back to the server's own text."""
    params = {k: str(v) for k, v in (details or {}).items() if isinstance(v, str | int | float)}
    msg_id = HELP_CODE_MESSAGES.get(help_code)
    if help_code == "AC-AB-0011" and (lock := _lock_params(params.get("locked_until"))):
        # The holder is told when the address can be verified again (docs/api.md).
        return Message("email.locked_until", help_code, {**params, **lock})
    if msg_id is None:
        return Message("error.backend", help_code, params, dict(server_texts or {}))
    return Message(msg_id, help_code, params)


def error_message(error: BackendError | str) -> Message:
    """The one bridge from a failure to the screen: a backend error (or a bare help code) ->
    the catalog's message in every language, with its help code; the server's own texts only
    for codes the catalog does not know."""
    if isinstance(error, str):
        return message_for_help_code(error)
    return message_for_help_code(error.help_code, error.messages, error.details)
