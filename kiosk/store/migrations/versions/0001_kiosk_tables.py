"""The tables as kiosks wrote them before migrations (SQLAlchemy create_all): made where
missing, and an older file brought to that shape (columns added since, `facts` dropped), so
an existing journal adopts the migrations with its open renewals intact.

Revision ID: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Nullable columns added after the first kiosks wrote their files.
_JOURNAL_ADDED: dict[str, Any] = {
    "submit_key": sa.String(80),
    "activation_key": sa.String(80),
    "signature_id": sa.String(80),
    "job_id": sa.String(80),
    "sign_key": sa.String(80),
    "submitted_at": sa.DateTime(),
}


def upgrade() -> None:
    bind = op.get_bind()
    tables = set(sa.inspect(bind).get_table_names())
    if "renewal_journal" not in tables:
        op.create_table(
            "renewal_journal",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("holder_id", sa.String(64), nullable=False),
            sa.Column("renewal_id", sa.String(64), nullable=False),
            sa.Column("step", sa.String(64), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("cert_ids", sa.Text, nullable=False),
            sa.Column("activation_cert_ids", sa.Text, nullable=False),
            *(sa.Column(name, kind, nullable=True) for name, kind in _JOURNAL_ADDED.items()),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )
        for col in ("holder_id", "renewal_id", "state"):
            op.create_index(f"ix_renewal_journal_{col}", "renewal_journal", [col])
    else:
        have = {c["name"] for c in sa.inspect(bind).get_columns("renewal_journal")}
        if "facts" in have:
            # NOT NULL without a default in old files: inserts would fail while it exists.
            op.execute('ALTER TABLE renewal_journal DROP COLUMN "facts"')
        for name, kind in _JOURNAL_ADDED.items():
            if name not in have:
                op.add_column("renewal_journal", sa.Column(name, kind, nullable=True))
    if "audit_trail" not in tables:
        op.create_table(
            "audit_trail",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("renewal_id", sa.String(64), nullable=True),
            sa.Column("step", sa.String(64), nullable=False),
            sa.Column("call", sa.String(64), nullable=False),
            sa.Column("outcome", sa.String(32), nullable=False),
            sa.Column("help_code", sa.String(16), nullable=True),
            sa.Column("request_id", sa.String(80), nullable=True),
        )
        op.create_index("ix_audit_trail_renewal_id", "audit_trail", ["renewal_id"])
    if "kiosk_settings" not in tables:
        op.create_table(
            "kiosk_settings",
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("kiosk_settings")
    op.drop_table("audit_trail")
    op.drop_table("renewal_journal")
