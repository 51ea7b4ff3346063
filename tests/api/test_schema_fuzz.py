"""Property-based run of schemathesis against the generated OpenAPI schema.

Every operation gets MAX_EXAMPLES generated requests (plus schemathesis'
explicit examples and boundary cases), with a fixed seed so that a failure
replays. Each response must not be a server error and must match the schema:
status code, content type, headers and body.

`make test` runs the bounded default; `make fuzz` sets FUZZ_MAX_EXAMPLES for a
run of thousands of cases. Each records its figures for RELIABILITY.md, as
"fuzz-bounded" and "fuzz" respectively (tests/scoreboard.py).
"""

import json
import os
import time

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from scoreboard import record

BOUNDED = 40
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES") or BOUNDED)
FIGURE = "fuzz-bounded" if MAX_EXAMPLES == BOUNDED else "fuzz"
SEED = 20200113
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema as /api/v1/schema/ serves it, built in-process (no database needed)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(document))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


schema = load_schema()
cases: dict[str, int] = {}
# Failing cases by kind (hypothesis replays a failure while shrinking it, so these
# count attempts, not distinct bugs), and when the first case started.
failed = {"server_errors": 0, "schema_violations": 0}
started: list[float] = []


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go through the real WSGI app, which closes the database connection after each
    one (and with it the test's transaction); Django's test client disconnects that too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.reliability  # the figure comes from the next test, which needs these cases
@pytest.mark.django_db
@schema.parametrize()
@hypothesis.seed(SEED)
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case):
    started[:] = started or [time.monotonic()]
    label = f"{case.method} {case.path}"
    cases[label] = cases.get(label, 0) + 1
    try:
        case.call_and_validate(checks=CHECKS)
    except (Failure, FailureGroup) as exc:
        failed[failure_kind(exc)] += 1
        raise


def failure_kind(exc: Failure | FailureGroup) -> str:
    failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
    if any(isinstance(failure, ServerError) for failure in failures):
        return "server_errors"
    return "schema_violations"


@pytest.mark.reliability
def test_schema_fuzz_exercised_every_operation(record_property, capsys):
    if not cases:
        pytest.skip("run together with test_api_conforms_to_its_schema")
    operations = {f"{op.method.upper()} {op.path}" for op in _operations()}
    total = sum(cases.values())
    seconds = round(time.monotonic() - started[0], 1)
    record_property("schemathesis_cases", total)
    # Besides the documented operations, schemathesis probes undocumented methods (405s).
    documented = sum(cases.get(op, 0) for op in operations)
    with capsys.disabled():
        print(
            f"\nschemathesis ({FIGURE}, {MAX_EXAMPLES} examples per operation): {total} cases, "
            f"{documented} on the {len(operations)} documented operations, {seconds} s; "
            f"failing cases: {failed}"
        )
    assert operations <= set(cases)
    assert failed == {"server_errors": 0, "schema_violations": 0}
    record(
        FIGURE,
        cases=total,
        documented_operation_cases=documented,
        operations=len(operations),
        max_examples=MAX_EXAMPLES,
        seed=SEED,
        seconds=seconds,
        **failed,
    )


def _operations():
    return [result.ok() for result in schema.get_all_operations()]
