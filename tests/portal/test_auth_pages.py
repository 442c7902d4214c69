import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_sends_an_enterprise_user_to_her_refunds(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "parkportal-test"}
    )

    assert response.status_code == 302
    assert client.get(response.url).url == reverse("refunds:mine")


def test_a_wrong_password_is_told_on_the_sign_in_page(client, alice):
    page = client.post(reverse("login"), {"username": "alice", "password": "nope"})

    assert page.status_code == 200
    assert "The user name or password is not right." in page.text


def test_sign_out_takes_a_post_and_ends_the_session(client, alice):
    client.force_login(alice)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("refunds:mine")).status_code == 302


def test_a_manager_with_two_workspaces_chooses_on_the_home_page(client, mark):
    client.force_login(mark)

    page = client.get(reverse("home"))

    assert page.status_code == 200
    assert reverse("refunds:staff_list") in page.text
    assert reverse("refunds:approvals") in page.text


def test_the_password_can_be_changed(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "parkportal-test",
            "new_password1": "a-much-longer-secret-42",
            "new_password2": "a-much-longer-secret-42",
        },
    )

    assert response.url == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password("a-much-longer-secret-42")


def test_the_language_switch_turns_the_portal_chinese(client, alice):
    client.force_login(alice)

    client.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": reverse("refunds:mine")},
    )
    page = client.get(reverse("refunds:mine"))

    assert '<html lang="zh-hans">' in page.text
    assert "我的退款" in page.text
