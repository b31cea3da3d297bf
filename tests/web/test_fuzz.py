"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema (schemathesis), with
a key of each role and without one: whatever a client sends, the answer is never a server
error, and its status code, content type and body are the ones the schema documents (the
error model of docs/api.md, "Errors", for every 4xx)."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ringfence.core.security import Role
from tests.conftest import Keys

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation and role: about 85 x 5 x 4 calls, a few minutes in CI


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()


def test_h18_fuzz_every_role_gets_documented_answers(client: TestClient, keys: Keys) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    callers = {
        "anonymous": dict[str, str](),
        "admin": keys("IOC", Role.admin),
        "rights_holder": keys("NOC:NED", Role.rights_holder),
        "licensee": keys("LIC:heritage-apparel", Role.licensee),
        "marketplace": keys("MKT:tmall", Role.marketplace),
    }
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in callers.items():
            _fuzz(operation, headers)
            tested.append((operation.label, role))
    assert len(tested) >= 20 * len(callers)
