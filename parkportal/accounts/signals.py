"""Keep `User.role_names` in step with the user's groups, whichever side
of the relation changed: a user's groups, a group's members, a group's
name, or a group deleted."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from parkportal.accounts.models import User


def users_refresh_roles(user_ids) -> dict[int, list[str]]:
    names = {user_id: [] for user_id in user_ids}
    memberships = User.groups.through.objects.filter(user_id__in=names)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        names[user_id].append(name)
    for user_id, roles in names.items():
        roles.sort()
        User.objects.filter(pk=user_id).update(role_names=roles)
    return names


def _member_ids(group) -> list[int]:
    return list(group.user_set.values_list("pk", flat=True))


def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action.startswith("post_"):
            instance.role_names = users_refresh_roles([instance.pk])[instance.pk]
            instance.__dict__.pop("_parkportal_roles", None)
        return
    # A group's members changed: pk_set holds the users added or removed,
    # except for clear(), whose members are only known before it runs.
    if action == "pre_clear":
        instance._members_before_clear = _member_ids(instance)
    elif action == "post_clear":
        users_refresh_roles(instance.__dict__.pop("_members_before_clear", []))
    elif action in ("post_add", "post_remove"):
        users_refresh_roles(pk_set)


def on_group_saved(sender, instance, created, raw=False, **kwargs):
    # The role is the group's name: renaming a group changes its members'.
    if not created and not raw:
        users_refresh_roles(_member_ids(instance))


def on_group_deleting(sender, instance, **kwargs):
    instance._members_before_delete = _member_ids(instance)


def on_group_deleted(sender, instance, **kwargs):
    users_refresh_roles(instance.__dict__.pop("_members_before_delete", []))


def connect() -> None:
    m2m_changed.connect(
        on_groups_changed, sender=User.groups.through, dispatch_uid="accounts.roles"
    )
    post_save.connect(on_group_saved, sender=Group, dispatch_uid="accounts.roles")
    pre_delete.connect(on_group_deleting, sender=Group, dispatch_uid="accounts.roles")
    post_delete.connect(on_group_deleted, sender=Group, dispatch_uid="accounts.roles")
