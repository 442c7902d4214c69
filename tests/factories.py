"""Factories and builders shared by every app's tests."""

import datetime
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from parkportal.accounts.models import BankAccount, Contract, Enterprise, User
from parkportal.accounts.services import user_grant_role
from parkportal.accounts.validators import USCC_ALPHABET, uscc_check_character

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def credit_code(n: int) -> str:
    body = "91310000" + f"{n:09d}"
    body = "".join(char if char in USCC_ALPHABET else "0" for char in body)
    return body + uscc_check_character(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"Enterprise {n}")
    credit_code = factory.Sequence(credit_code)
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.com")
    registered_on = datetime.date(2020, 1, 1)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    enterprise = factory.SubFactory(EnterpriseFactory)
    number = factory.Sequence(lambda n: f"HT-{n:05d}")
    paid_amount = Decimal("5000000.00")
    currency = "CNY"


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    enterprise = factory.SubFactory(EnterpriseFactory)
    holder_name = factory.LazyAttribute(lambda o: o.enterprise.name)
    bank_name = "Industrial Bank Suzhou"
    account_number = factory.Sequence(lambda n: f"6222{n:012d}")
    verified_at = factory.LazyFunction(
        lambda: datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "parkportal-test")
    # Signed-in users are answered in their profile language; tests read
    # English unless they choose otherwise.
    language = "en"

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            user_grant_role(user=self, role=extracted)
        self.save()


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
