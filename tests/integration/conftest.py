"""Integration tests run against the real services. They skip only when
DATABASE_URL does not point at PostgreSQL; CI runs them there and fails on
any skip."""

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
