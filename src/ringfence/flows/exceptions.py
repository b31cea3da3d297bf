"""The preview of an exception made from a case: enforcement re-screens the listing verdicts
that the streaming domain kept."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from ringfence.core.security import Principal
from ringfence.enforcement import service
from ringfence.enforcement.schemas import ExceptionPreviewIn, ExceptionPreviewOut
from ringfence.streaming.service import kept_verdicts


def preview_exception(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    data: ExceptionPreviewIn,
    now: datetime | None = None,
) -> ExceptionPreviewOut:
    """``enforcement.service.preview_exception`` over the kept verdicts."""
    return service.preview_exception(
        session,
        principal=principal,
        case_id=case_id,
        data=data,
        kept=partial(kept_verdicts, session),
        now=now,
    )
