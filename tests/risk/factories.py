"""Cases of the past, written straight to the database: the history that
velocity, duplicate and unusual-amount rules look back on."""

import datetime
from decimal import Decimal

import factory

from refunds.models import RefundRequest, TimelineEntry
from tests.factories import UserFactory


class PastRefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefundRequest
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"RF-2020-{n + 500000:06d}")
    enterprise = factory.LazyAttribute(lambda o: o.contract.enterprise)
    applicant = factory.LazyAttribute(
        lambda o: (
            o.enterprise.users.first()
            or UserFactory(enterprise=o.enterprise, role="enterprise")
        )
    )
    state = "closed"
    reason = "deposit"
    amount = Decimal("50000.00")
    currency = "CNY"
    amount_cny = factory.LazyAttribute(lambda o: o.amount)
    payee_name = factory.LazyAttribute(lambda o: o.enterprise.name)
    payee_bank = "Industrial Bank Suzhou"
    payee_account = "6222000011112222"
    submitted_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        # The state the case reached, on its timeline, at submission: the
        # contract rule reads states from there.
        if create:
            TimelineEntry.objects.create(
                refund=self,
                kind="submit",
                state_before="draft",
                state_after=self.state,
                created_at=self.submitted_at,
            )
