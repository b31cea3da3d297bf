"""image bank

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

Official product photos (official_images): PDQ hashes with product, licence and licensee;
reference images of emblems (mark_images).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "official_images",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("product", sa.String(length=500), nullable=False),
        sa.Column("licence_id", sa.String(length=100), nullable=False),
        sa.Column("licensee_id", sa.String(length=100), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("cutout", sa.String(length=64), nullable=True),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licences.id"],
            name=op.f("fk_official_images_licence_id_licences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["licensee_id"], ["parties.id"], name=op.f("fk_official_images_licensee_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_images")),
    )
    with op.batch_alter_table("official_images", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_official_images_licence_id"), ["licence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_official_images_licensee_id"), ["licensee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_official_images_pdq"), ["pdq"], unique=False)
    op.create_table(
        "mark_images",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("mark_id", sa.String(length=100), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mark_id"], ["marks.id"], name=op.f("fk_mark_images_mark_id_marks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark_images")),
    )
    with op.batch_alter_table("mark_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mark_images_mark_id"), ["mark_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mark_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mark_images_mark_id"))
    op.drop_table("mark_images")
    with op.batch_alter_table("official_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_official_images_pdq"))
        batch_op.drop_index(batch_op.f("ix_official_images_licensee_id"))
        batch_op.drop_index(batch_op.f("ix_official_images_licence_id"))
    op.drop_table("official_images")
