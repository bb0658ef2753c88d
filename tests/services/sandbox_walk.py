"""Driving the kiosk's clients through the sandbox the way a tester at a demo would.

Codes come from the sandbox's outbox, demo data (ID numbers, faces, passwords) from its
tester sheet (`GET /sandbox/v1/holders`), both through SandboxAdmin.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from kiosk.config import BackendConfig
from kiosk.services.api import (
    ActivationJob,
    HolderSession,
    Renewal,
    Services,
    StaffSession,
    Submission,
)
from kiosk.services.factory import build_sandbox_admin, build_services, close_services
from kiosk.services.sandbox_admin import SandboxAdmin


class Kiosk:
    """What a test drives: the kiosk's clients plus the tester's view of the outbox."""

    def __init__(self, base_url: str) -> None:
        config = BackendConfig.for_sandbox(base_url, timeout_s=30.0)
        self.services: Services = build_services(config)
        admin = build_sandbox_admin(config)
        assert admin is not None
        self.admin: SandboxAdmin = admin
        self.last_signature_id = ""

    def holder(self, holder_id: str) -> dict[str, Any]:
        """The tester's sheet for a demo holder: ID number, face, cloud password…"""
        for h in self.admin.holders():
            if h.get("holder_id") == holder_id:
                return h
        raise LookupError(holder_id)

    def id_number_of(self, holder_id: str) -> str:
        return str(self.holder(holder_id)["id_number"])

    def live_photo(self, holder_id: str) -> bytes:
        """A live photo of the person whose face the bureau has on file for this holder."""
        from sandbox.faces import live_photo  # test data shipped with the sandbox

        return live_photo(str(self.holder(holder_id)["face"]))

    def someone_else_than(self, holder_id: str) -> str:
        """A demo holder whose face is another person's."""
        face = self.holder(holder_id)["face"]
        return next(h["holder_id"] for h in self.admin.holders() if h["face"] != face)

    def renewal(self, holder_id: str) -> tuple[HolderSession, Renewal]:
        session = self.sign_in(holder_id)
        return session, self.services.registry.current_renewal(session)

    def submitted(self, holder_id: str) -> tuple[HolderSession, Renewal]:
        """Signed in, steps 1 to 3 done: the renewal is submitted."""
        s, renewal = self.renewal(holder_id)
        photo = self.live_photo(holder_id)
        self.verify_all_emails(s, renewal.renewal_id)
        self.pass_identity(s, renewal.renewal_id, photo)
        self.sign_and_submit(s, renewal.renewal_id, photo, str(uuid.uuid4()))
        return s, renewal

    def staff_login(self) -> StaffSession:
        account = self.admin.staff()[0]
        return self.services.registry.staff_login(account["username"], account["password"])

    def sign_in(self, holder_id: str) -> HolderSession:
        challenge = self.services.eid.start_login(self.id_number_of(holder_id))
        code = self.admin.latest_code(None, "sms_code")
        return self.services.eid.complete_login(challenge.challenge_id, code)

    def verify_all_emails(self, s: HolderSession, renewal_id: str) -> None:
        for status in self.services.registry.emails(s, renewal_id):
            if status.verified_at is not None:
                continue
            self.services.registry.request_email_code(s, renewal_id, status.address)
            code = self.admin.latest_code(status.address, "email_code")
            self.services.registry.verify_email_code(s, renewal_id, status.address, code)

    def pass_identity(self, s: HolderSession, renewal_id: str, photo: bytes) -> None:
        consent = self.services.bureau.consent(s, renewal_id)
        self.services.registry.check_identity(s, renewal_id, consent.consent_token)
        match = self.services.bureau.match_face(s, renewal_id, consent.consent_token, photo)
        self.services.registry.record_face_match(s, renewal_id, match.match_id)

    def sign_and_submit(
        self, s: HolderSession, renewal_id: str, photo: bytes, key: str
    ) -> Submission:
        reg = self.services.registry
        application = reg.application(s, renewal_id)
        reg.accept_declaration(s, renewal_id)
        challenge = self.services.eid.start_challenge(s, f"renewal:{renewal_id}")
        code = self.admin.latest_code(None, "sms_code")
        assertion = self.services.eid.verify_challenge(s, challenge.challenge_id, code, photo)
        signature = self.services.esign.sign(s, assertion.assertion, application.document_id)
        self.last_signature_id = signature.signature_id
        return reg.submit(s, renewal_id, signature.signature_id, key)

    def close(self) -> None:
        close_services(self.services)
        self.admin.close()


def wait_for_job(kiosk: Kiosk, s: HolderSession, job: ActivationJob) -> ActivationJob:
    """Polls as the kiosk's activation page does, without its minutes-long patience."""
    for _ in range(200):
        if job.state != "running":
            return job
        time.sleep(min(job.poll_after_s, 0.2))
        job = kiosk.services.registry.activation_status(s, job.job_id)
    raise AssertionError("activation still running after 200 polls")
