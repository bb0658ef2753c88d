"""The counter desk's issuance journal (`desk_issuance`), with the kiosk id like every
other table. Desk builds before this revision made the table themselves on the journal's
engine (create_all): such a file keeps its rows, which belong to the kiosk running the
upgrade, and gains the `kiosk_id` column.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.store.migrations.kiosk_rows import add_kiosk_id

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("desk_issuance"):
        add_kiosk_id("desk_issuance")
        return
    op.create_table(
        "desk_issuance",
        sa.Column("cert_id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("renewal_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("token_label", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("new_serial", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_desk_issuance_kiosk_id", "desk_issuance", ["kiosk_id"])
    op.create_index("ix_desk_issuance_renewal_id", "desk_issuance", ["renewal_id"])


def downgrade() -> None:
    raise NotImplementedError("the site store is not downgraded: restore a backup instead")
