"""`ringfence users create` and the demo's web users."""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ringfence.auth.models import User
from ringfence.auth.service import sign_in
from ringfence.core.db import make_engine
from tests.cli.conftest import Cli


def _users(url: str) -> list[User]:
    engine = make_engine(url)
    try:
        with sessionmaker(bind=engine)() as session:
            return list(session.scalars(select(User).order_by(User.email)))
    finally:
        engine.dispose()


def test_users_create_stores_an_argon2_hash_that_signs_in(loaded: Cli) -> None:
    code, out, err = loaded(
        "users", "create", "--email", "A@Example.org", "--party", "NOC:FRA",
        "--role", "rights_holder", "--password", "a long password",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "created user a@example.org (rights_holder for NOC:FRA)" in out
    url = os.environ["RINGFENCE_DATABASE_URL"]
    (user,) = _users(url)
    assert user.password_hash.startswith("$argon2id$")
    engine = make_engine(url)
    with sessionmaker(bind=engine)() as session:
        _, who = sign_in(session, email="a@example.org", password="a long password")
    engine.dispose()
    assert who.principal.party_id == "NOC:FRA"


def test_users_create_refuses_a_role_the_party_cannot_hold_and_short_passwords(
    loaded: Cli,
) -> None:
    code, _, err = loaded(
        "users", "create", "--email", "x@example.org", "--party", "NOC:FRA",
        "--role", "marketplace", "--password", "a long password",
    )  # fmt: skip
    assert code == 2
    assert "a marketplace user must belong to a party of kind marketplace" in err
    code, _, err = loaded(
        "users", "create", "--email", "x@example.org", "--party", "NOC:FRA",
        "--role", "rights_holder", "--password", "short",
    )  # fmt: skip
    assert code == 2
    assert "at least 10 characters" in err


def test_the_demo_prints_a_user_per_role(cli: Cli) -> None:
    code, out, _ = cli("demo", "--no-serve")
    assert code == 0
    for email in ("admin@ioc.example", "analyst@ned.example", "licensee@heritage.example"):
        assert f"{email} / ringfence-demo" in out
    code, out, _ = cli("demo", "--no-serve")  # again, on the same database
    assert code == 0
    assert "0 demo cases opened" in out  # no duplicates
