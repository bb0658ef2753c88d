"""Kiosk settings: a key/value table beside the journal (same database).

On a site's database every kiosk reads the site-wide value of a key unless it has its own
(`kiosk settings set --site KEY VALUE` for all, `set KEY VALUE` for this kiosk, `--kiosk ID`
for another one): rows are keyed (kiosk_id, key), SITE_WIDE being the site's.

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
from typing import Any, TypeVar
from urllib.parse import urlsplit

TABLE = "kiosk_settings"  # kiosk.store.models.SettingRow
SITE_WIDE = "*"  # kiosk.store.models.SITE_WIDE (not imported: no SQLAlchemy here)
LOCAL_ONLY = ("kiosk_id",)  # who a terminal is: never a site-wide value
LANGS = ("zh-Hant", "pt", "en")
N = TypeVar("N", int, float)


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


def _positive(text: str, read: Callable[[str], N], what: str, example: str) -> N:
    """`text` read as a number greater than 0 (and finite): `what` names it in the refusal."""
    try:
        value = read(text)
    except ValueError:
        raise SettingError(f"takes {what}, e.g. {example}") from None
    if not 0 < value < float("inf"):
        raise SettingError(f"takes {what} greater than 0")
    return value


def _positive_float(text: str) -> float:
    return _positive(text, float, "a number of seconds", "120")


def _positive_int(text: str) -> int:
    return _positive(text, int, "a whole number of seconds", "15")


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


def _token_module(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not path.is_file():
        raise SettingError(f"no PKCS#11 module at {path}: give the token driver's .so file, "
                           "e.g. /usr/lib/softhsm/libsofthsm2.so")
    return str(path)


_KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _kiosk_id(text: str) -> str:
    if not _KIOSK_ID.fullmatch(text):
        raise SettingError("takes 1-64 letters, digits, '.', '_' or '-', e.g. LOBBY-1")
    return text


def _days(text: str) -> float:
    return _positive(text, float, "a number of days", "30")


def _printer(text: str) -> str:
    from kiosk.receipt.printing import parse_printer

    try:
        return parse_printer(text)
    except ValueError as exc:
        raise SettingError(str(exc)) from None


def _paper(text: str) -> str:
    if text not in ("roll", "a4"):
        raise SettingError("takes roll (80 mm thermal roll) or a4")
    return text


def _site(text: str) -> str:
    if not 0 < len(text.strip()) <= 80 or not text.isprintable():
        raise SettingError("takes 1-80 printable characters, e.g. Lobby, Main office")
    return text.strip()


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
            Setting("idle_seconds", _positive_float, 120.0, "idle time before the wipe, s"),
            Setting("countdown_seconds", _positive_int, 15, "the idle wipe's countdown, s"),
            Setting(
                "journal_retention_days",
                _days,
                30.0,
                "finished renewals are forgotten after this many days (the audit trail stays)",
            ),
            Setting("config", _config, None, "path of the backend TOML ([backend] table)"),
            Setting("backend", _url, None, "base URL of the four backend services"),
            Setting("ca_bundle", _ca_bundle, None, "PEM file of the CAs the backend's TLS uses"),
            Setting("kiosk_id", _kiosk_id, None, "name of this terminal, e.g. LOBBY-1"),
            Setting("printer", _printer, "system", "receipt printer: none, system[:QUEUE], "
                    "escpos-network:HOST[:PORT], escpos-usb:VID:PID, escpos-file:PATH"),
            Setting("receipt_paper", _paper, "roll", "receipt format: roll (80 mm) or a4"),
            Setting("kiosk_site", _site, None, "where the terminal stands (on the receipt)"),
            Setting("token_module", _token_module, None,
                    "the counter's PKCS#11 driver (.so) for holders' tokens (R32)"),
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


def _merge(rows: list[tuple[str, str, str]], kiosk_id: str) -> tuple[dict[str, str], set[str]]:
    """(key -> text) with this kiosk's own value over the site-wide one, and the keys whose
    value is the kiosk's own."""
    merged: dict[str, str] = {}
    own: set[str] = set()
    for scope, key, value in rows:
        if scope == SITE_WIDE and key not in own:
            merged[key] = value
        elif scope == kiosk_id:
            merged[key] = value
            own.add(key)
    return merged, own


