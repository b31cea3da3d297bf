"""Clone detection: when the scans of one genuine code stop looking like one physical item.

A counterfeiter who copies a real label prints the same code on many fakes; their buyers scan it
in many places, on many phones, many times. The rules are plain and their thresholds are
settings (``RINGFENCE_CLONE_*``), so a rights holder can say why a code was called suspicious.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ringfence.authenticity.enums import ScanReason

if TYPE_CHECKING:
    from ringfence.core.settings import Settings


@dataclass(frozen=True, slots=True)
class Thresholds:
    window: timedelta = timedelta(hours=24)
    max_countries: int = 3
    max_devices: int = 5
    max_scans: int = 50
    max_countries_after_sale: int = 1

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            window=timedelta(hours=settings.clone_window_hours),
            max_countries=settings.clone_max_countries,
            max_devices=settings.clone_max_devices,
            max_scans=settings.clone_max_scans,
            max_countries_after_sale=settings.clone_max_countries_after_sale,
        )


@dataclass(frozen=True, slots=True)
class ScanFact:
    at: datetime
    country: str | None
    device: str | None


def clone_reason(
    history: Sequence[ScanFact],
    sold_at: datetime | None,
    sold_country: str | None,
    limits: Thresholds,
) -> ScanReason | None:
    """Why the unit's scans (``history``, the current scan included, any order) look cloned,
    or None. The first rule that trips is the reason, in the order of the checks below."""
    if len(history) > limits.max_scans:
        return ScanReason.too_many_scans
    latest = max(s.at for s in history)
    recent = [s for s in history if s.at > latest - limits.window]
    if len({s.country for s in recent if s.country}) > limits.max_countries:
        return ScanReason.many_countries
    if len({s.device for s in recent if s.device}) > limits.max_devices:
        return ScanReason.many_devices
    if sold_at is not None and sold_country is not None:
        elsewhere = {
            s.country
            for s in history
            if s.at >= sold_at and s.country and s.country != sold_country
        }
        if len(elsewhere) > limits.max_countries_after_sale:
            return ScanReason.scanned_away_from_sale
    return None
