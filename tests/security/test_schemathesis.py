"""Schemathesis against the published OpenAPI schema, through the Django
WSGI application, signed in with a token as each role in turn. No answer
may be a 5xx, and every answer must be one the schema describes (status
code, content type, body).

Two passes per role:
- stateless: every operation called on its own with generated data;
- stateful: sequences of calls chained by the links Schemathesis infers
  from the schema (a list or a creation feeds the id of the next call: a
  batch built, then authorised, exported, cancelled; a top-up proposed,
  then confirmed or rejected; a statement imported, then its lines read
  and resolved), so that the calls reach real objects instead of 404s.

A modest number of examples keeps it a test, not a fuzzing campaign: run
`SCHEMATHESIS_EXAMPLES=50 SCHEMATHESIS_SCENARIOS=100 .venv/bin/pytest
tests/security/test_schemathesis.py` for a longer search."""

import json
import os
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from finance.services.batches import batch_build
from finance.services.top_ups import top_up_propose
from tests.payments import bank_statement, fund_pool, send_payment

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
SCENARIOS = int(os.environ.get("SCHEMATHESIS_SCENARIOS", "12"))
STEPS = int(os.environ.get("SCHEMATHESIS_STEPS", "6"))
ROLES = ("alice", "olivia", "mark", "fiona", "diana", "carl", "rita", "audrey")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
pytestmark = pytest.mark.django_db

# The token endpoint is covered by the throttle tests; fuzzing it only
# feeds the rate limiter.
SKIPPED = {("POST", "/api/v1/auth/token/")}


# OpenAPI links for the chains of the money flow, in addition to those
# Schemathesis infers: an object a list or a creation answered with is the
# one the next call acts on.
FIRST = "$response.body#/results/0/id"
CREATED = "$response.body#/id"
LINKS = {
    ("v1_refunds_list", "200", FIRST): [
        "v1_refunds_retrieve",
        "v1_refunds_transitions_retrieve",
        "v1_refunds_transitions_create",
        "v1_refunds_events_list",
    ],
    ("v1_refunds_create", "201", CREATED): [
        "v1_refunds_retrieve",
        "v1_refunds_partial_update",
        "v1_refunds_transitions_create",
    ],
    ("v1_finance_batches_list", "200", FIRST): [
        "v1_finance_batches_retrieve",
        "v1_finance_batches_authorise_create",
        "v1_finance_batches_cancel_create",
        "v1_finance_batches_export_retrieve",
    ],
    ("v1_finance_batches_create", "201", CREATED): [
        "v1_finance_batches_authorise_create",
        "v1_finance_batches_cancel_create",
    ],
    ("v1_finance_top_ups_list", "200", FIRST): [
        "v1_finance_top_ups_retrieve",
        "v1_finance_top_ups_confirm_create",
        "v1_finance_top_ups_reject_create",
    ],
    ("v1_finance_top_ups_create", "201", CREATED): [
        "v1_finance_top_ups_confirm_create",
        "v1_finance_top_ups_reject_create",
    ],
    ("v1_finance_statements_list", "200", FIRST): ["v1_finance_statements_retrieve"],
    ("v1_finance_statement_lines_list", "200", FIRST): [
        "v1_finance_statement_lines_retrieve",
        "v1_finance_statement_lines_resolve_create",
    ],
    ("v1_finance_ledger_list", "200", FIRST): ["v1_finance_ledger_reverse_create"],
    ("v1_risk_holds_list", "200", FIRST): [
        "v1_risk_holds_clear_create",
        "v1_risk_holds_reject_create",
    ],
}


def _add_links(raw: dict) -> int:
    operations = {
        operation["operationId"]: operation
        for path in raw["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    added = 0
    for (source, status, expression), targets in LINKS.items():
        response = operations[source]["responses"][status]
        for target in targets:
            assert target in operations, f"no operation {target} in the schema"
            response.setdefault("links", {})[target] = {
                "operationId": target,
                "parameters": {"id": expression},
            }
            added += 1
    return added


@pytest.fixture
def api_schema(client, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tmp_path
    raw = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    _add_links(raw)
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    # Each test runs inside one transaction on one connection, and Django
    # closes a connection it finds inside a transaction when a request
    # starts or ends. The test client keeps it open for its own requests
    # only and connects the handlers again after each one, so they are
    # taken off here, after the schema has been fetched.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def cases_of_both(acme_case, globex_case):
    """Alice (enterprise) has a case under review and Globex has one she
    must not see; olivia (operations specialist) owns Alice's case."""
    return acme_case, globex_case


@pytest.fixture
def park_in_motion(cases, mark, fiona, diana):
    """Something at every desk for the links to reach: a funded pool, a
    paid case with its batch, statement and ledger entries, a batch
    waiting for the director, an approved case waiting for a batch, a
    top-up waiting for confirmation and a case waiting for approval."""
    fund_pool("500000.00", officer=fiona, director=diana)
    paid = cases.approved([mark], amount="20000.00")
    send_payment(paid, officer=fiona, director=diana)
    bank_statement(paid, officer=fiona)
    waiting = cases.approved([mark], amount="15000.00")
    batch_build(actor=fiona, refund_ids=[waiting.pk])
    cases.approved([mark], amount="12000.00")
    top_up_propose(actor=fiona, amount=Decimal("1000.00"), note="Q4")
    cases.pending_approval(amount="30000.00")


@pytest.fixture
def caller(request, cases_of_both, park_in_motion):
    """The named actor of the role under test, with an API token."""
    user = request.getfixturevalue(request.param)
    return user, {"Authorization": f"Token {Token.objects.create(user=user).key}"}


def _examples(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


STATEFUL = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _fuzz(api_schema, headers, examples: int) -> list[str]:
    """Every operation, its examples until the first failure; the failures
    of all operations are reported together."""
    failures = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @_examples(examples)
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    # Guards against a schema that failed to load or lost its paths.
    assert operations > 80, f"only {operations} operations in the schema"
    return failures


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_operation_answers_each_role_within_its_schema(api_schema, caller):
    # The enterprise user and the specialist reach the most operations past
    # their role checks; the other roles, refused most, get half as many
    # examples to keep the run short (it runs in CI twice).
    examples = EXAMPLES if caller[0].username in ("alice", "olivia") else EXAMPLES // 2
    failures = _fuzz(api_schema, caller[1], max(examples, 1))

    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_linked_sequences_answer_each_role_within_its_schema(api_schema, caller):
    headers = caller[1]
    # The chains of LINKS only: with every operation as a possible first
    # step, a short run rarely takes two linked steps in a row.
    chained_operations = sorted(
        {source for source, _, _ in LINKS} | {t for ts in LINKS.values() for t in ts}
    )
    machine = api_schema.include(operation_id=chained_operations).as_state_machine()
    # Guards against links that no longer chain: the machine must carry a
    # rule for every link above (it may infer more), besides its first steps.
    link_rules = [
        name
        for name, rule in vars(machine).items()
        if hasattr(rule, "hypothesis_stateful_rule") and not name.startswith("RANDOM")
    ]
    assert len(link_rules) >= sum(len(targets) for targets in LINKS.values())

    class SignedIn(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(
                response, checks=CHECKS, headers=headers, recorder=self.recorder
            )

    SignedIn.run(settings=STATEFUL)
