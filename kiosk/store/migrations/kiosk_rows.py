"""What the migrations share: rows that were there before the site store belong to the kiosk
running the upgrade (the `kiosk_id` attribute of the Alembic config; '' when none is given)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op


def upgrading_kiosk() -> str:
    return str(context.config.attributes.get("kiosk_id") or "")


def add_kiosk_id(table: str) -> None:
    """Gives `table` its indexed `kiosk_id` column, set to the upgrading kiosk's id."""
    with op.batch_alter_table(table) as b:
        b.add_column(sa.Column("kiosk_id", sa.String(64), nullable=False, server_default=""))
        b.create_index(f"ix_{table}_kiosk_id", ["kiosk_id"])
    op.execute(sa.text(f"UPDATE {table} SET kiosk_id = :k").bindparams(k=upgrading_kiosk()))
