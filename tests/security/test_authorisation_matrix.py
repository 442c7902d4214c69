"""Who may call what: every route the URL configuration serves under
/api/v1/ and every portal page, called by every named actor and by nobody,
on Acme's case (alice is Acme's user, gary is Globex's: the other
enterprise).

A route or method that is served but has no entry in MATRIX fails the
completeness test: nobody adds an endpoint without deciding who may call
it.

Letters, in the order of ACTORS:
  A  allowed: passes authentication and authorisation (any answer below 500
     but 401, 403 and 404; an empty body may well be refused as invalid)
  D  denied: 403, and nothing changed
  H  hidden: 404 on another enterprise's object, and nothing changed
  M  allowed up to the object lookup: 404 for an id that does not exist
     (the caller passed the permission check, which answers 403 first)
  X  refused by the service after validation: any 4xx but 401, and nothing
     changed (the view validates the body before it asks who is calling)
  R  a page form refused: redirected back to the case (not to the login
     page) with a message, and nothing changed
  L  anonymous: 401 from the API, a redirect to the login page from a page
  N  405: the page does not serve this method
"""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from refunds.models import AuditEvent, RefundRequest
from refunds.services.audit import audit_chain_verify
from tests.security.routes import concrete_path, walk_routes

ACTORS = (
    "anonymous",
    "alice",
    "gary",
    "olivia",
    "mark",
    "fiona",
    "diana",
    "carl",
    "rita",
    "audrey",
)
#           anonymous, alice, gary, olivia, mark, fiona, diana, carl, rita, audrey
MATRIX = {
    ("audit-verify", "get"): "LDDDADADDA",
    # A new walk of the chain takes minutes of the database: auditors only.
    ("audit-verify", "post"): "LDDDDDDDDA",
    ("refund-list", "get"): "LAAAAAAAAA",
    ("refund-list", "post"): "LAXXXXXXXD",
    ("refund-detail", "get"): "LAHAAAAAAA",
    ("refund-detail", "patch"): "LAHDDDDDDD",
    ("refund-approval-steps", "get"): "LAHAAAAAAA",
    ("refund-documents", "get"): "LAHAAAAAAA",
    ("refund-documents", "post"): "LAHXXXXXXD",
    ("refund-document-download", "get"): "LAHAAAAAAA",
    ("refund-events", "get"): "LAHAAAAAAA",
    ("refund-messages", "get"): "LAHAAAAAAA",
    ("refund-messages", "post"): "LAHAAAAAAD",
    ("refund-transition-take", "post"): "LDHAADDDDD",
    ("refund-transitions", "get"): "LAHAAAAAAA",
    ("audit-event-list", "get"): "LDDDADADDA",
    ("audit-event-detail", "get"): "LDDDADADDA",
    ("finance-pool", "get"): "LDDDAAAADA",
    ("finance-pool-forecast", "get"): "LDDDAAAADA",
    ("finance-pool-check", "get"): "LDDDDAADDA",
    ("finance-correct-payee", "post"): "LDDDDAADDD",
    ("finance-report-monthly", "get"): "LDDDDAADDA",
    ("finance-fx-variance", "get"): "LDDDDAADDA",
    ("finance-fx-variance-monthly", "get"): "LDDDDAADDA",
    ("finance-ledger-list", "get"): "LDDDDAADDA",
    ("finance-ledger-detail", "get"): "LDDDDMMDDM",
    ("finance-ledger-reverse", "post"): "LDDDDAADDD",
    ("finance-top-up-list", "get"): "LDDDDAADDA",
    ("finance-top-up-list", "post"): "LDDDDAADDD",
    ("finance-top-up-detail", "get"): "LDDDDMMDDM",
    # Confirming a top-up and authorising a batch are the director's.
    ("finance-top-up-confirm", "post"): "LDDDDDMDDD",
    ("finance-top-up-reject", "post"): "LDDDDAADDD",
    ("finance-earmark-list", "get"): "LDDDDAADDA",
    ("finance-earmark-detail", "get"): "LDDDDMMDDM",
    ("finance-rate-list", "get"): "LDDDDAADDA",
    ("finance-rate-list", "post"): "LDDDDAADDD",
    ("finance-rate-import-csv", "post"): "LDDDDAADDD",
    ("finance-batch-list", "get"): "LDDDDAADDA",
    ("finance-batch-list", "post"): "LDDDDAADDD",
    ("finance-batch-detail", "get"): "LDDDDMMDDM",
    ("finance-batch-authorise", "post"): "LDDDDDMDDD",
    ("finance-batch-cancel", "post"): "LDDDDAADDD",
    # The bank file carries whole account numbers: finance only.
    ("finance-batch-export", "get"): "LDDDDMMDDD",
    ("finance-payment-list", "get"): "LDDDDAADDA",
    ("finance-payment-detail", "get"): "LDDDDMMDDM",
    ("finance-statement-list", "get"): "LDDDDAADDA",
    ("finance-statement-list", "post"): "LDDDDAADDD",
    ("finance-statement-detail", "get"): "LDDDDMMDDM",
    ("finance-statement-line-list", "get"): "LDDDDAADDA",
    ("finance-statement-line-detail", "get"): "LDDDDMMDDM",
    ("finance-statement-line-resolve", "post"): "LDDDDAADDD",
    ("operations-api:queue-counts", "get"): "LDDAADDDDD",
    ("operations-api:queue", "get"): "LDDAADDDDD",
    ("operations-api:reassign", "post"): "LDDDADDDDD",
    ("operations-api:sla", "get"): "LAHAAAAAAA",
    ("operations-api:rating", "post"): "LAHDDDDDDD",
    ("operations-api:case-complaints", "post"): "LAHDDDDDDD",
    # Complaints and delegations are filtered to what the caller may see.
    ("operations-api:complaints", "get"): "LAAAAAAAAA",
    ("operations-api:complaint-resolve", "post"): "LDDMMDDDDD",
    ("operations-api:satisfaction", "get"): "LDDAAAAAAD",
    ("operations-api:inbox", "get"): "LAAAAAAAAA",
    ("operations-api:inbox-unread", "get"): "LAAAAAAAAA",
    # Marking one's own notifications read changes nothing of the park's.
    ("operations-api:inbox-read", "post"): "LAAAAAAAAA",
    ("operations-api:digests", "get"): "LDDAAAAAAD",
    ("operations-api:digest", "get"): "LDDMMMMMMD",
    ("operations-api:delegations", "get"): "LAAAAAAAAA",
    # Approvers (every level) delegate; the rest are refused as invalid.
    ("operations-api:delegations", "post"): "LXXXAAAAXX",
    ("operations-api:delegation-end", "post"): "LMMMMMMMMM",
    ("risk-matrix", "get"): "LDDAAAAAAA",
    ("risk-flags", "get"): "LDDAAAAAAA",
    ("risk-flags-by-rule", "get"): "LDDAAAAAAA",
    ("risk-rule-type-list", "get"): "LDDAAAAAAA",
    ("risk-rule-list", "get"): "LDDAAAAAAA",
    ("risk-rule-list", "post"): "LDDXXXXXXX",
    ("risk-rule-detail", "get"): "LDDMMMMMMM",
    ("risk-rule-detail", "patch"): "LDDMMMMMMM",
    ("risk-rule-versions", "get"): "LDDMMMMMMM",
    ("risk-rule-versions", "post"): "LDDMMMMMMM",
    ("risk-version-list", "get"): "LDDAAAAAAA",
    ("risk-version-detail", "get"): "LDDMMMMMMM",
    ("risk-version-activate", "post"): "LDDMMMMMMM",
    ("risk-threshold-list", "get"): "LDDAAAAAAA",
    ("risk-threshold-detail", "put"): "LDDXXXXXXX",
    ("risk-assessment-list", "get"): "LDDAAAAAAA",
    ("risk-assessment-list", "post"): "LDDXXXXXXX",
    ("risk-assessment-detail", "get"): "LDDMMMMMMM",
    ("risk-hold-list", "get"): "LDDAAAAAAA",
    ("risk-hold-detail", "get"): "LDDMMMMMMM",
    ("risk-hold-clear", "post"): "LDDXXXXXXX",
    ("risk-hold-reject", "post"): "LDDXXXXXXX",
    ("risk-backtest-list", "get"): "LDDAAAAAAA",
    ("risk-backtest-list", "post"): "LDDXXXXXXX",
    ("risk-backtest-detail", "get"): "LDDMMMMMMM",
    ("risk-invoice-total-list", "get"): "LDDAAAAAAA",
    ("risk-invoice-total-list", "post"): "LDDXXXXXXX",
    ("dashboard-figures", "get"): "LDDDADAADA",
    ("dashboard-trend", "get"): "LDDDADAADA",
    ("dashboard-process-map", "get"): "LDDDADAADA",
    ("dashboard-stuck", "get"): "LDDDADAADA",
    ("dashboard-workload", "get"): "LDDDADAADA",
    ("dashboard-export", "get"): "LDDDADAADA",
    # Signing in is for everybody; the wrong password is a 400.
    ("auth-token", "post"): "AAAAAAAAAA",
    ("enterprise-list", "get"): "LAAAAAAAAA",
    ("enterprise-detail", "get"): "LAHAAAAAAA",
    # Dead letters are for Django staff accounts (is_staff), no park role.
    ("outbox-dead", "get"): "LDDDDDDDDD",
    ("outbox-replay", "post"): "LDDDDDDDDD",
    ("home", "get"): "LAAAAAAAAA",
    ("refunds:mine", "get"): "LAADDDDDDD",
    ("refunds:apply", "get"): "LAADDDDDDD",
    ("refunds:apply", "post"): "LAADDDDDDD",
    ("refunds:apply_check", "post"): "LAADDDDDDD",
    ("refunds:staff_list", "get"): "LDDAAAAAAA",
    ("refunds:approvals", "get"): "LDDAAAAAAA",
    ("refunds:audit_cases", "get"): "LDDDDDDDDA",
    ("refunds:audit_trail", "get"): "LDDDDDDDDA",
    ("refunds:audit_verify", "post"): "LDDDDDDDDA",
    ("refunds:case", "get"): "LAHAAAAAAA",
    ("refunds:edit", "get"): "LAHDDDDDDD",
    ("refunds:edit", "post"): "LAHDDDDDDD",
    # The case page's forms answer a refusal with a message on the case
    # page; that nothing changed is checked for every refused actor.
    ("refunds:upload", "post"): "LAHRRRRRRR",
    ("refunds:download", "get"): "LAHAAAAAAA",
    ("refunds:message", "post"): "LAHAAAAAAR",
    ("refunds:decide", "post"): "LRHARRRRRR",
    ("refunds:transition", "post"): "LRHAARRRRR",
    ("dashboard", "get"): "LDDDADAADA",
    ("dashboard-report", "get"): "LDDDADAADA",
    # The page's export buttons start a job and open its page.
    ("dashboard-export-start", "post"): "LDDDADAADA",
    # Operations pages: queues for the specialists and managers, the inbox
    # for everybody, delegation for approvers. Forms on a missing object
    # answer with a message on the page they came from.
    ("operations:workspace", "get"): "LDDAADDDDD",
    ("operations:queue", "get"): "LDDAADDDDD",
    ("operations:reassign", "post"): "LDDDADDDDD",
    ("operations:inbox", "get"): "LAAAAAAAAA",
    ("operations:inbox_read", "post"): "LAAAAAAAAA",
    ("operations:rate", "post"): "LAHDDDDDDD",
    ("operations:complain", "post"): "LAHDDDDDDD",
    ("operations:delegations", "get"): "LDDDADAADD",
    ("operations:delegations", "post"): "LDDDADAADD",
    ("operations:delegation_end", "post"): "LDDRRRRRRR",
    # The finance desk is the finance officer's and the director's.
    ("finance:desk", "get"): "LDDDDAADDD",
    ("finance:ledger", "get"): "LDDDDAADDD",
    ("finance:top_ups", "get"): "LDDDDAADDD",
    ("finance:top_ups", "post"): "LDDDDAADDD",
    ("finance:top_up_confirm", "post"): "LDDDDRRDDD",
    ("finance:top_up_reject", "post"): "LDDDDRRDDD",
    ("finance:batches", "get"): "LDDDDAADDD",
    ("finance:batches", "post"): "LDDDDAADDD",
    ("finance:batch", "get"): "LDDDDMMDDD",
    ("finance:batch_file", "get"): "LDDDDRRDDD",
    ("finance:batch_authorise", "post"): "LDDDDMMDDD",
    ("finance:batch_cancel", "post"): "LDDDDMMDDD",
    ("finance:statements", "get"): "LDDDDAADDD",
    ("finance:statements", "post"): "LDDDDAADDD",
    ("finance:reconciliation", "get"): "LDDDDAADDD",
    ("finance:resolve_line", "post"): "LDDDDRRDDD",
    ("finance:rates", "get"): "LDDDDAADDD",
    ("finance:rates", "post"): "LDDDDAADDD",
    ("finance:rates_import", "post"): "LDDDDAADDD",
    ("finance:forecast", "get"): "LDDDDAADDD",
    ("finance:reports", "get"): "LDDDDAADDD",
    ("finance:report_csv", "post"): "LDDDDAADDD",
    ("finance:report_xlsx", "post"): "LDDDDAADDD",
    # The risk desk is the risk officer's; the matrix is read by auditors.
    ("risk:holds", "get"): "LDDDDDDDAD",
    ("risk:hold_clear", "post"): "LDDDDDDDRD",
    ("risk:hold_reject", "post"): "LDDDDDDDRD",
    ("risk:rules", "get"): "LDDDDDDDAD",
    ("risk:rule", "get"): "LDDDDDDDMD",
    ("risk:rule_version", "post"): "LDDDDDDDMD",
    ("risk:version_activate", "post"): "LDDDDDDDRD",
    ("risk:backtest_run", "post"): "LDDDDDDDMD",
    ("risk:backtest", "get"): "LDDDDDDDMD",
    ("risk:matrix", "get"): "LDDDDDDDAA",
    # A job's page is its requester's alone; anyone else, like everyone
    # for a job that does not exist, is answered 404 (tests/core/test_jobs).
    ("job", "get"): "LMMMMMMMMM",
    ("job-file", "get"): "LMMMMMMMMM",
    ("login", "get"): "AAAAAAAAAA",
    ("login", "post"): "AAAAAAAAAA",
    ("logout", "post"): "LAAAAAAAAA",
    ("password_change", "get"): "LAAAAAAAAA",
    ("password_change", "post"): "LAAAAAAAAA",
    ("password_change_done", "get"): "LAAAAAAAAA",
}
# Class-based Django views answer PUT through their POST handler; the
# matrix covers what a browser sends.
IGNORED_METHODS = {("login", "put"), ("password_change", "put"), ("logout", "get")}

