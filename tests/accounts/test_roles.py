"""A user's roles are read from their row, and every way of changing
their groups reaches that row before the next request."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from parkportal.accounts.models import User
from parkportal.accounts.roles import Role, has_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit/events/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mark():
    return UserFactory(username="mark", role=Role.OPS_MANAGER)


@pytest.fixture
def managers():
    return Group.objects.get(name=Role.OPS_MANAGER)


def test_a_role_removed_from_the_user_takes_effect_on_the_next_request(mark, managers):
    client = _signed_in(mark)
    assert client.get(AUDIT).status_code == 200

    mark.groups.remove(managers)

    assert client.get(AUDIT).status_code == 403


def test_a_role_removed_takes_effect_on_the_next_request_with_a_token(mark, managers):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=mark)}")
    assert client.get(AUDIT).status_code == 200

    mark.groups.remove(managers)

    assert client.get(AUDIT).status_code == 403


def test_a_member_removed_from_the_group_loses_the_role_on_the_next_request(
    mark, managers
):
    client = _signed_in(mark)
    assert client.get(AUDIT).status_code == 200

    managers.user_set.remove(mark)

    assert client.get(AUDIT).status_code == 403


def test_a_group_cleared_of_its_members_takes_their_role(mark, managers):
    client = _signed_in(mark)

    managers.user_set.clear()

    assert client.get(AUDIT).status_code == 403
    assert User.objects.get(pk=mark.pk).role_names == []


def test_a_group_deleted_takes_its_role_from_every_member(mark, managers):
    client = _signed_in(mark)

    managers.delete()

    assert client.get(AUDIT).status_code == 403


def test_a_group_renamed_is_no_longer_the_role(mark, managers):
    client = _signed_in(mark)

    managers.name = "former managers"
    managers.save()

    assert client.get(AUDIT).status_code == 403
    assert User.objects.get(pk=mark.pk).role_names == ["former managers"]


def test_a_role_granted_takes_effect_on_the_next_request():
    alice = UserFactory(username="alice")
    client = _signed_in(alice)
    assert client.get(AUDIT).status_code == 403

    Group.objects.get(name=Role.AUDITOR).user_set.add(alice)

    assert client.get(AUDIT).status_code == 200


def test_a_copy_read_before_the_change_does_not_write_the_role_back(mark, managers):
    stale = User.objects.get(pk=mark.pk)
    assert has_role(stale, Role.OPS_MANAGER)

    managers.user_set.remove(mark)
    stale.display_name = "Mark"
    stale.save()

    fresh = User.objects.get(pk=mark.pk)
    assert fresh.display_name == "Mark"
    assert not has_role(fresh, Role.OPS_MANAGER)


def test_the_user_changed_in_place_answers_with_the_new_roles(mark, managers):
    assert has_role(mark, Role.OPS_MANAGER)

    mark.groups.remove(managers)

    assert not has_role(mark, Role.OPS_MANAGER)


def test_roles_are_read_from_the_row_without_a_query(mark):
    user = User.objects.get(pk=mark.pk)

    with CaptureQueriesContext(connection) as captured:
        assert has_role(user, Role.OPS_MANAGER)

    assert len(captured) == 0


def test_a_row_without_its_roles_reads_the_groups(mark):
    User.objects.filter(pk=mark.pk).update(role_names=None)

    assert has_role(User.objects.get(pk=mark.pk), Role.OPS_MANAGER)


def test_a_user_copied_into_a_new_row_has_no_roles_until_given_groups(mark):
    copy = User.objects.get(pk=mark.pk)
    copy.pk, copy.username = None, "mark-2"

    copy.save(force_insert=True)

    assert User.objects.get(username="mark-2").role_names == []
    assert not has_role(copy, Role.OPS_MANAGER)
