"""enforcement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Cases, evidence, notices and their delivery log, appeals, strikes, and the hash-chained audit
trail (audit_events, audit_heads).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ringfence.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rights_holder_id", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint(
            "rights_holder_id", "seq", name=op.f("uq_audit_events_rights_holder_id")
        ),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_rights_holder_id"), ["rights_holder_id"], unique=False
        )

    op.create_table(
        "audit_heads",
        sa.Column("rights_holder_id", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("rights_holder_id", name=op.f("pk_audit_heads")),
    )
    op.create_table(
        "enforcement_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rights_holder_id", sa.String(length=100), nullable=False),
        sa.Column(
            "subject",
            sa.Enum("listing", "seller", name="casesubject", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "screening",
                "buyer_report",
                "authenticity_scan",
                "rights_holder_report",
                "repeat_infringer",
                name="casesource",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "escalated",
                "takedown_requested",
                "taken_down",
                "appealed",
                "closed_taken_down",
                "reinstated",
                "dismissed",
                "licensed",
                name="casestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("marketplace_id", sa.String(length=100), nullable=False),
        sa.Column("listing_id", sa.String(length=200), nullable=True),
        sa.Column("listing_version", sa.String(length=100), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=2000), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("territories", sa.JSON(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.String(length=200), nullable=True),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "takedown",
                "dismiss",
                "licensed",
                "escalate",
                name="decision",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "reason_code",
            sa.Enum(
                "counterfeit",
                "unlicensed_use",
                "ambush_marketing",
                "repeat_infringer",
                "legitimate_use",
                "exception_applies",
                "insufficient_evidence",
                "false_positive",
                "licence_in_force",
                "legal_review",
                "high_reach",
                "repeat_seller",
                "licence_shown",
                "misidentified",
                "counter_notice_unsupported",
                "evidence_confirms_infringement",
                "decision_deadline_passed",
                "seller_withdrew",
                name="reasoncode",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "counter_notice_due", ringfence.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rights_holder_id"],
            ["parties.id"],
            name=op.f("fk_enforcement_cases_rights_holder_id_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_cases")),
        sa.UniqueConstraint(
            "marketplace_id",
            "listing_id",
            "listing_version",
            name=op.f("uq_enforcement_cases_marketplace_id"),
        ),
    )
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_cases_reporter_id"), ["reporter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_cases_rights_holder_id"), ["rights_holder_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_cases_seller_id"), ["seller_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_cases_status"), ["status"], unique=False)

    op.create_table(
        "enforcement_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "filed",
                "upheld",
                "rejected",
                "withdrawn",
                name="appealstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decide_by", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column(
            "reason_code",
            sa.Enum(
                "counterfeit",
                "unlicensed_use",
                "ambush_marketing",
                "repeat_infringer",
                "legitimate_use",
                "exception_applies",
                "insufficient_evidence",
                "false_positive",
                "licence_in_force",
                "legal_review",
                "high_reach",
                "repeat_seller",
                "licence_shown",
                "misidentified",
                "counter_notice_unsupported",
                "evidence_confirms_infringement",
                "decision_deadline_passed",
                "seller_withdrew",
                name="reasoncode",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_cases.id"],
            name=op.f("fk_enforcement_appeals_case_id_enforcement_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_appeals")),
        sa.UniqueConstraint("case_id", name=op.f("uq_enforcement_appeals_case_id")),
    )
    with op.batch_alter_table("enforcement_appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enforcement_appeals_status"), ["status"], unique=False)

    op.create_table(
        "enforcement_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "confirmed",
                "retracted",
                name="noticestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_cases.id"],
            name=op.f("fk_enforcement_notices_case_id_enforcement_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_notices")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_enforcement_notices_idempotency_key")),
    )
    with op.batch_alter_table("enforcement_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_notices_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_notices_status"), ["status"], unique=False)

    op.create_table(
        "enforcement_strikes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rights_holder_id", sa.String(length=100), nullable=False),
        sa.Column("at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_cases.id"],
            name=op.f("fk_enforcement_strikes_case_id_enforcement_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_strikes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_enforcement_strikes_case_id")),
    )
    with op.batch_alter_table("enforcement_strikes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_strikes_seller_id"), ["seller_id"], unique=False
        )

    op.create_table(
        "enforcement_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("waited", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["enforcement_notices.id"],
            name=op.f("fk_enforcement_deliveries_notice_id_enforcement_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_deliveries")),
    )
    with op.batch_alter_table("enforcement_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_deliveries_notice_id"), ["notice_id"], unique=False
        )

    op.create_table(
        "enforcement_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", ringfence.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["enforcement_appeals.id"],
            name=op.f("fk_enforcement_evidence_appeal_id_enforcement_appeals"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_cases.id"],
            name=op.f("fk_enforcement_evidence_case_id_enforcement_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_evidence")),
    )
    with op.batch_alter_table("enforcement_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_evidence_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enforcement_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_evidence_case_id"))

    op.drop_table("enforcement_evidence")
    with op.batch_alter_table("enforcement_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_deliveries_notice_id"))

    op.drop_table("enforcement_deliveries")
    with op.batch_alter_table("enforcement_strikes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_strikes_seller_id"))

    op.drop_table("enforcement_strikes")
    with op.batch_alter_table("enforcement_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_notices_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_notices_case_id"))

    op.drop_table("enforcement_notices")
    with op.batch_alter_table("enforcement_appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_appeals_status"))

    op.drop_table("enforcement_appeals")
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_cases_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_cases_seller_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_cases_rights_holder_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_cases_reporter_id"))

    op.drop_table("enforcement_cases")
    op.drop_table("audit_heads")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_rights_holder_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_case_id"))

    op.drop_table("audit_events")