# Route keywords that name Acme's case (or something of it); every other
# id is one that does not exist.
ACME_CASE_ROUTES = {
    name for (name, _method) in MATRIX if name.startswith(("refund-", "refunds:"))
} | {
    "finance-correct-payee",
    "operations-api:sla",
    "operations-api:rating",
    "operations-api:case-complaints",
    "operations:rate",
    "operations:complain",
}
MISSING_ID = 999999


def _routes_by_name():
    return {route.name: route for route in walk_routes()}


def _served():
    """(route name, method) for every API method the views define, and for
    pages every method the matrix names (function views do not say)."""
    served = set()
    for route in walk_routes():
        if route.api:
            served |= {(route.name, method) for method in route.methods}
        else:
            served |= {key for key in MATRIX if key[0] == route.name}
            served.add((route.name, None))
    return served - IGNORED_METHODS


def test_every_served_route_and_method_has_a_matrix_entry():
    served = _served()
    missing = {key for key in served if key[1] is not None} - set(MATRIX)
    pages_without_entry = {name for (name, method) in served if method is None} - {
        name for (name, _method) in MATRIX
    }
    stale = set(MATRIX) - served
    assert not missing, f"routes nobody decided on: {sorted(missing)}"
    assert not pages_without_entry, f"pages nobody decided on: {pages_without_entry}"
    assert not stale, f"matrix entries for routes that are gone: {sorted(stale)}"


