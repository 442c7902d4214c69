"""Integration tests run against the real services. They skip only when
DATABASE_URL does not point at PostgreSQL; CI runs them there and fails on
any skip."""

import importlib

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def shipped_approval_policy(transactional_db):
    """Transactional tests flush every table between tests, the approval
    policy a data migration installed among them; put it back."""
    from refunds.models import ApprovalThreshold

    migration = importlib.import_module(
        "refunds.migrations.0003_default_approval_policy"
    )
    for level, position, minimum in migration.DEFAULT_POLICY:
        ApprovalThreshold.objects.get_or_create(
            level=level, defaults={"position": position, "min_amount_cny": minimum}
        )
