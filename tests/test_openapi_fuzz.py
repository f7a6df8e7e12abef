"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis, through the WSGI app).

Every operation in /api/v1/schema/ is called with generated inputs, as each signed-in role (actor,
studio, auditor, admin), and must never answer a 5xx; responses are checked against the schema's
status codes and bodies where the schema describes them. CI runs FUZZ_EXAMPLES=5 examples per
operation and role; `make fuzz` (FUZZ_EXAMPLES=200) runs the long version.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from tests.factories import make_actor, make_admin, make_auditor, make_studio

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
ROLES = {"actor": make_actor, "studio": make_studio, "auditor": make_auditor, "admin": make_admin}

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """Like Django's test client: a request's end must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=sorted(ROLES))
def token(request: pytest.FixtureRequest, db: None, wsgi_in_test_transaction: None) -> str:
    cache.clear()
    return str(ROLES[request.param]().token)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_no_operation_answers_a_server_error_for_any_role(case: Any, token: str) -> None:
    cache.clear()  # the rate limits are not under test here
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
