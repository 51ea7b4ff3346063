"""Property-based run of schemathesis against the generated OpenAPI schema, every check on.

Every operation gets MAX_EXAMPLES generated requests in the fuzzing phase, plus the
explicit examples and the coverage phase's boundary and invalid values, with a fixed
seed so that a failure replays; generated strings may hold NUL characters. The
stateful phase then follows the links between operations. Every check runs: no
server error; status code, content type, headers and body as the schema declares;
schema-valid requests accepted (positive data acceptance) and schema-invalid ones
rejected (negative data rejection).

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
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup, ServerError

from libya.desk.models import DeskAPIKey
from tests.factories import UserFactory
from tests.scoreboard import record

BOUNDED = 40
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES") or BOUNDED)
FIGURE = "fuzz-bounded" if MAX_EXAMPLES == BOUNDED else "fuzz"
SEED = 20200113
ACCEPTED_WRITE = ["2xx", "400", "401", "403", "404", "409", "412", "422", "428"]
REJECTED_WRITE = ["400", "401", "403", "404", "406", "412", "413", "415", "422", "428"]
MISSING_IF_MATCH = ["400", "401", "403", "406", "415", "422", "428"]
CONFIG = {
    "seed": SEED,
    "checks": {"enabled": True},
    "generation": {"mode": "all", "allow-x00": True},
    "phases": {name: {"enabled": True} for name in ("examples", "coverage", "fuzzing", "stateful")},
    # A schema-valid write may still be refused by what no schema states: a slug that
    # names no record (400), a span beyond the article's body (400), a stale or made-up
    # If-Match (412), a reused Idempotency-Key (422). A change without If-Match is
    # answered 428 (RFC 6585), and the precondition is checked before the body, so an
    # invalid body with a made-up If-Match gets 412. Reads keep the default statuses.
    "operations": [
        {
            "include-method": ["POST", "PATCH", "DELETE"],
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_WRITE},
                "negative_data_rejection": {"expected-statuses": REJECTED_WRITE},
                "missing_required_header": {"expected-statuses": MISSING_IF_MATCH},
            },
        }
    ],
}


def load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema as /api/v1/schema/ serves it, built in-process (no database needed)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(document))
    schema = schemathesis.openapi.from_dict(raw, config=SchemathesisConfig.from_dict(CONFIG))
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


@pytest.fixture
def editor_headers(db) -> dict[str, str]:
    """Writes go through as an Editor's API key, so that they reach the database."""
    _, key = DeskAPIKey.objects.create_key(user=UserFactory(editor=True), name="fuzz")
    return {"Authorization": f"Api-Key {key}"}


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
def test_api_conforms_to_its_schema(case, editor_headers):
    started[:] = started or [time.monotonic()]
    label = f"{case.method} {case.path}"
    cases[label] = cases.get(label, 0) + 1
    try:
        case.call_and_validate(headers=editor_headers)
    except (Failure, FailureGroup) as exc:
        failed[failure_kind(exc)] += 1
        raise


@pytest.mark.django_db
def test_api_links_hold_in_the_stateful_phase(editor_headers):
    """Sequences of calls along the links: slugs of lists into details, and each POST's
    new record into its GET, PATCH (If-Match: its ETag) and DELETE."""
    workflow = schema.as_state_machine()
    calls = []

    class Counted(workflow):
        def get_call_kwargs(self, case):
            # A case that carries its own (made-up) key keeps it: it must get 401.
            return {} if "Authorization" in (case.headers or {}) else {"headers": editor_headers}

        def validate_response(self, response, case, **kwargs):
            calls.append(f"{case.method} {case.path}")
            cases[f"stateful {case.method} {case.path}"] = (
                cases.get(f"stateful {case.method} {case.path}", 0) + 1
            )
            try:
                return super().validate_response(response, case, **kwargs)
            except (Failure, FailureGroup) as exc:
                failed[failure_kind(exc)] += 1
                raise

    run_state_machine_as_test(
        Counted,
        settings=hypothesis.settings(
            max_examples=max(MAX_EXAMPLES // 4, 10),
            stateful_step_count=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert calls


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
