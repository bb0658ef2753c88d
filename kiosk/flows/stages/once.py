"""The Idempotency-Keys of the calls that must happen exactly once (the e-signature, the
submission, the activation: R16, R26), kept in the renewal's journal entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from kiosk.flows.context import FlowContext
from kiosk.services.errors import BackendError, server_refused

KeyField = Literal["sign_key", "submit_key", "activation_key"]


@dataclass(frozen=True)
class OnceKey:
    field: KeyField
    prefix: str

    def new(self, ctx: FlowContext) -> str:
        """A fresh key, journaled before the call it goes with."""
        key = f"{self.prefix}-{uuid.uuid4()}"
        setattr(ctx.journal_entry(), self.field, key)
        ctx.save()
        return key

    def get(self, ctx: FlowContext) -> str:
        """The journaled key, or a fresh one: a retry after a crash or a lost answer reuses
        it, so the backend does the work once."""
        key: str | None = getattr(ctx.journal_entry(), self.field)
        return key or self.new(ctx)

    def spent_by(self, ctx: FlowContext, err: BackendError) -> None:
        """After a refusal: the backend may have recorded it under the key, so the corrected
        request goes out under a fresh one (or it could replay the refusal)."""
        if server_refused(err):
            setattr(ctx.journal_entry(), self.field, None)
            ctx.save()


SIGN_KEY = OnceKey("sign_key", "sign")
SUBMIT_KEY = OnceKey("submit_key", "submit")
ACTIVATION_KEY = OnceKey("activation_key", "activate")
