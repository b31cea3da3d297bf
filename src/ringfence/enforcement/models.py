"""Enforcement tables: cases, evidence, notices and their delivery log, appeals, strikes, saved
views (the hash-chained audit trail is core's: ``core.audit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.auth import models as auth_models  # noqa: F401 - the users table these rows refer to
from ringfence.core.db import Base, utcnow
from ringfence.enforcement.enums import (
    AppealStatus,
    CaseSource,
    CaseStatus,
    CaseSubject,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.registry.models import Timestamped, _enum


class Case(Timestamped, Base):
    """One suspected infringement: a listing (one version of it) or a seller."""

    __tablename__ = "enforcement_cases"
    # Deduplication: one case per listing version on a marketplace (atomic, by constraint).
    __table_args__ = (UniqueConstraint("marketplace_id", "listing_id", "listing_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rights_holder_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    subject: Mapped[CaseSubject] = mapped_column(_enum(CaseSubject))
    source: Mapped[CaseSource] = mapped_column(_enum(CaseSource))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), index=True)
    marketplace_id: Mapped[str] = mapped_column(String(100))
    listing_id: Mapped[str | None] = mapped_column(String(200))
    listing_version: Mapped[str] = mapped_column(String(100))
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(2000))
    marks: Mapped[list[str]]
    territories: Mapped[list[str]]
    category: Mapped[str | None] = mapped_column(String(100))  # the listing's (migration 0012)
    risk: Mapped[float] = mapped_column(Float)
    reach: Mapped[int]
    reporter_id: Mapped[str | None] = mapped_column(String(200), index=True)
    trusted: Mapped[bool]
    decision: Mapped[Decision | None] = mapped_column(_enum(Decision))
    reason_code: Mapped[ReasonCode | None] = mapped_column(_enum(ReasonCode))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    counter_notice_due: Mapped[datetime | None]
    # The analyst working on it: a user of the case's rights holder (migration 0013).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class Comment(Base):
    """A note of the rights holder's team on a case; its @mentions are ``Mention`` rows."""

    __tablename__ = "enforcement_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(200))  # the author's name when written
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mention(Base):
    """A user named with @ in a comment: the comment shows in that user's mentions."""

    __tablename__ = "enforcement_mentions"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Evidence(Base):
    """Findings (spans, image regions), a statement, or an uploaded file (by its sha256)."""

    __tablename__ = "enforcement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_appeals.id"))
    kind: Mapped[str] = mapped_column(String(32))  # findings, file, statement
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    """A message to a marketplace: take the listing down, or put it back."""

    __tablename__ = "enforcement_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), index=True)
    marketplace_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # takedown, reinstate
    status: Mapped[NoticeStatus] = mapped_column(_enum(NoticeStatus), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    # Not delivered before this time: the decision's undo window (migration 0013).
    hold_until: Mapped[datetime | None]


class Delivery(Base):
    """The delivery log: one row per attempt to deliver a notice."""

    __tablename__ = "enforcement_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("enforcement_notices.id"), index=True)
    attempt: Mapped[int]
    at: Mapped[datetime]
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    waited: Mapped[float] = mapped_column(Float)  # backoff before this attempt, seconds


class Appeal(Base):
    """The seller's counter-notice on a takedown, and the rights holder's decision on it."""

    __tablename__ = "enforcement_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), unique=True)
    status: Mapped[AppealStatus] = mapped_column(_enum(AppealStatus), index=True)
    statement: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime]
    decide_by: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reason_code: Mapped[ReasonCode | None] = mapped_column(_enum(ReasonCode))


class Strike(Base):
    """An upheld counterfeit takedown against a seller; strikes follow the seller id."""

    __tablename__ = "enforcement_strikes"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"), unique=True)
    rights_holder_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class SavedView(Base):
    """A user's named search of the console (the canonical query string of its filters), kept
    per user and per the party the user acts for."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "party_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
