"""Alembic environment of the kiosk store: run from code (kiosk/store/migrate.py) on a
connection it hands over, never from an alembic.ini (an installed kiosk has none)."""

from __future__ import annotations

from alembic import context

from kiosk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the kiosk's migrations with `kiosk db upgrade`")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
