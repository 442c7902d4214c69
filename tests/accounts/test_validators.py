"""The unified social credit code and its GB 32100-2015 check character,
on codes of real enterprises."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parkportal.accounts.models import Enterprise
from parkportal.accounts.validators import uscc_check_character, validate_uscc
from tests.factories import UserFactory

# Published on the national enterprise credit information system; the first
# is the example printed in the standard itself.
REAL_CODES = (
    "91350100M000100Y43",
    "91330100799655058B",
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
)


@pytest.mark.parametrize("code", REAL_CODES)
def test_the_check_character_of_real_codes_is_computed(code):
    assert uscc_check_character(code[:17]) == code[17]
    validate_uscc(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_a_code_with_any_other_check_character_is_refused(code):
    for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY".replace(code[17], ""):
        with pytest.raises(ValidationError) as refused:
            validate_uscc(code[:17] + wrong)
        assert refused.value.code == "uscc_check"


def test_two_characters_swapped_are_caught():
    code = "91330100799655058B"
    swapped = code[:8] + code[9] + code[8] + code[10:]

    with pytest.raises(ValidationError) as refused:
        validate_uscc(swapped)

    assert refused.value.code == "uscc_check"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91330100799655058",  # 17 characters
        "91330100799655058BB",  # 19 characters
        "9133010079965505IB",  # I, O, S, V and Z are not in the alphabet
        "9133010079965505OB",
        "91330100799655 58B",
        "91350100m000100y43",  # the standard writes letters in capitals
    ],
)
def test_a_code_that_is_not_18_characters_of_the_alphabet_is_refused(code):
    with pytest.raises(ValidationError) as refused:
        validate_uscc(code)

    assert refused.value.code == "uscc_format"


@pytest.mark.django_db
def test_the_admin_refuses_an_enterprise_with_a_wrong_check_character(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "name": "苏州测试有限公司",
        "credit_code": "91330100799655058C",
        "registered_on": "2024-03-01",
        "contracts-TOTAL_FORMS": "0",
        "contracts-INITIAL_FORMS": "0",
        "bank_accounts-TOTAL_FORMS": "0",
        "bank_accounts-INITIAL_FORMS": "0",
    }

    refused = client.post(reverse("admin:accounts_enterprise_add"), form)
    form["credit_code"] = "91330100799655058B"
    accepted = client.post(reverse("admin:accounts_enterprise_add"), form)

    assert refused.status_code == 200
    assert "credit_code" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [
        "91330100799655058B"
    ]
