"""Kiosk settings: a key/value table beside the journal (same database file).

What a terminal is, set once by whoever installs it (`kiosk settings set lang pt`), so that
`kiosk run` needs no options; an option on the command line still wins. Only the keys of
`SETTINGS` exist, each with a type and a default, and a value is checked before it is
stored: no personal data can go in (there is no key for any).

Reading at start-up (`read_settings`) uses the standard library's sqlite3 for a SQLite
file: importing SQLAlchemy would delay the kiosk's first paint by a sixth of a second. The
table is still declared once, here, with the journal's models.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

TABLE = "kiosk_settings"  # kiosk.store.journal.SettingRow
LANGS = ("zh-Hant", "pt", "en")


class SettingError(ValueError):
    """An unknown key or a value the key does not take; the message says what it takes."""


def _lang(text: str) -> str:
    if text not in LANGS:
        raise SettingError(f"takes one of {', '.join(LANGS)}")
    return text


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise SettingError("takes true or false (also yes/no, on/off, 1/0)")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SettingError("takes a number of seconds, e.g. 120") from None
    if not value > 0 or value != value or value == float("inf"):
        raise SettingError("takes a number of seconds greater than 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SettingError("takes a whole number of seconds, e.g. 15") from None
    if value <= 0:
        raise SettingError("takes a whole number of seconds greater than 0")
    return value


def _camera(text: str) -> str:
    text = text.strip()
    if not text:
        raise SettingError("takes a webcam index (0), a video file, or 'synthetic'")
    return text


def _config(text: str) -> str:
    # Checked now, so that a wrong path is found by whoever sets it, not at the next start.
    from kiosk.config import BackendConfig, ConfigError

    path = str(Path(text).expanduser().resolve())
    try:
        BackendConfig.from_toml(path)
    except ConfigError as exc:
        raise SettingError(str(exc)) from None
    return path


def _url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingError("takes an http:// or https:// URL, e.g. https://backend.example")
    from kiosk.config import ConfigError, check_backend_url  # issue 12: https off loopback

    try:
        return check_backend_url(text, "the URL")
    except ConfigError as exc:
        raise SettingError(str(exc)) from None


def _ca_bundle(text: str) -> str:
    from kiosk.config import ConfigError, check_ca_bundle

    try:
        return check_ca_bundle(text.strip())
    except ConfigError as exc:
        raise SettingError(str(exc)) from None


_KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _kiosk_id(text: str) -> str:
    if not _KIOSK_ID.fullmatch(text):
        raise SettingError("takes 1-64 letters, digits, '.', '_' or '-', e.g. LOBBY-1")
    return text


@dataclass(frozen=True)
class Setting:
    key: str
    parse: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: Mapping[str, Setting] = MappingProxyType(
    {
        s.key: s
        for s in (
            Setting("lang", _lang, "zh-Hant", "language of the first screen: zh-Hant, pt, en"),
            Setting("camera", _camera, "0", "webcam index, video file, or 'synthetic'"),
            Setting("self_service", _bool, False, "lobby kiosk: the holder alone, idle wipe"),
            Setting("fullscreen", _bool, False, "full screen, no window decorations"),
            Setting("idle_seconds", _positive_float, 120.0, "self-service: idle time, s"),
            Setting("countdown_seconds", _positive_int, 15, "self-service: countdown, s"),
            Setting("config", _config, None, "path of the backend TOML ([backend] table)"),
            Setting("backend", _url, None, "base URL of the four backend services"),
            Setting("ca_bundle", _ca_bundle, None, "PEM file of the CAs the backend's TLS uses"),
            Setting("kiosk_id", _kiosk_id, None, "name of this terminal, e.g. LOBBY-1"),
        )
    }
)


def parse(key: str, text: str) -> Any:
    """The typed value of `text` for `key`, or SettingError saying what the key takes."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise SettingError(f"unknown setting {key!r}; the settings are: {', '.join(SETTINGS)}")
    try:
        return spec.parse(text)
    except SettingError as exc:
        raise SettingError(f"{key}: {exc}") from None


def to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stored_values(rows: Mapping[str, str]) -> dict[str, Any]:
    """Typed values of the stored rows; an unknown key or a value an older or newer kiosk
    wrote that no longer parses is skipped (its default applies), never fatal at start."""
    out: dict[str, Any] = {}
    for key, text in rows.items():
        if key in SETTINGS and key != "config":
            try:
                out[key] = SETTINGS[key].parse(text)
            except SettingError:
                continue
        elif key == "config":
            out[key] = text  # checked when `kiosk run` reads the file
    return out


class SettingsStore:
    """The settings table over SQLAlchemy (the `kiosk settings` command, the UI through
    the database executor). One short transaction per call."""

    def __init__(self, url: str | None = None, engine: Any = None) -> None:
        from sqlalchemy.orm import sessionmaker

        from kiosk.store.journal import make_engine

        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def stored(self) -> dict[str, Any]:
        """The settings that have a stored value (typed)."""
        from sqlalchemy import select

        from kiosk.store.journal import SettingRow

        with self._sessions() as s:
            rows = {r.key: r.value for r in s.scalars(select(SettingRow))}
        return _stored_values(rows)

    def get(self, key: str) -> Any:
        if key not in SETTINGS:
            parse(key, "")  # raises the unknown-key error
        return self.stored().get(key, SETTINGS[key].default)

    def effective(self) -> dict[str, tuple[Any, bool]]:
        """Every key: (value, stored?) with the default where nothing is stored."""
        stored = self.stored()
        return {k: (stored.get(k, s.default), k in stored) for k, s in SETTINGS.items()}

    def set(self, key: str, text: str) -> Any:
        """Checks then stores a value; returns it typed. SettingError when it is refused."""
        from kiosk.store.journal import SettingRow

        value = parse(key, text)
        with self._sessions.begin() as s:
            row = s.get(SettingRow, key)
            if row is None:
                s.add(SettingRow(key=key, value=to_text(value)))
            else:
                row.value = to_text(value)
        return value

    def unset(self, key: str) -> bool:
        """Forgets a stored value (the default applies again); False when none was stored."""
        from kiosk.store.journal import SettingRow

        if key not in SETTINGS:
            parse(key, "")  # raises the unknown-key error
        with self._sessions.begin() as s:
            row = s.get(SettingRow, key)
            if row is None:
                return False
            s.delete(row)
            return True


def read_settings(url: str) -> dict[str, Any]:
    """The stored settings (typed) of the database at `url`, read without SQLAlchemy for a
    SQLite file; {} when the file or the table does not exist yet."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        store = SettingsStore(url)
        try:
            return store.stored()
        finally:
            store.close()
    path = url[len(prefix) :]
    if not path or path == ":memory:" or not os.path.exists(path):
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = dict(conn.execute(f"SELECT key, value FROM {TABLE}").fetchall())
    except sqlite3.OperationalError:
        return {}  # an older journal file, without the table yet
    finally:
        conn.close()
    return _stored_values(rows)
