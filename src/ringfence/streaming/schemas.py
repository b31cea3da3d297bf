"""Event formats on the broker: listing events in, verdict events and dead letters out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ListingEvent(BaseModel):
    """A listing created, updated or deleted on a marketplace. ``listing`` holds the fields
    ``ringfence screen`` reads (``seller_id`` and ``title`` required; see docs/screening.md);
    a deletion needs none. (``marketplace``, ``listing_id``, ``version``) names one listing
    version: its first event is screened, every later one finds the verdict already written."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["created", "updated", "deleted"]
    marketplace: str = Field(min_length=1, max_length=100)
    listing_id: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=100)
    listing: dict[str, Any] | None = None
    published_at: float | None = None  # sender's Unix time, echoed in the verdict (latency)

    @property
    def key(self) -> str:
        return f"{self.marketplace}/{self.listing_id}/{self.version}"


class VerdictEvent(BaseModel):
    """What the worker publishes per listing version (at least once; JetStream drops repeats
    within its duplicate window by ``Nats-Msg-Id`` = ``key``)."""

    marketplace: str
    listing_id: str
    version: str
    verdict: str
    risk: float
    marks: list[str]
    reasons: list[str]
    index_version: str
    case_id: int | None = None
    published_at: float | None = None


class DeadLetter(BaseModel):
    """An event the worker could not use, with why: the start of its bytes as text (at most
    DEAD_LETTER_EXCERPT bytes, so that a letter always fits the broker's message limit), and
    the size and SHA-256 of the whole original to find it by."""

    reason: str
    subject: str
    data: str  # the excerpt
    size: int = 0
    sha256: str = ""
    truncated: bool = False


DEAD_LETTER_EXCERPT = 4096  # bytes; a letter stays under ~25 KB however the bytes escape
