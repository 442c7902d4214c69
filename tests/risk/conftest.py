import pytest

from parkportal.core import clock
from risk.rules import REGISTRY
from risk.rules.context import CaseContext, snapshot_of


@pytest.fixture
def screened(django_capture_on_commit_callbacks):
    """Call a service and run what it queued on commit, as the worker
    would after the transaction."""

    def run(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


def judge(rule_type: str, refund, *, as_of=None, **parameters):
    """One rule type's verdict on a case, with its default parameters
    overlaid by `parameters`."""
    kind = REGISTRY[rule_type]
    refund.refresh_from_db()
    context = CaseContext(refund, as_of or clock.now(), snapshot_of(refund))
    return kind.evaluate(context, kind.read(parameters))


@pytest.fixture
def fixed_rates(settings):
    settings.FX_RATE_PROVIDER = "tests.risk.rates.rate_to_cny"


@pytest.fixture
def usd_cases(alice, acme, olivia, fixed_rates):
    from tests.conftest import CaseBuilder
    from tests.factories import ContractFactory

    contract = ContractFactory(enterprise=acme, currency="USD", paid_amount="900000")
    return CaseBuilder(alice, contract, olivia)
