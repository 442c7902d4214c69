"""Objects every security test reaches for: one case per enterprise, with
documents, so that a route can be called on its own and on another
enterprise's object."""

import pytest

from tests.conftest import CaseBuilder
from tests.factories import ContractFactory


@pytest.fixture
def globex_cases(gary, globex, olivia):
    return CaseBuilder(gary, ContractFactory(enterprise=globex), olivia)


@pytest.fixture
def acme_case(cases):
    """Acme's case under review, owned by olivia, with three documents."""
    return cases.under_review()


@pytest.fixture
def globex_case(globex_cases):
    return globex_cases.under_review()
