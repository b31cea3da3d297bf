"""JSON API of the screening engine: ``POST /v1/screen`` for one listing or up to 1,000."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, NotRequired, Required

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from ringfence.core.errors import Forbidden
from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.screening.engine import Engine, Verdict
from ringfence.screening.interfaces import DirectoryObjectStore, ImageSources
from ringfence.screening.rows import screen_rows
from ringfence.web.bodies import JsonBody
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


@with_config(ConfigDict(extra="ignore"))  # its own, or it takes the request's "forbid"
class _Listing(TypedDict, total=False):
    """``ListingIn`` as a plain dict (no model object per listing): its three required keys,
    any value in each, the others ignored."""

    listing_id: Required[Any]
    seller_id: Required[Any]
    title: Required[Any]
    description: Any
    category: Any
    price: Any
    currency: Any
    ship_to: Any
    listed_at: Any
    image_paths: Any


@with_config(ConfigDict(extra="forbid"))
class _Screen(TypedDict):
    """``ScreenRequest`` as plain dicts and lists."""

    listings: Annotated[list[_Listing], Field(min_length=1, max_length=MAX_BATCH)]
    on: NotRequired[date | None]


SCREEN_BODY = JsonBody(_Screen, ScreenRequest)


@router.post("/screen", include_in_schema=False)
async def screen(
    request: Request, principal: CurrentPrincipal, engine: EngineDep, settings: SettingsDep
) -> Response:
    """The route that answers ``POST /v1/screen`` (``screen_documented`` below describes it in
    the OpenAPI document). The body is validated from its bytes in one pass into plain dicts
    (web/bodies.py) and the listings are screened on the event loop: a batch of 100 clean
    titles is well under a millisecond of CPU, less than a hop to a worker thread and back
    costs. Listings with images (files, the object store) are screened in a worker thread."""
    body = await SCREEN_BODY.read(request)  # a bad body is 422 before a role is 403, as before
    if principal.role not in SCREENERS:
        raise Forbidden(
            f"the {principal.role.value} role may not screen", code=ErrorCode.FORBIDDEN_ROLE
        )
    rows, today = body["listings"], body.get("on")
    if any(row.get("image_paths") for row in rows):
        return await run_in_threadpool(_screen, engine, settings, rows, today)
    return _screen(engine, settings, rows, today)


@router.post(
    "/screen",
    response_model=ScreenResponse,
    summary="Screen",
    operation_id="screen_v1_screen_post",  # as when it was the one route
)
def screen_documented(
    principal: CurrentPrincipal, engine: EngineDep, settings: SettingsDep, body: ScreenRequest
) -> Response:  # pragma: no cover - never reached: ``screen`` above answers the same path
    """Screen listings for unlicensed use of Olympic properties (marketplaces, rights holders).

    The listings go through the engine's batch path together (``screening.rows``); the answer
    is written straight to JSON in ``ScreenResponse``'s shape (a test holds the two equal), as
    building a model per listing cost more than screening it."""
    # The OpenAPI description of POST /v1/screen (its request and response models), with the
    # same answer as ``screen`` by FastAPI's own body parsing. Routes are tried in order, so
    # requests reach ``screen``, registered first (a test holds it so).
    if principal.role not in SCREENERS:
        raise Forbidden(
            f"the {principal.role.value} role may not screen", code=ErrorCode.FORBIDDEN_ROLE
        )
    rows = [vars(item) for item in body.listings]  # the fields' values (extra="ignore")
    return _screen(engine, settings, rows, body.on)


def _screen(
    engine: Engine, settings: Settings, rows: list[dict[str, Any]], today: date | None
) -> Response:
    verdicts = screen_rows(engine, rows, today=today, sources=image_sources(settings))
    answer = {"registry_version": engine.version, "results": [_result(v) for v in verdicts]}
    return Response(_json(answer), media_type="application/json")


def _json(value: Any) -> bytes:
    """The answer's JSON: orjson's when the extra ringfence[fastjson] is there (the same text,
    about 4 times faster), else the stdlib's."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value)
        except _orjson.JSONEncodeError:  # a lone surrogate in an id: written as its escape
            return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


_FINDING_DEFAULTS = tuple((name, field.default) for name, field in FindingOut.model_fields.items())


def _result(verdict: Verdict) -> dict[str, Any]:
    """One verdict as ``VerdictOut`` writes it (every finding with all of its fields)."""
    if not (verdict.marks or verdict.reasons or verdict.evidence):  # most: clean, nothing else
        return {
            "listing_id": verdict.listing_id,
            "verdict": verdict.verdict,
            "risk": verdict.risk,
            "marks": [],
            "reasons": [],
            "evidence": [],
        }
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
