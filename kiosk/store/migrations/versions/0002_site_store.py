"""A site of kiosks in one database: the kiosk id in every row, the audit trail as a hash
chain per kiosk, settings site-wide or per kiosk, the outbox of a kiosk whose site store
is away, the fleet heartbeat.

Rows already there belong to the kiosk running the upgrade (`kiosk_id` attribute of the
Alembic config; '' when none is given, as on a new site database). Their audit entries
are chained in their order of writing; settings already stored become site-wide values
of this database, which for a kiosk's own file means its own.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kiosk.store.chain import CONTENT, GENESIS, entry_hash
from kiosk.store.migrations.kiosk_rows import add_kiosk_id, upgrading_kiosk

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kiosk_id = upgrading_kiosk()
    bind = op.get_bind()

    add_kiosk_id("renewal_journal")

    with op.batch_alter_table("audit_trail") as b:
        b.add_column(sa.Column("kiosk_id", sa.String(64), nullable=False, server_default=""))
        b.add_column(sa.Column("seq", sa.Integer, nullable=True))
        b.add_column(sa.Column("prev_hash", sa.LargeBinary(32), nullable=True))
        b.add_column(sa.Column("hash", sa.LargeBinary(32), nullable=True))
    # Typed: SQLite hands back text unless told a column holds datetimes.
    audit = sa.table(
        "audit_trail",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        *(sa.column(n, sa.String) for n in ("renewal_id", "step", "call", "outcome")),
        *(sa.column(n, sa.String) for n in ("help_code", "request_id", "kiosk_id")),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.LargeBinary),
        sa.column("hash", sa.LargeBinary),
    )
    prev = GENESIS
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        digest = entry_hash(
            kiosk_id=kiosk_id, seq=seq, prev_hash=prev, **{name: row[name] for name in CONTENT}
        )
        bind.execute(
            audit.update()
            .where(audit.c.id == row["id"])
            .values(kiosk_id=kiosk_id, seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    with op.batch_alter_table("audit_trail") as b:
        b.alter_column("seq", existing_type=sa.Integer, nullable=False)
        b.alter_column("prev_hash", existing_type=sa.LargeBinary(32), nullable=False)
        b.alter_column("hash", existing_type=sa.LargeBinary(32), nullable=False)
        b.create_unique_constraint("uq_audit_trail_kiosk_seq", ["kiosk_id", "seq"])

    op.create_table(
        "kiosk_settings_v2",
        sa.Column("kiosk_id", sa.String(64), nullable=False, server_default="*"),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "key", name="pk_kiosk_settings"),
    )
    op.execute(
        "INSERT INTO kiosk_settings_v2 (kiosk_id, key, value)"
        " SELECT '*', key, value FROM kiosk_settings"
    )
    op.drop_table("kiosk_settings")
    op.rename_table("kiosk_settings_v2", "kiosk_settings")

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "kiosk_heartbeat",
        sa.Column("kiosk_id", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(40), nullable=False),
        sa.Column("camera", sa.String(80), nullable=False),
        sa.Column("printer", sa.String(80), nullable=False),
        sa.Column("backend", sa.String(80), nullable=False),
        sa.Column("unprinted_receipts", sa.Integer, nullable=False),
        sa.Column("open_renewals", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the site store is not downgraded: restore a backup instead")
