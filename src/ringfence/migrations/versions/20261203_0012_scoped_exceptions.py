"""scoped exceptions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

Exceptions made from an enforcement case are scoped and undoable (issue 16): each registry
exception may be limited to a category (mark_exceptions.category; null: every category) and
records who made it, when, and from which case (created_by, created_at, case_id: the case's id
as provenance, not a foreign key, as audit_events.case_id, so an edition's bundle never pulls
in another rights holder's case). A case keeps its listing's category (enforcement_cases.
category), the scope such an exception takes. Rows written before this have none of these:
their exceptions apply in every category, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mark_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_mark_exceptions_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.drop_column("category")
    with op.batch_alter_table("mark_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mark_exceptions_case_id"))
        batch_op.drop_column("case_id")
        batch_op.drop_column("created_at")
        batch_op.drop_column("created_by")
        batch_op.drop_column("category")
