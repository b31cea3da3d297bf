"""The client address (issue 18, s7): a forwarded address is believed only from the proxies
named in RINGFENCE_TRUSTED_PROXIES (none by default), so a client cannot spread its requests
over made-up addresses to escape the rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.errors import ConfigurationError
from ringfence.core.settings import Settings, load_settings
from ringfence.web.app import create_app
from ringfence.web.clients import country_lookup, network_prefix, platform_family

VERIFY = "/v/01/05901234123457/21/NOSUCHSERIAL"
BURST = 20  # RINGFENCE_VERIFY_BURST's default


def _statuses(client: TestClient, n: int) -> list[int]:
    return [
        client.get(VERIFY, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(n)
    ]


def _client(settings: Settings, factory: sessionmaker[Session], peer: str) -> TestClient:
    # Next to no refill: the burst is all a client gets, however slowly the test runs.
    slow = settings.model_copy(update={"verify_rate_per_minute": 0.001})
    return TestClient(create_app(slow, session_factory=factory), client=(peer, 50000))


def test_h18_s7_forwarded_for_is_ignored_by_default(
    app_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """Even from localhost (uvicorn's default trusted proxy), made-up addresses are ignored."""
    with _client(app_settings, session_factory, "127.0.0.1") as client:
        statuses = _statuses(client, BURST + 5)
    assert statuses[:BURST] == [200] * BURST
    assert set(statuses[BURST:]) == {429}


def test_h18_s7_forwarded_for_is_believed_from_a_named_proxy_only(
    app_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    settings = app_settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    with _client(settings, session_factory, "10.1.2.3") as proxy:
        assert _statuses(proxy, BURST + 5) == [200] * (BURST + 5)  # one client each
    with _client(settings, session_factory, "192.0.2.9") as stranger:
        assert set(_statuses(stranger, BURST + 5)[BURST:]) == {429}


def test_h18_s7_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert load_settings(trusted_proxies=["10.0.0.1", "fd00::/8"]).trusted_proxies
    with pytest.raises(ConfigurationError, match="RINGFENCE_TRUSTED_PROXIES"):
        load_settings(trusted_proxies=["proxy.example"])


@pytest.mark.parametrize(
    ("address", "prefix"),
    [("192.0.2.200", "192.0.2.0/24"), ("2001:db8:1:2::5", "2001:db8:1::/48"), ("x", None)],
)
def test_network_prefix(address: str, prefix: str | None) -> None:
    assert network_prefix(address) == prefix


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "ios"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8)", "android"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)", "mac"),
        ("curl/8.5.0", "other"),
        (None, "other"),
    ],
)
def test_platform_family(agent: str | None, family: str) -> None:
    assert platform_family(agent) == family


def test_h18_s6_country_from_a_real_maxmind_database(tmp_path: Path) -> None:
    """The geoip extra end to end: a MaxMind-format file written here (mmdb-writer) is read by
    maxminddb; an address outside its networks, or no address at all, has no country."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "fr"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"country": {"iso_code": "NL"}})
    path = tmp_path / "countries.mmdb"
    writer.to_db_file(str(path))
    lookup = country_lookup(path)
    assert lookup.country("203.0.113.7") == "FR"
    assert lookup.country("2001:db8::1") == "NL"
    assert lookup.country("198.51.100.1") is None
    assert lookup.country("not an address") is None


def test_h18_s6_an_unreadable_geoip_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.mmdb"
    path.write_bytes(b"not a MaxMind database")
    with pytest.raises(ConfigurationError) as caught:
        country_lookup(path)
    assert caught.value.code == "geoip_unreadable"
