"""Refund endpoints through the real HTTP stack, next to the same rows
fetched by hand-written SQL."""

from django.test import Client

from parkportal.accounts.models import User
from parkportal.accounts.services import user_grant_role
from refunds.models import RefundRequest
from refunds.services.cases import refund_create
from refunds.services.documents import document_upload

LIST_COLUMNS = (
    "r.id, r.reference, r.state, r.enterprise_id, e.name, r.contract_id, r.amount, "
    "r.currency, r.reason, r.description, r.payee_name, r.payee_bank, r.payee_account, "
    "r.owner_id, r.applicant_id, r.approved_amount, r.risk_level, r.created_at, "
    "r.submitted_at, r.decided_at, r.version"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client_for(username: str, role: str, **fields) -> Client:
    user, _ = User.objects.get_or_create(username=username, defaults=fields)
    user_grant_role(user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def _deep_cursor(client: Client, pages: int) -> str:
    url = "/api/v1/refunds/"
    for _ in range(pages):
        url = client.get(url).json()["next"]
    return url


def _drafts(count: int) -> list[int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    applicant = User.objects.get(username="bench-enterprise-1")
    user_grant_role(user=applicant, role="enterprise")
    ids = []
    for _ in range(count):
        refund = refund_create(
            applicant=applicant,
            contract=applicant.enterprise.contracts.first(),
            reason="deposit",
            description="",
            amount="1200.00",
            currency="CNY",
            payee_name="Bench",
            payee_bank="Bench Bank",
            payee_account="6222000000000001",
        )
        for kind in ("contract", "bank_proof"):
            document_upload(
                refund_id=refund.pk,
                actor=applicant,
                kind=kind,
                uploaded_file=SimpleUploadedFile("f.pdf", PDF),
            )
        ids.append(refund.pk)
    return ids


def _assessed(ids: list[int]):
    """Yield the cases once each has a risk assessment, recording a
    low-risk one where screening has not (first call, outside the timing
    of any later call)."""
    from refunds.services.lifecycle import refund_record_assessment

    waiting = RefundRequest.objects.filter(pk__in=ids, risk_assessed_at__isnull=True)
    for refund_id in waiting.values_list("id", flat=True):
        refund_record_assessment(refund_id=refund_id, risk_level="low", risk_score=0)
    yield from ids


def measurements(repeat: int, warmup: int) -> tuple[dict, dict]:
    enterprise = _client_for("bench-enterprise-1", "enterprise")
    manager = _client_for("bench-manager", "ops_manager")
    detail_id = (
        RefundRequest.objects.filter(enterprise_id=1)
        .order_by("-id")
        .values_list("id", flat=True)[5]
    )
    deep_url = _deep_cursor(enterprise, 3)
    deep_after = int(
        RefundRequest.objects.filter(enterprise_id=1)
        .order_by("-id")
        .values_list("id", flat=True)[149]
    )

    def get(client, url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]

        return call

    # Each write needs its own case: drafts with their documents are made
    # beforehand, submitted in the timed loop, then forwarded in the next.
    # One more for the traced call that measures memory.
    prepared = _drafts(repeat + warmup + 1)
    drafts, submitted = iter(prepared), _assessed(prepared)

    def submit():
        response = enterprise.post(
            f"/api/v1/refunds/{next(drafts)}/transitions/submit/"
        )
        assert response.status_code == 200, response.content[:300]

    def forward():
        response = manager.post(
            f"/api/v1/refunds/{next(submitted)}/transitions/forward/"
        )
        assert response.status_code == 200, response.content[:300]

    calls = {
        "enterprise_list_first_page": get(enterprise, "/api/v1/refunds/"),
        "enterprise_list_deep_page": get(enterprise, deep_url),
        "case_detail": get(enterprise, f"/api/v1/refunds/{detail_id}/"),
        "case_timeline": get(enterprise, f"/api/v1/refunds/{detail_id}/events/"),
        # The framework's own ceiling for the four reads above: a view that
        # reads nothing, through the same middleware, session and user.
        "signed_in_healthz": get(enterprise, "/healthz"),
        "submission": submit,
        "transition_forward": forward,
    }
    floors = {
        "signed_in_healthz": [],
        "enterprise_list_first_page": [
            (
                f"SELECT {LIST_COLUMNS} FROM refunds_refundrequest r JOIN accounts_enterprise e "
                "ON e.id = r.enterprise_id WHERE r.enterprise_id = 1 ORDER BY r.id DESC LIMIT 51",
                [],
            )
        ],
        "enterprise_list_deep_page": [
            (
                f"SELECT {LIST_COLUMNS} FROM refunds_refundrequest r JOIN accounts_enterprise e "
                "ON e.id = r.enterprise_id WHERE r.enterprise_id = 1 AND r.id < %s "
                "ORDER BY r.id DESC LIMIT 51",
                [deep_after],
            )
        ],
        "case_detail": [
            (
                f"SELECT {LIST_COLUMNS} FROM refunds_refundrequest r JOIN accounts_enterprise e "
                "ON e.id = r.enterprise_id WHERE r.id = %s",
                [detail_id],
            )
        ],
        "case_timeline": [
            (
                "SELECT t.id, t.kind, t.params, t.state_before, t.state_after, t.created_at, "
                "u.username FROM refunds_timelineentry t LEFT JOIN accounts_user u "
                "ON u.id = t.actor_id WHERE t.refund_id = %s AND t.visible_to_enterprise "
                "ORDER BY t.created_at, t.id",
                [detail_id],
            )
        ],
    }
    return calls, floors
