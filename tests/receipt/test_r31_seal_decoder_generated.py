"""R31 / issue 12 §5: the receipt seal's decoder (RK1: base45 / zlib / COSE_Sign1 / CBOR)
given any text or bytes returns a decoded seal or raises SealError, never anything else.

Inputs are generated at every layer, so each parser below the prefix is reached: any text,
the prefix + base45-alphabet text, + base45 of any bytes, + base45(zlib(any bytes)),
+ base45(zlib(CBOR of generated structures, COSE-shaped or not)), and real seals (signed by
a test kiosk key the test CA issued) with generated claims and characters changed."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import base45
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from kiosk.receipt import seal
from tests.generated_cases import counted

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pki() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, dict[bytes, seal.TrustedKey]]:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("test registry CA"))
          .issuer_name(_name("test registry CA")).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("KIOSK-T1"))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(ca_key, hashes.SHA256()))
    return key, cert, seal.trusted_keys(ca, [("KIOSK-T1", cert)])


KEY, CERT, TRUSTED = _pki()


def _signed(body: Any, header: Any = None, tag: int = seal.COSE_SIGN1_TAG) -> str:
    """A seal really signed by the trusted test key, over any claims and header."""
    protected = cbor2.dumps(header if header is not None
                            else {seal.ALG: seal.ES256, seal.KID: seal.key_id(CERT)})
    payload = cbor2.dumps(body)
    der = KEY.sign(seal._sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    cose = cbor2.dumps(cbor2.CBORTag(tag, [protected, {}, payload,
                                           r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
    return seal.PREFIX + base45.b45encode(zlib.compress(cose)).decode("ascii")


def _wrap(raw: bytes) -> str:
    return seal.PREFIX + base45.b45encode(zlib.compress(raw)).decode("ascii")


scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**70),
           max_value=2**70) | st.floats() | st.text(max_size=20) | st.binary(max_size=40))
cbor_values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=5) | st.dictionaries(
        st.integers(-8, 8) | st.text(max_size=3), inner, max_size=5)
        | st.builds(cbor2.CBORTag, st.integers(0, 300), inner)),
    max_leaves=20,
)
claims = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 1, 1, 0, "1", None])},
    optional={"k": st.sampled_from(["KIOSK-T1", "KIOSK-T2"]) | st.text(max_size=8),
              "t": st.integers() | st.floats() | st.text(max_size=5)
              | st.sampled_from([10**20, -(10**20), 2**63, int(dt.datetime.now().timestamp())]),
              "ref": cbor_values, "c": cbor_values, "o": cbor_values},
)
cose_shaped = st.lists(st.binary(max_size=16) | cbor_values, min_size=4, max_size=4)

seal_texts = st.one_of(
    st.text(),
    st.text(alphabet=B45).map(lambda t: seal.PREFIX + t),
    st.binary().map(lambda b: seal.PREFIX + base45.b45encode(b).decode("ascii")),
    st.binary().map(_wrap),
    cbor_values.map(lambda v: _wrap(cbor2.dumps(v))),
    cose_shaped.map(lambda v: _wrap(cbor2.dumps(cbor2.CBORTag(seal.COSE_SIGN1_TAG, v)))),
    st.integers(1, 5000).map(lambda n: _wrap(b"\x81" * n + b"\x00")),  # nested arrays
    claims.map(_signed),
    st.tuples(claims, cbor_values).map(lambda cv: _signed(cv[0], header=cv[1])),
    st.tuples(claims, st.integers(0, 400)).map(lambda ct: _signed(ct[0], tag=ct[1])),
    st.tuples(claims, st.integers(0, 10_000), st.sampled_from(B45 + "é\x00")).map(
        lambda c: (lambda s: s[: 4 + c[1] % max(1, len(s) - 4)] + c[2]
                   + s[5 + c[1] % max(1, len(s) - 4):])(_signed(c[0]))),
)
seal_inputs = seal_texts | seal_texts.map(lambda t: t.encode("utf-8")) | st.binary()


@counted(1500)
@given(seal_inputs)
def test_r31_seal_decoder_returns_a_seal_or_a_seal_error_for_any_input(text: Any) -> None:
    try:
        opened = seal.open_seal(text)
    except seal.SealError as err:
        assert str(err)  # says why
    else:
        assert isinstance(opened, seal.Opened) and len(opened.kid) == 8
        assert isinstance(opened.claims, dict) and opened.claims.get("v") == 1
    try:
        body = seal.verify(text, TRUSTED)
    except seal.SealError as err:
        assert str(err)
    else:
        assert isinstance(body, dict) and body["k"] == "KIOSK-T1" and body["v"] == 1
        assert isinstance(body["t"], int)


def test_r31_seal_decoder_opens_and_verifies_a_real_seal_and_refuses_a_changed_one() -> None:
    """The generated test's two outcomes both happen: the decoder is not refusing all."""
    now = int(dt.datetime.now(dt.UTC).timestamp())
    text = _signed({"v": 1, "k": "KIOSK-T1", "t": now, "ref": "R-1"})
    assert seal.verify(text, TRUSTED)["ref"] == "R-1"
    assert seal.verify(text.encode("ascii"), TRUSTED)["ref"] == "R-1"
    forged = _wrap(cbor2.dumps(cbor2.CBORTag(18, [
        cbor2.dumps({1: -7, 4: seal.key_id(CERT)}), {},
        cbor2.dumps({"v": 1, "k": "KIOSK-T1", "t": now, "ref": "R-2"}), b"\x00" * 64])))
    assert seal.open_seal(forged).claims["ref"] == "R-2"
    try:
        seal.verify(forged, TRUSTED)
    except seal.SealError as err:
        assert "does not verify" in str(err)
    else:
        raise AssertionError("a seal with a wrong signature verified")