def test_every_matrix_row_names_every_actor():
    assert {len(row) for row in MATRIX.values()} == {len(ACTORS)}


def _values(case, document, users):
    pk = {"*": MISSING_ID, "enterprise-detail": case.enterprise_id}
    pk.update(dict.fromkeys(ACME_CASE_ROUTES, case.pk))
    pk["audit-event-detail"] = AuditEvent.objects.filter(refund=case).first().pk
    return {
        "pk": pk,
        "refund_id": case.pk,
        "doc_id": document.pk,
        "document_pk": document.pk,
        "name": "forward",
        "queue": "mine",
        "table": "reason",
        "file_format": "csv",
        "year": 2026,
        "month": 1,
        "outcome": "review",
        "complaint_id": MISSING_ID,
        "delegation_id": MISSING_ID,
        "version_pk": MISSING_ID,
    }


def _bodies(case, users):
    """Well-formed bodies where a view validates before it authorises, so
    that the refusal comes from the service and not from the validation."""
    return {
        ("operations-api:reassign", "post"): {
            "refunds": [case.pk],
            "owner": users["olivia"].pk,
            "reason": "Olivia knows the tenant",
        },
        ("operations-api:rating", "post"): {"score": 5},
        ("operations-api:case-complaints", "post"): {"body": "Nobody answered"},
        ("operations-api:complaint-resolve", "post"): {"resolution": "Answered"},
        ("operations-api:delegations", "post"): {
            "delegate": users["mark"].pk,
            "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-01-10T00:00:00Z",
            "reason": "Leave",
        },
    }


