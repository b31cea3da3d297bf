"""Edition API bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ringfence.registry.enums import EditionStatus


class EditionStateOut(BaseModel):
    id: str
    name: str
    status: EditionStatus
    ocog: str
    starts_on: date | None
    ends_on: date | None


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: EditionStatus | None = Field(
        default=None, description="The next state (checked); the next one if omitted."
    )


class EventOut(BaseModel):
    kind: str
    actor: str
    at: datetime
    detail: dict[str, Any]


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: str = Field(alias="from", max_length=100)
    target: str = Field(alias="to", max_length=100)
    dry_run: bool = False


class PartOut(BaseModel):
    part: str
    action: Literal["carried", "shared", "not_carried"]
    why: str
    items: list[str]


class HandoverOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source: str = Field(serialization_alias="from")
    target: str = Field(serialization_alias="to")
    dry_run: bool
    parts: list[PartOut]
