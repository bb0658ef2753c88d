"""Kiosk settings (issue 3): a key/value table in the kiosk's SQLite file, known keys with
types and defaults, values checked before they are stored, `kiosk settings` to manage them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.store import SqlJournal
from kiosk.store.settings import SETTINGS, SettingError, SettingsStore, read_settings


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kiosk.sqlite'}"


def test_settings_round_trip_in_a_real_database(store_url: str) -> None:
    url = store_url
    store = SettingsStore(url)
    assert store.get("lang") == "zh-Hant" and store.get("idle_seconds") == 120.0
    assert store.set("lang", "pt") == "pt"
    assert store.set("self_service", "yes") is True
    assert store.set("idle_seconds", "45.5") == 45.5
    assert store.set("countdown_seconds", "10") == 10
    assert store.set("backend", "https://backend.example/") == "https://backend.example"
    own_file = url.startswith("sqlite")
    if own_file:
        assert store.set("kiosk_id", "LOBBY-1") == "LOBBY-1"
    else:  # who a terminal is cannot be a value of the site's database
        with pytest.raises(SettingError, match="kiosk_id is each terminal's own"):
            store.set("kiosk_id", "LOBBY-1")
    store.close()
    # Another process (a new engine) and the start-up reader see the same typed values.
    again = SettingsStore(url)
    assert again.get("lang") == "pt"
    assert again.effective()["camera"] == ("0", False)
    assert again.effective()["self_service"] == (True, True)
    assert read_settings(url) == {
        "lang": "pt",
        "self_service": True,
        "idle_seconds": 45.5,
        "countdown_seconds": 10,
        "backend": "https://backend.example",
        **({"kiosk_id": "LOBBY-1"} if own_file else {}),
    }
    assert again.unset("lang") is True and again.unset("lang") is False
    assert again.get("lang") == "zh-Hant"
    again.close()
    # The table lives beside the journal: whose, key and value only, nothing personal.
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    cols = [c["name"] for c in inspect(engine).get_columns("kiosk_settings")]
    assert cols == ["kiosk_id", "key", "value"]
    assert set(inspect(engine).get_table_names()) >= {"renewal_journal", "kiosk_settings"}
    engine.dispose()


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("lang", "fr", "lang: takes one of zh-Hant, pt, en"),
        ("idle_seconds", "-3", "idle_seconds: takes a number of seconds greater than 0"),
        ("countdown_seconds", "1.5", "countdown_seconds: takes a whole number of seconds"),
        ("self_service", "maybe", "self_service: takes true or false"),
        ("backend", "ftp://x", "backend: takes an http:// or https:// URL"),
        ("kiosk_id", "lobby 1", "kiosk_id: takes 1-64 letters, digits"),
        ("config", "/nonexistent/kiosk.toml", "config: cannot read /nonexistent/kiosk.toml"),
        ("colour", "red", "unknown setting 'colour'; the settings are: lang, camera"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_and_not_stored(
    tmp_path: Path, key: str, value: str, says: str
) -> None:
    store = SettingsStore(_url(tmp_path))
    with pytest.raises(SettingError, match=says.replace("(", r"\(").replace(")", r"\)")):
        store.set(key, value)
    assert store.stored() == {}
    store.close()


def test_kiosk_settings_command_sets_lists_and_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(tmp_path)
    assert cli.main(["settings", "--journal", url, "set", "lang", "pt"]) == 0
    assert capsys.readouterr().out == "lang = pt\n"
    assert cli.main(["settings", "--journal", url, "set", "lang", "klingon"]) == 2
    err = capsys.readouterr().err
    assert err == "kiosk settings: lang: takes one of zh-Hant, pt, en\n"
    assert cli.main(["settings", "--journal", url, "get", "lang"]) == 0
    assert capsys.readouterr().out == "pt\n"
    assert cli.main(["settings", "--journal", url, "get", "volume"]) == 2
    assert "unknown setting 'volume'" in capsys.readouterr().err
    assert cli.main(["settings", "--journal", url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == f"# {url}"  # which database these settings came from
    assert listed[1] == "lang = pt"
    assert "camera = 0  (default)" in listed
    assert len(listed) == len(SETTINGS) + 1
    assert cli.main(["settings", "--journal", url, "unset", "lang"]) == 0
    assert read_settings(url) == {}


def test_startup_reader_copes_with_no_file_an_old_file_and_foreign_values(
    tmp_path: Path,
) -> None:
    assert read_settings(f"sqlite:///{tmp_path / 'none.sqlite'}") == {}
    assert not (tmp_path / "none.sqlite").exists()
    old = tmp_path / "old.sqlite"
    sqlite3.connect(old).close()  # a journal file from before the settings table
    assert read_settings(f"sqlite:///{old}") == {}
    # A value written by another kiosk version that this one cannot use: the default applies.
    journal = SqlJournal(f"sqlite:///{old}")
    journal.close()
    with sqlite3.connect(old) as db:
        db.execute("INSERT INTO kiosk_settings VALUES ('*', 'lang', 'fr'), ('*', 'volume', '3')")
        db.execute("INSERT INTO kiosk_settings VALUES ('*', 'camera', 'synthetic')")
    assert read_settings(f"sqlite:///{old}") == {"camera": "synthetic"}
