"""A licensed product with codes to verify: Heritage Apparel's rings T-shirt, licensed by the
IOC (demo licence IOC-2026-0001: rings and OLYMPIC on apparel, 2025-2028)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from ringfence.authenticity import service
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.codes import UnitCode
from ringfence.core.security import SYSTEM
from ringfence.demo import demo_product
from ringfence.registry.service import compile_index

SECRET = "test-secret-for-signing-keys"
GTIN = "05901234123457"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIMITS = Thresholds()


@pytest.fixture
def product(session: Session) -> str:
    return demo_product(session, GTIN)


Issue = Callable[..., service.IssuedBatch]


@pytest.fixture
def issue(session: Session, product: str) -> Issue:
    def _issue(count: int = 3, lot: str | None = None) -> service.IssuedBatch:
        return service.issue_batch(
            session,
            principal=SYSTEM,
            index=compile_index(session),
            secret=SECRET,
            gtin=product,
            count=count,
            lot=lot,
        )

    return _issue


Verify = Callable[..., service.Verification]


@pytest.fixture
def check(session: Session) -> Verify:
    """Verify one code as a scan from ``country``/``device`` at ``at``."""

    def _check(
        code: UnitCode,
        country: str | None = None,
        device: str | None = None,
        at: datetime = NOW,
        limits: Thresholds = LIMITS,
    ) -> service.Verification:
        (result,) = service.verify(
            session,
            requests=[service.ScanRequest(code, country, None, device)],
            limits=limits,
            now=at,
        )
        return result

    return _check