def _fingerprint(case):
    """What a refused call must leave as it was."""
    case = RefundRequest.objects.get(pk=case.pk)
    return (
        AuditEvent.objects.count(),
        case.state,
        case.owner_id,
        case.documents.count(),
        case.messages.count(),
    )


def _call(client, route, method, path, body):
    if method == "get":
        return client.get(path)
    if route.api:
        return getattr(client, method)(path, body, format="json")
    return getattr(client, method)(path, body)


def _check(letter, route, response, changed):
    status = response.status_code
    if letter == "A":
        return status < 500 and status not in (401, 403, 404)
    if letter == "L":
        if route.api:
            return status == 401 and not changed
        login = reverse("login")
        return status == 302 and response["Location"].startswith(login)
    if letter == "N":
        return status == 405
    if changed:
        return False
    if letter == "D":
        return status == 403
    if letter in ("H", "M"):
        return status == 404
    if letter == "R":
        return status == 302 and not response["Location"].startswith(reverse("login"))
    if letter == "X":
        return 400 <= status < 500 and status != 401
    raise AssertionError(f"unknown matrix letter {letter}")


@pytest.fixture
def actors(request):
    return {name: request.getfixturevalue(name) for name in ACTORS[1:]}


@pytest.fixture
def verified_chain(acme_case, globex_case):
    """The audit trail with a verification to read."""
    return audit_chain_verify()


