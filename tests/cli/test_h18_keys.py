"""Issue 18 s2 at the command line: `keys create` and `users create` refuse a role for a party
of the wrong kind with one line and exit 2, and print no key."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli


@pytest.mark.parametrize(
    ("party", "role"),
    [("NOC:NED", "licensee"), ("IOC", "licensee"), ("IOC", "marketplace"), ("NOC:NED", "admin")],
)
def test_h18_s2_keys_create_refuses_senseless_role_party_pairs(
    loaded: Cli, party: str, role: str
) -> None:
    code, out, err = loaded("keys", "create", "--party", party, "--role", role)
    assert "rf_" not in out  # no key printed
    assert code == 2
    assert "role_not_allowed" in err or "must belong to a party of kind" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
