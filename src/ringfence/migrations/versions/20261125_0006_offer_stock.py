"""offer stock in a table of its own

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Every checkout updates the stock of what it sells. On the offer's own wide row each update left
a dead kilobyte-sized version behind on PostgreSQL, and reads of a hot offer slowed down with
every sale; the narrow offer_stock row keeps updates cheap and the offer row unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_stock",
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_offer_stock_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_stock_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offer_stock")),
    )
    op.execute("INSERT INTO offer_stock (offer_id, stock) SELECT id, stock FROM offers")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_offers_stock_not_negative"), type_="check")
        batch_op.drop_column("stock")


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE offers SET stock = "
        "(SELECT stock FROM offer_stock WHERE offer_stock.offer_id = offers.id)"
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.alter_column("stock", server_default=None)
        batch_op.create_check_constraint(
            batch_op.f("ck_offers_stock_not_negative"), sa.text("stock >= 0")
        )
    op.drop_table("offer_stock")
