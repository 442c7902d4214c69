"""Assignment under concurrent submissions on PostgreSQL: cases submitted
at the same moment still spread evenly, because assignments take turns."""

import os
import threading
from collections import Counter

import pytest
from django.db import connection

from parkportal.accounts.roles import Role
from refunds.models import RefundRequest
from refunds.services.lifecycle import refund_submit
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(
            ("postgres://", "postgresql://")
        ),
        reason="needs DATABASE_URL pointing at PostgreSQL",
    ),
]


def test_simultaneous_submissions_are_spread_evenly(transactional_db, cases, olivia):
    UserFactory(username="oscar", role=Role.OPS_SPECIALIST)
    drafts = [cases.draft(amount="1000.00") for _ in range(12)]
    start = threading.Barrier(len(drafts))
    errors = []

    def submit(refund_id):
        try:
            start.wait()
            refund_submit(refund_id=refund_id, actor=cases.applicant)
        except Exception as error:  # reported below, with the thread's case
            errors.append((refund_id, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d.pk,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    owners = Counter(
        RefundRequest.objects.filter(pk__in=[d.pk for d in drafts]).values_list(
            "owner__username", flat=True
        )
    )
    assert owners == {"olivia": 6, "oscar": 6}
