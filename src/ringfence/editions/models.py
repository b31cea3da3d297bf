"""The edition's own history: lifecycle transitions, hand-overs and bundle imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.core.db import Base, utcnow
from ringfence.registry import models as registry_models  # noqa: F401 - the editions table


class EditionEvent(Base):
    """One thing that happened to an edition: ``transition`` (detail: from, to), ``handover``
    (detail: to or from, what was carried) or ``imported`` (detail: the bundle's manifest
    digest)."""

    __tablename__ = "edition_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[str] = mapped_column(ForeignKey("editions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
