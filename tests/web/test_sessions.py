"""Web sessions in the service: expiry, clean-up, disabled users."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.auth.models import WebSession
from ringfence.auth.service import SESSION_DAYS, create_user, session_user, sign_in
from ringfence.core.db import utcnow
from ringfence.core.security import Role


def test_sessions_expire_and_expired_ones_are_cleared(session: Session) -> None:
    user = create_user(
        session, email="s@example.org", name="S", party_id="IOC", role=Role.admin,
        password="long enough password",
    )  # fmt: skip
    start = utcnow()
    token, who = sign_in(
        session, email="S@example.org ", password="long enough password", now=start
    )
    assert who.principal.party_id == "IOC"
    assert session_user(session, token, now=start + timedelta(days=SESSION_DAYS - 1)) is not None
    later = start + timedelta(days=SESSION_DAYS + 1)
    assert session_user(session, token, now=later) is None
    sign_in(session, email="s@example.org", password="long enough password", now=later)
    count = session.scalar(select(func.count()).where(WebSession.user_id == user.id))
    assert count == 1  # the expired one went
    user.disabled_at = later
    session.flush()
    assert session_user(session, token, now=start) is None
