"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema (schemathesis):
whatever a client sends, with or without a valid key, the answer is never a server error."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from ringfence.core.security import Role
from tests.conftest import Keys


def test_no_request_makes_a_server_error(client: TestClient, keys: Keys) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    admin = keys("IOC", Role.admin)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=admin, checks=[not_a_server_error])

        fuzz()
        tested.append(operation.label)
    assert len(tested) >= 20
