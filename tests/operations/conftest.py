"""Operations actors and helpers: more specialists, a green-channel
enterprise, and tasks run in process."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from operations.models import SpecialistProfile
from parkportal.accounts.roles import Role
from tests.conftest import CaseBuilder
from tests.factories import ContractFactory, EnterpriseFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0) -> datetime.datetime:
    """A moment in the park's time zone."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def oscar(db):
    """Second operations specialist."""
    return UserFactory(username="oscar", role=Role.OPS_SPECIALIST)


@pytest.fixture
def greta(db):
    """Operations specialist designated for the green channel."""
    user = UserFactory(username="greta", role=Role.OPS_SPECIALIST)
    SpecialistProfile.objects.create(user=user, green_channel=True)
    return user


@pytest.fixture
def vip(db):
    return EnterpriseFactory(name="Initech Semiconductors", green_channel=True)


@pytest.fixture
def vince(vip):
    """Applies for the green-channel enterprise."""
    return UserFactory(
        username="vince", enterprise=vip, role=Role.ENTERPRISE, language="en"
    )


@pytest.fixture
def vip_cases(vince, vip, olivia):
    return CaseBuilder(vince, ContractFactory(enterprise=vip), olivia)


@pytest.fixture
def close_case(mark, diana, fiona, olivia):
    """Walks a case from draft to closed with the real services, paid
    through a batch and the bank's statement."""
    from refunds.services.lifecycle import refund_transition
    from tests.payments import bank_statement, fund_pool, send_payment

    def close(builder, **kwargs):
        fund_pool("5000000.00", officer=fiona, director=diana)
        refund = builder.approved([mark], **kwargs)
        refund = send_payment(refund, officer=fiona, director=diana)
        refund = bank_statement(refund, officer=fiona)
        return refund_transition(refund_id=refund.pk, name="close", actor=refund.owner)

    return close
