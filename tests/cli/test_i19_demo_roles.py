"""Issue 19, newcomers: the demo has work for every role (an OCOG analyst and an NOC analyst
with cases of their own, the licensee's key and web user for the same licensee), and running
it again leaves one set of valid API keys, the last one printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.auth.models import ApiKey, User
from ringfence.auth.service import authenticate, principals
from ringfence.core.db import make_engine
from ringfence.core.errors import Unauthenticated
from ringfence.core.security import Principal, Role
from ringfence.demo import DEMO_KEYS, DEMO_USERS
from ringfence.enforcement.service import list_cases
from tests.cli.conftest import Cli

KEY = re.compile(r"^demo key, (\w+) for (\S+): KEY=(\S+)", re.MULTILINE)


def _session(cli: Cli, tmp_path: Path) -> Session:
    return sessionmaker(bind=make_engine(f"sqlite:///{tmp_path / 'cli.db'}"))()


def _valid(session: Session, key: str) -> bool:
    principals.clear()  # the key cache would answer a key revoked in another process for 5 s
    try:
        authenticate(session, key)
    except Unauthenticated:
        return False
    return True


def test_i19_two_demo_runs_leave_one_set_of_valid_keys(cli: Cli, tmp_path: Path) -> None:
    code, first, _ = cli("demo", "--no-serve")
    assert code == 0
    code, second, _ = cli("demo", "--no-serve")
    assert code == 0
    assert "0 demo cases opened" in second  # and no duplicate cases
    old, new = KEY.findall(first), KEY.findall(second)
    assert [(r, p) for r, p, _ in old] == [(r, p) for r, p, _ in new]
    assert len(new) == len(DEMO_KEYS) == 4
    assert "(revoked 1 earlier)" in second
    session = _session(cli, tmp_path)
    with session:
        assert [_valid(session, key) for _, _, key in old] == [False] * 4
        assert [_valid(session, key) for _, _, key in new] == [True] * 4
        live = session.scalars(select(ApiKey).where(ApiKey.revoked_at.is_(None))).all()
        assert len(live) == 4  # nothing else minted on the way
    # a key someone made by hand for a demo party is not the demo's to revoke
    code, _, _ = cli("keys", "create", "--party", "IOC", "--role", "admin", "--name", "mine")
    assert code == 0
    assert cli("demo", "--no-serve")[0] == 0
    with _session(cli, tmp_path) as session:
        names = sorted(session.scalars(select(ApiKey.name).where(ApiKey.revoked_at.is_(None))))
    assert names == [
        "demo admin",
        "demo licensee",
        "demo marketplace",
        "demo rights_holder",
        "mine",
    ]


ANALYSTS = (
    ("analyst@ned.example", "NOC:NED"),  # an NOC, with cases of its own
    ("analyst@la28.example", "OCOG:la28"),  # an organising committee with work to do
    ("analyst@ioc.example", "IOC"),
)


def test_i19_every_role_of_the_demo_has_its_data(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("demo", "--no-serve")
    assert code == 0
    assert "8 demo cases opened" in out
    # the licensee's API key and web user act for the same licensee
    licensee_keys = {party for role, party, _ in KEY.findall(out) if role == "licensee"}
    licensee_users = {party for _, _, party, role in DEMO_USERS if role is Role.licensee}
    assert licensee_keys == licensee_users == {"LIC:heritage-apparel"}
    assert "licensee@heritage.example / ringfence-demo" in out
    # every analyst, of the IOC, of an NOC and of an organising committee, has a queue
    with _session(cli, tmp_path) as session:
        for email, party in ANALYSTS:
            assert f"{email} / ringfence-demo" in out
            user = session.scalars(select(User).where(User.email == email)).one()
            assert (user.party_id, user.role) == (party, Role.rights_holder)
            principal = Principal(user.role, party_id=party)
            queue = list_cases(session, principal=principal, queue=True)
            assert len(queue) >= 2, email
            assert {case.rights_holder for case in queue} == {party}


# The top-level modules of every extra and of the test tools: `make demo`'s .venv-demo has the
# base package's dependencies only (Makefile, DEMO_EXTRAS), so the demo must import none. (Not
# numpy: pyarrow imports it when it is there, and runs without it, as in .venv-demo.)
NOT_IN_THE_DEMO = {
    "PIL", "pdqhash", "cv2", "ray", "aiohttp", "pyspark", "deltalake", "sklearn", "torch",
    "nats", "orjson", "maxminddb", "moto", "skimage", "playwright", "pytest", "hypothesis",
    "schemathesis",
}  # fmt: skip

IMPORTS = """
import json, sys
from ringfence.cli.main import app
try:
    app(["demo", "--no-serve"], standalone_mode=False)
finally:
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def test_i19_the_demo_imports_nothing_outside_the_base_package(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = os.environ | {"RINGFENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-c", IMPORTS], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    imported = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "ringfence" in imported
    assert imported & NOT_IN_THE_DEMO == set()
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "\nDEMO_EXTRAS ?=\n" in makefile  # no extra by default


CODE = re.compile(r"an authenticity code \(.*\): (\S+)$", re.MULTILINE)
# The demo's rows: a re-run adds none of them (API keys are re-minted on purpose, above).
TABLES = (
    "code_batches",
    "code_units",
    "signing_keys",
    "products",
    "storefronts",
    "offers",
    "users",
    "enforcement_cases",
    "enforcement_evidence",
    "enforcement_notices",
)


def _counts(tmp_path: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.db") as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608 - fixed names


def test_i19_demo_reruns_print_the_same_code_and_add_no_rows(cli: Cli, tmp_path: Path) -> None:
    code, first, _ = cli("demo", "--no-serve")
    assert code == 0
    before = _counts(tmp_path)
    assert before["code_units"] == 3
    assert before["enforcement_evidence"] > 0
    code, second, _ = cli("demo", "--no-serve")
    assert code == 0
    assert CODE.findall(first) == CODE.findall(second) != []  # the same signed code
    assert _counts(tmp_path) == before
    # the demo case carries the marketplace's screenshot, stored once under its hash
    with _session(cli, tmp_path) as session:
        from ringfence.enforcement.models import Case, Evidence

        case = session.scalars(select(Case).where(Case.listing_id == "tm-1001")).one()
        files = session.scalars(
            select(Evidence).where(Evidence.case_id == case.id, Evidence.kind == "file")
        ).all()
        assert [(f.content_type, f.filename) for f in files] == [
            ("image/png", "tm-1001-listing.png")
        ]
        assert files[0].sha256 is not None
        assert (tmp_path / "evidence" / files[0].sha256).read_bytes().startswith(b"\x89PNG")
