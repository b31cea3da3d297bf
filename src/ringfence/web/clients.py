"""Who is calling: the client's address, and what the server derives from it.

One place derives the client address: the connection's peer, or, when that peer is a proxy
named in ``RINGFENCE_TRUSTED_PROXIES``, the address it forwarded (``X-Forwarded-For``, read by
uvicorn's ProxyHeadersMiddleware, installed by the app factory only for those proxies). By
default no proxy is trusted: a forwarded header is ignored, whoever sends it (issue 18, s7).

What a public scan counts toward the clone rules comes from here too, never from the query
string (issue 18, s6): the country from the client address through an offline GeoIP database
(none configured: unknown, which counts toward nothing), the device from the client's network
and the platform family its User-Agent names."""

from __future__ import annotations

import hashlib
import ipaddress
from pathlib import Path
from typing import Any, Protocol

from starlette.requests import Request

from ringfence.core.errors import ConfigurationError
from ringfence.web.error_codes import ErrorCode

UNKNOWN = "unknown"


def client_address(request: Request) -> str:
    """The client's address (after trusted proxies), or "unknown"."""
    return request.client.host if request.client else UNKNOWN


def network_prefix(address: str) -> str | None:
    """The address's /24 (IPv4) or /48 (IPv6): a coarse location, never the full address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


# Platform families, most specific first. A client can send any User-Agent, so a device is the
# pair (network, family): one network can pass for at most len(FAMILIES) + 1 devices, which
# stays within the default RINGFENCE_CLONE_MAX_DEVICES (5).
FAMILIES = (
    ("ios", ("iphone", "ipad", "ipod")),
    ("android", ("android",)),
    ("windows", ("windows",)),
    ("mac", ("macintosh", "mac os")),
)


def platform_family(user_agent: str | None) -> str:
    agent = (user_agent or "").lower()
    for family, needles in FAMILIES:
        if any(needle in agent for needle in needles):
            return family
    return "other"


def device_of(request: Request) -> str | None:
    """A scan's device as the server sees it: a digest of the client's network and platform
    family; None when the client address is unknown."""
    prefix = network_prefix(client_address(request))
    if prefix is None:
        return None
    family = platform_family(request.headers.get("user-agent"))
    return "net:" + hashlib.sha256(f"{prefix}|{family}".encode()).hexdigest()[:16]


class CountryLookup(Protocol):
    def country(self, address: str) -> str | None:
        """ISO 3166-1 alpha-2 of the address, None when unknown."""


class NoCountry:
    """No GeoIP database configured: every country is unknown (and counts toward nothing)."""

    def country(self, address: str) -> str | None:
        return None


class MaxMindCountry:
    """A MaxMind-format database (GeoLite2-Country, DB-IP's country lite), read from disk: no
    request leaves the machine. Needs the ``geoip`` extra (maxminddb)."""

    def __init__(self, path: Path) -> None:
        try:
            import maxminddb
        except ImportError:
            raise ConfigurationError(
                "RINGFENCE_GEOIP_DATABASE needs the geoip extra: pip install 'ringfence[geoip]'",
                code=ErrorCode.GEOIP_UNAVAILABLE,
            ) from None
        try:
            self._reader: Any = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise ConfigurationError(
                f"cannot read the GeoIP database {path}: {exc}", code=ErrorCode.GEOIP_UNREADABLE
            ) from None

    def country(self, address: str) -> str | None:
        try:
            record = self._reader.get(address)
        except ValueError:  # not an IP address
            return None
        code = (record or {}).get("country", {}).get("iso_code")
        return code.upper() if isinstance(code, str) and len(code) == 2 else None


def country_lookup(path: Path | None) -> CountryLookup:
    return NoCountry() if path is None else MaxMindCountry(path)
