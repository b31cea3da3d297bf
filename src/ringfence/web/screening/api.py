"""JSON API of the screening engine: ``POST /v1/screen`` for one listing or up to 1,000."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from ringfence.core.errors import Forbidden
from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.screening.engine import Verdict
from ringfence.screening.interfaces import DirectoryObjectStore, ImageSources
from ringfence.screening.rows import screen_rows
from ringfence.web.deps import CurrentPrincipal, EngineDep, SettingsDep
from ringfence.web.error_codes import ErrorCode

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - without the extra
    _orjson = None  # type: ignore[assignment]

router = APIRouter(prefix="/v1", tags=["screening"])
MAX_BATCH = 1_000
SCREENERS = frozenset({Role.admin, Role.marketplace, Role.rights_holder})


class ListingIn(BaseModel):
    """One marketplace listing. Values are checked per listing: a bad value makes that
    listing's verdict ``error`` (with the reason) and the others are screened as usual."""

    model_config = ConfigDict(extra="ignore")

    listing_id: Any = Field(description="Required, your id of the listing.")
    seller_id: Any = Field(description="Required: the seller's party id in the registry.")
    title: Any = Field(description="Required, at most 2,000 characters.")
    description: Any = None
    category: Any = Field(default=None, description="A category id of the registry taxonomy.")
    price: Any = Field(default=None, description="Price in major units, e.g. 19.99.")
    currency: Any = Field(default=None, description="ISO 4217 code.")
    ship_to: Any = Field(
        default=None, description="ISO 3166-1 alpha-2 codes: a list or a comma-separated text."
    )
    listed_at: Any = Field(default=None, description="Date (YYYY-MM-DD); today if omitted.")
    image_paths: Any = Field(
        default=None,
        description="Up to 20 image references: store://BUCKET/KEY (the configured object "
        "store), or files under the server's RINGFENCE_IMAGE_ROOT.",
    )


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listings: list[ListingIn] = Field(min_length=1, max_length=MAX_BATCH)
    on: date | None = Field(default=None, description="Date for listings without listed_at.")


class FindingOut(BaseModel):
    detector: str
    rule: str
    score: float
    field: str
    text: str
    start: int
    end: int
    mark: str | None = None
    exception: str | None = None
    weak: bool = False
    image: str | None = None
    box: list[int] | None = None
    licence: str | None = None
    evasion: str | None = Field(
        default=None,
        description="The evasion the mention was written with: spaced, multi_letter, leet, "
        "homoglyph, invisible, affix, described, nickname, misspelling.",
    )


class VerdictOut(BaseModel):
    listing_id: str | None
    verdict: str = Field(description="clean, authorized, infringing, review or error")
    risk: float
    marks: list[str]
    reasons: list[str]
    evidence: list[FindingOut]


class ScreenResponse(BaseModel):
    registry_version: str
    results: list[VerdictOut]


@router.post("/screen", response_model=ScreenResponse)
def screen(
    principal: CurrentPrincipal, engine: EngineDep, settings: SettingsDep, body: ScreenRequest
) -> Response:
    """Screen listings for unlicensed use of Olympic properties (marketplaces, rights holders).

    The listings go through the engine's batch path together (``screening.rows``); the answer
    is written straight to JSON in ``ScreenResponse``'s shape (a test holds the two equal), as
    building a model per listing cost more than screening it."""
    if principal.role not in SCREENERS:
        raise Forbidden(
            f"the {principal.role.value} role may not screen", code=ErrorCode.FORBIDDEN_ROLE
        )
    rows = [vars(item) for item in body.listings]  # the fields' values (extra="ignore")
    verdicts = screen_rows(engine, rows, today=body.on, sources=image_sources(settings))
    answer = {"registry_version": engine.version, "results": [_result(v) for v in verdicts]}
    return Response(_json(answer), media_type="application/json")


def _json(value: Any) -> bytes:
    """The answer's JSON: orjson's when the extra ringfence[fastjson] is there (the same text,
    about 4 times faster), else the stdlib's."""
    if _orjson is not None:
        return _orjson.dumps(value)
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


_FINDING_DEFAULTS = tuple((name, field.default) for name, field in FindingOut.model_fields.items())


def _result(verdict: Verdict) -> dict[str, Any]:
    """One verdict as ``VerdictOut`` writes it (every finding with all of its fields)."""
    return {
        "listing_id": verdict.listing_id,
        "verdict": verdict.verdict,
        "risk": verdict.risk,
        "marks": list(verdict.marks),
        "reasons": list(verdict.reasons),
        "evidence": [
            {name: found.get(name, default) for name, default in _FINDING_DEFAULTS}
            for found in (f.as_json() for f in verdict.evidence)
        ],
    }


def image_sources(settings: Settings) -> ImageSources:
    """Where the API may read listing images: never a client-named file of the server, but
    files under ``image_root`` when it is set, and the object store when one is configured."""
    store = DirectoryObjectStore(settings.image_store_dir) if settings.image_store_dir else None
    return ImageSources(
        local=settings.image_root is not None, local_root=settings.image_root, store=store
    )
