"""Reference numbers RF-YYYY-NNNNNN stay unique and gapless when many
people apply at once, on real PostgreSQL connections."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from refunds.models import RefundRequest
from refunds.services.audit import audit_verify
from refunds.services.cases import refund_create

pytestmark = pytest.mark.integration

THREADS = 8
CREATIONS_PER_THREAD = 6


def _apply(applicant, contract, currency):
    return refund_create(
        applicant=applicant,
        contract=contract,
        reason="deposit",
        amount=Decimal("1000.00"),
        currency=currency,
        payee_name="Acme Robotics",
        payee_bank="Industrial Bank Suzhou",
        payee_account="6222000011112222",
    )


def test_concurrent_applications_number_without_gaps_or_repeats(
    transactional_db, alice, acme_contract
):
    start = threading.Barrier(THREADS)
    created, refused, failures = [], [], []
    lock = threading.Lock()

    def apply_repeatedly(index):
        try:
            start.wait()
            for round_number in range(CREATIONS_PER_THREAD):
                # Every third application is in the wrong currency: it takes
                # a number, then rolls back and must give the number back.
                currency = "USD" if (index + round_number) % 3 == 0 else "CNY"
                try:
                    refund = _apply(alice, acme_contract, currency)
                except InvalidInput:
                    with lock:
                        refused.append(index)
                else:
                    with lock:
                        created.append(refund.reference)
        except Exception as error:  # reported below, with the thread's index
            failures.append((index, error))
        finally:
            connection.close()

    workers = [
        threading.Thread(target=apply_repeatedly, args=(index,))
        for index in range(THREADS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    assert len(created) + len(refused) == THREADS * CREATIONS_PER_THREAD
    assert refused, "the arrangement must include rolled-back applications"
    stored = list(RefundRequest.objects.values_list("reference", flat=True))
    assert sorted(stored) == sorted(created)
    prefix = f"RF-{clock.today().year}-"
    assert all(reference.startswith(prefix) for reference in stored)
    numbers = sorted(int(reference.removeprefix(prefix)) for reference in stored)
    assert numbers == list(range(1, len(created) + 1))
    assert audit_verify().intact
