"""`kiosk settings` keeps the transport policy of kiosk/config.py (issue 12, section 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.store.settings import SettingError, parse


@pytest.mark.parametrize("url", ["http://backend.example", "http://192.168.1.20:8750"])
def test_settings_refuse_plain_http_off_loopback(url: str) -> None:
    with pytest.raises(SettingError, match=r"backend: .*plain http:// is allowed only on this"):
        parse("backend", url)


def test_settings_take_https_anywhere_and_http_on_loopback() -> None:
    assert parse("backend", "https://backend.example/") == "https://backend.example"
    assert parse("backend", "http://127.0.0.1:8750") == "http://127.0.0.1:8750"


def test_settings_take_a_ca_bundle_that_holds_a_certificate(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert parse("ca_bundle", str(ca)) == str(ca.resolve())
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(SettingError, match="ca_bundle: .*holds no PEM certificate"):
        parse("ca_bundle", str(tmp_path / "junk.pem"))
    with pytest.raises(SettingError, match="ca_bundle: .*no such file"):
        parse("ca_bundle", str(tmp_path / "missing.pem"))
