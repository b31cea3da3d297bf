"""image features

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25

The second stage of official image reuse: each official photo's feature record (ORB keypoints,
a thumbnail and its subject's outline, screening/detectors/photo_match.py). Photos added
before this have none and are matched by PDQ alone until they are added again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("official_images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("features", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("official_images", schema=None) as batch_op:
        batch_op.drop_column("features")