@pytest.mark.parametrize(
    ("name", "method"), sorted(MATRIX), ids=[f"{n} {m}" for n, m in sorted(MATRIX)]
)
def test_each_actor_gets_the_answer_the_matrix_decides(
    name, method, acme_case, globex_case, actors, verified_chain, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    route = _routes_by_name()[name]
    path = concrete_path(route, _values(acme_case, acme_case.documents.first(), actors))
    body = _bodies(acme_case, actors).get((name, method), {})
    wrong = []
    for actor, letter in zip(ACTORS, MATRIX[(name, method)], strict=True):
        client = APIClient()
        if actor != "anonymous":
            client.force_login(actors[actor])
        # Each call runs in a savepoint rolled back afterwards, so that one
        # actor's successful step does not change what the next one meets.
        with transaction.atomic():
            before = _fingerprint(acme_case)
            response = _call(client, route, method, path, body)
            changed = _fingerprint(acme_case) != before
            transaction.set_rollback(True)
        if not _check(letter, route, response, changed):
            wrong.append(f"{actor}: expected {letter}, got {response.status_code}")
    assert not wrong, f"{method.upper()} {path}: " + "; ".join(wrong)


@pytest.mark.urls("tests.security.urls_unlisted")
def test_a_route_added_without_a_matrix_entry_is_caught():
    with pytest.raises(AssertionError, match="unlisted"):
        test_every_served_route_and_method_has_a_matrix_entry()
