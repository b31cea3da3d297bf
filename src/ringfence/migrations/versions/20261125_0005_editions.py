"""editions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

The edition's history (edition_events): lifecycle transitions, hand-overs and bundle imports.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "edition_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_edition_events_edition_id_editions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edition_events")),
    )
    with op.batch_alter_table("edition_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_edition_events_edition_id"), ["edition_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("edition_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edition_events_edition_id"))
    op.drop_table("edition_events")
