"""Notices leave after the decision that queued them is durable: a decision is committed
first, then its notices are delivered to the marketplace (an outside call, which can take
seconds and fail), and the deliveries are recorded by the caller's unit of work. A notice never
goes out for a decision that was rolled back; a failed delivery is retried by
``ringfence notices dispatch``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.interfaces import NoticeConnector


def deliver_after_commit(
    session: Session,
    *,
    connector: NoticeConnector,
    settings: Settings,
    case_ids: Iterable[int],
) -> None:
    """Commit the session's decision (this flow's commit point, before the outside call),
    then deliver the notices of ``case_ids``."""
    session.commit()
    for case_id in case_ids:
        service.dispatch_notices(session, connector=connector, settings=settings, case_id=case_id)
