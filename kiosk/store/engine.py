"""The store's engine (a kiosk's SQLite file or the site's PostgreSQL) and the payload
decoder, shared by the journal and the site forwarder without either importing the other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from kiosk.store.migrate import ensure_current
from kiosk.store.paths import default_db_url, kiosk_identity, secure_file, secure_siblings


def make_engine(url: str | None = None, *, kiosk_id: str | None = None) -> Engine:
    """An engine on the store at `url`, its schema checked: a kiosk's SQLite file is
    migrated in place (and kept 0600), a shared database must have been upgraded by IT
    (`kiosk db upgrade`), else StoreNotReady says so."""
    url = url or default_db_url()
    if url.startswith("postgresql"):
        # A site store that is away must fail fast (the kiosk then journals locally), and a
        # pooled connection that died with a server restart must not be handed out.
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 3})
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if path and path != ":memory:":
            secure_file(_path(path))

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL + synchronous=FULL: a power cut after a commit loses nothing.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()
            if path and path != ":memory:":
                secure_siblings(_path(path))

    ensure_current(engine, kiosk_id if kiosk_id is not None else kiosk_identity(url))
    return engine


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)


def from_payload(text: str) -> dict[str, Any]:
    def hook(obj: dict[str, Any]) -> Any:
        if set(obj) == {"$dt"}:
            return datetime.fromisoformat(obj["$dt"])
        if set(obj) == {"$b"}:
            return bytes.fromhex(obj["$b"])
        return obj

    return dict(json.loads(text, object_hook=hook))
