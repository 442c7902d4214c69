from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from parkportal.accounts.roles import SYSTEM_USERNAME, Role


def system_user():
    """The account recorded as the actor of automatic steps."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "display_name": "parkportal"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def roles_ensure() -> None:
    """Create the group of every role; safe to run again."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def user_grant_role(*, user, role: str) -> None:
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
