"""Errors the flow itself raises so that its navmap, not a hook, says where they lead.

A hook does its side effect (counts a failure, records the job it found) and raises one of
these; the step's `on_error` table names the step. Each carries the backend error it came
from, so the screen still shows that error's message and help code (求助碼).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from kiosk.services.errors import (
    ActivationUnderway,
    BackendError,
    EmailCodeUsed,
    SignatureFailed,
)

E = TypeVar("E", bound="Derived")


class Derived(BackendError):
    """A flow signal standing for the backend error `cause`."""

    kind = "flow"
    # The help code this signal always stands for, when only one does (for `kiosk flow graph`).
    code: ClassVar[str] = ""

    @classmethod
    def of(cls: type[E], cause: BackendError) -> E:
        err = cls(
            cause.messages,
            cause.help_code,
            http_status=cause.http_status,
            request_id=cause.request_id,
            details=cause.details,
        )
        err.__cause__ = cause
        return err


class CapReached(Derived):
    """The holder failed once too often (codes, photos, passwords): counter staff next."""


class FollowJob(Derived):
    """Activated or activating already by a job the kiosk found: follow it (R26)."""

    code = ActivationUnderway.code


class AddressVerified(Derived):
    """A used email code, for an address that is verified now: back to the list."""

    code = EmailCodeUsed.code


class AssertionSpent(Derived):
    """The e-ID assertion is used or expired: identify again (R15)."""

    code = SignatureFailed.code


class JobFailed(Derived):
    """The activation job ended without success: counter staff next."""


class Missing(Exception):  # noqa: N818 - a step's prerequisite, not a program error
    """What the step needs from an earlier one is not in the data (a consent token, an
    assertion, a staff session): the navmap says which step provides it."""