class SettingsStore:
    """The settings table over SQLAlchemy (the `kiosk settings` command, the UI through
    the database executor). One short transaction per call. `kiosk_id`: whose settings
    these are (default: this kiosk, kiosk.store.paths.kiosk_identity)."""

    def __init__(
        self, url: str | None = None, engine: Any = None, *, kiosk_id: str | None = None
    ) -> None:
        from sqlalchemy.orm import sessionmaker

        from kiosk.store.journal import make_engine
        from kiosk.store.paths import kiosk_identity

        self.kiosk_id = kiosk_id or kiosk_identity(url)
        self.engine = engine or make_engine(url, kiosk_id=self.kiosk_id)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def shared(self) -> bool:
        """A site's database (several kiosks), not a kiosk's own file."""
        return bool(self.engine.dialect.name != "sqlite")

    def close(self) -> None:
        self.engine.dispose()

    def _rows(self) -> list[tuple[str, str, str]]:
        from sqlalchemy import select

        from kiosk.store.models import SettingRow

        with self._sessions() as s:
            q = select(SettingRow.kiosk_id, SettingRow.key, SettingRow.value).where(
                SettingRow.kiosk_id.in_((SITE_WIDE, self.kiosk_id))
            )
            return [(k, key, v) for k, key, v in s.execute(q)]

    def stored(self) -> dict[str, Any]:
        """The settings that have a stored value (typed): this kiosk's own, else the site's."""
        return _stored_values(_merge(self._rows(), self.kiosk_id)[0])

    def sources(self) -> dict[str, str]:
        """Every key: where its value comes from, "kiosk", "site" or "default"."""
        merged, own = _merge(self._rows(), self.kiosk_id)
        stored = _stored_values(merged)
        return {
            k: ("kiosk" if k in own else "site") if k in stored else "default" for k in SETTINGS
        }

    def get(self, key: str) -> Any:
        if key not in SETTINGS:
            parse(key, "")  # raises the unknown-key error
        return self.stored().get(key, SETTINGS[key].default)

    def effective(self) -> dict[str, tuple[Any, bool]]:
        """Every key: (value, stored?) with the default where nothing is stored."""
        stored = self.stored()
        return {k: (stored.get(k, s.default), k in stored) for k, s in SETTINGS.items()}

    def _scope(self, key: str, site: bool, kiosk: str | None) -> str:
        if key in LOCAL_ONLY:
            if site or kiosk or self.shared:
                raise SettingError(
                    f"{key} is each terminal's own: set it in the kiosk's own file"
                    " (kiosk settings --journal sqlite:///…) or with $KIOSK_ID"
                )
            return SITE_WIDE  # a kiosk's own file: read before its id is known
        if site:
            return SITE_WIDE
        if kiosk is not None:
            return _kiosk_id(kiosk)
        return self.kiosk_id

    def set(self, key: str, text: str, *, site: bool = False, kiosk: str | None = None) -> Any:
        """Checks then stores a value (this kiosk's own, the site's with `site`, another
        kiosk's with `kiosk`); returns it typed. SettingError when it is refused."""
        from kiosk.store.models import SettingRow

        value = parse(key, text)
        scope = self._scope(key, site, kiosk)
        with self._sessions.begin() as s:
            row = s.get(SettingRow, (scope, key))
            if row is None:
                s.add(SettingRow(kiosk_id=scope, key=key, value=to_text(value)))
            else:
                row.value = to_text(value)
            if key == "kiosk_id" and value != self.kiosk_id:
                self._rename(s, value)
        return value

    def unset(self, key: str, *, site: bool = False, kiosk: str | None = None) -> bool:
        """Forgets a stored value (the site's or the default applies again); False when
        none was stored there."""
        from kiosk.store.models import SettingRow

        if key not in SETTINGS:
            parse(key, "")  # raises the unknown-key error
        scope = self._scope(key, site, kiosk)
        with self._sessions.begin() as s:
            row = s.get(SettingRow, (scope, key))
            if row is None:
                return False
            s.delete(row)
            return True

    def _rename(self, s: Any, new_id: str) -> None:
        """A kiosk's file renamed: its own settings and open renewals follow the new id
        (its audit chain keeps the old one: the id is part of every entry's hash)."""
        from sqlalchemy import update

        from kiosk.store.models import RenewalRow, SettingRow

        s.execute(
            update(SettingRow).where(SettingRow.kiosk_id == self.kiosk_id).values(kiosk_id=new_id)
        )
        s.execute(
            update(RenewalRow).where(RenewalRow.kiosk_id == self.kiosk_id).values(kiosk_id=new_id)
        )
        self.kiosk_id = new_id


def retention_days(engine: Any, kiosk_id: str) -> float:
    """The `journal_retention_days` this kiosk takes from the store at `engine`."""
    value = SettingsStore(engine=engine, kiosk_id=kiosk_id).get("journal_retention_days")
    return float(value)


def read_settings(url: str) -> dict[str, Any]:
    """The stored settings (typed) of the database at `url` for this kiosk, read without
    SQLAlchemy for a SQLite file; {} when the file or the table does not exist yet."""
    from kiosk.store.paths import kiosk_identity

    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return _read_site_settings(url)
    path = url[len(prefix) :]
    if not path or path == ":memory:" or not os.path.exists(path):
        return {}
    kiosk_id = kiosk_identity(url)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        try:
            rows = conn.execute(f"SELECT kiosk_id, key, value FROM {TABLE}").fetchall()
        except sqlite3.OperationalError:
            # A file from before the site store (no kiosk_id column): all its own.
            rows = [(SITE_WIDE, k, v) for k, v in conn.execute(f"SELECT key, value FROM {TABLE}")]
    except sqlite3.OperationalError:
        return {}  # an older journal file, without the table yet
    finally:
        conn.close()
    return _stored_values(_merge(rows, kiosk_id)[0])


def _cache_path() -> Path:
    from kiosk.store.paths import data_dir

    return data_dir() / "site-settings.json"


def _read_site_settings(url: str) -> dict[str, Any]:
    """This kiosk's settings from its site store, remembered in its data folder: when the
    site is away at start, a lobby kiosk still starts as what it is (self-service, its
    language), not with the defaults. The cache holds setting values only (0600)."""
    import json

    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.store.migrate import StoreNotReady

    cache = _cache_path()
    try:
        store = SettingsStore(url)
        try:
            merged = _merge(store._rows(), store.kiosk_id)[0]
        finally:
            store.close()
    except (SQLAlchemyError, StoreNotReady, OSError):
        remembered = _remembered(cache, url)
        if remembered is None:
            raise  # never seen this store: the caller's defaults apply, and it says why
        return _stored_values(remembered)
    try:  # remembering is a convenience: a read-only data folder must not stop the start
        tmp = cache.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"url": _shown(url), "values": merged}, out)
        os.replace(tmp, cache)
    except OSError:
        pass
    return _stored_values(merged)


def _remembered(cache: Path, url: str) -> dict[str, str] | None:
    import json

    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["url"] != _shown(url):
            return None
        return {str(k): str(v) for k, v in dict(saved["values"]).items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
