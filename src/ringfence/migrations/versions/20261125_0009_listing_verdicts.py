"""listing verdicts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

The streaming worker's verdicts (listing_verdicts): one row per listing version on a
marketplace, by a unique constraint, so redelivered events write nothing twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.String(length=100), nullable=False),
        sa.Column("listing_id", sa.String(length=200), nullable=False),
        sa.Column("listing_version", sa.String(length=100), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("index_version", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("screened_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_cases.id"],
            name=op.f("fk_listing_verdicts_case_id_enforcement_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_verdicts")),
        sa.UniqueConstraint(
            "marketplace_id",
            "listing_id",
            "listing_version",
            name=op.f("uq_listing_verdicts_marketplace_id"),
        ),
    )
    with op.batch_alter_table("listing_verdicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_verdicts_seller_id"), ["seller_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("listing_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_verdicts_seller_id"))

    op.drop_table("listing_verdicts")
