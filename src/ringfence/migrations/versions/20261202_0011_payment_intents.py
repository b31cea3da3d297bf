"""payment intents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

An order's payment intent (payment_intents), written with the order before the provider is
called, so that a charge whose outcome was never recorded (a database restart, a killed
worker) is found again and settled or refunded. Orders placed before this have none: they are
settled already, or are cancelled when their reservation runs out, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_intents",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("payment_ref", sa.String(length=100), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_intents_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_payment_intents")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_intents_reference")),
    )
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_intents_state_created_at", ["state", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_intents_state_created_at")

    op.drop_table("payment_intents")
