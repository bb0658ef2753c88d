"""Request bodies. Strict and closed: a wrong type or an unknown field is AC-AB-0001."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Short = Annotated[str, Field(min_length=1, max_length=200)]
Code6 = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
# Photos travel as base64 inside JSON; the 2 MiB body limit bounds them.
B64 = Annotated[str, Field(min_length=1)]


class IdNumberIn(Body):
    id_number: Short


class StaffLoginIn(Body):
    username: Short
    password: Annotated[str, Field(max_length=200)]


class AddressIn(Body):
    address: Annotated[str, Field(min_length=3, max_length=254)]


class VerifyEmailIn(Body):
    address: Annotated[str, Field(min_length=3, max_length=254)]
    code: Code6


class ConsentTokenIn(Body):
    consent_token: Short


class MatchIdIn(Body):
    match_id: Short


class DeclarationIn(Body):
    accepted: Literal[True]


class SubmitIn(Body):
    signature_id: Short


class CertIdsIn(Body):
    cert_ids: Annotated[list[Short], Field(min_length=1, max_length=20)]


class ActivationIn(Body):
    cert_ids: Annotated[list[Short], Field(min_length=1, max_length=20)]
    password: Annotated[str, Field(max_length=200)]
    password_confirm: Annotated[str | None, Field(max_length=200)] = None
    revocation_phrase: Annotated[str, Field(max_length=200)]


class EmptyIn(Body):
    pass


class ConsentIn(Body):
    renewal_id: Short
    accepted: Literal[True]


class FaceMatchIn(Body):
    renewal_id: Short
    consent_token: Short
    photo_jpeg_b64: B64


class IdCardIn(Body):
    consent_token: Short


class LoginCompleteIn(Body):
    challenge_id: Short
    sms_code: Code6


class ChallengeIn(Body):
    purpose: Annotated[str, Field(pattern=r"^renewal:[A-Za-z0-9-]{1,64}$")]


class ChallengeVerifyIn(Body):
    sms_code: Code6
    face_jpeg_b64: B64


class SignIn(Body):
    assertion: Short
    document_id: Short


class AdvanceIn(Body):
    # Up to ~3 years in one call: enough to cross any expiry in the seed.
    seconds: Annotated[float, Field(gt=0, le=100_000_000)]


class PhotoIn(Body):
    photo_jpeg_b64: B64


class FaultsIn(Body):
    # How many of the next activation jobs fail (AC-AB-0033), and how many of the next
    # service calls answer 503 AC-AB-0036: lets a kiosk rehearse its error paths.
    activation_failures: Annotated[int, Field(ge=0, le=100)] = 0
    unavailable_requests: Annotated[int, Field(ge=0, le=100)] = 0
