"""Concurrent duplicates of one Idempotency-Key on a real PostgreSQL:
each request on its own connection, all released together. The first
claims the key; the others wait on its unique index until it commits and
get its answer replayed. One case, never two."""

import os
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from parkportal.accounts.roles import Role
from refunds.models import RefundRequest
from tests.factories import ContractFactory, EnterpriseFactory, UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(
            ("postgres://", "postgresql://")
        ),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

DUPLICATES = 6


def post_all_at_once(user, path, body, key) -> list:
    barrier = threading.Barrier(DUPLICATES)
    answers = [None] * DUPLICATES

    def worker(index):
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            answers[index] = client.post(
                path, body, format="json", HTTP_IDEMPOTENCY_KEY=key
            )
        except Exception as error:  # noqa: BLE001 - reported to the test
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(DUPLICATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_concurrent_duplicates_of_an_application_create_one_case():
    acme = EnterpriseFactory()
    contract = ContractFactory(enterprise=acme)
    alice = UserFactory(username="alice", enterprise=acme, role=Role.ENTERPRISE)
    body = {
        "contract": contract.pk,
        "reason": "deposit",
        "amount": "9000.00",
        "currency": "CNY",
        "payee_name": "Acme Robotics",
        "payee_bank": "Industrial Bank Suzhou",
        "payee_account": "6222000011115555",
    }

    answers = post_all_at_once(alice, "/api/v1/refunds/", body, "apply-once")

    assert all(not isinstance(a, Exception) for a in answers), answers
    # A duplicate either waits and gets the first answer, or is told to
    # come back (409); none makes a second case.
    assert {a.status_code for a in answers} <= {201, 409}
    created = [a for a in answers if a.status_code == 201]
    assert len({a.json()["id"] for a in created}) == 1
    replayed = [a for a in created if a.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == len(created) - 1
    assert RefundRequest.objects.count() == 1
