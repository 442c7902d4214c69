"""The roles of DESIGN.md, each a Django group.

Code asks `has_role(user, Role.FINANCE_DIRECTOR)`; the group names are data
so that an administrator can see and change membership in the admin. The
user's row carries a copy of their group names (`User.role_names`, kept by
parkportal.accounts.signals), so that a request reads no more than the row
it authenticates with.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise applicant")
    OPS_SPECIALIST = "ops_specialist", _("Operations specialist")
    OPS_MANAGER = "ops_manager", _("Operations manager")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    FINANCE_DIRECTOR = "finance_director", _("Finance director")
    COMMITTEE = "committee", _("Park committee")
    RISK_OFFICER = "risk_officer", _("Risk officer")
    AUDITOR = "auditor", _("Auditor")


STAFF_ROLES = frozenset(set(Role) - {Role.ENTERPRISE})


def user_roles(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_parkportal_roles", None)
    if cached is None:
        names = getattr(user, "role_names", None)
        if names is None:
            names = user.groups.values_list("name", flat=True)
        cached = frozenset(names)
        user._parkportal_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


# The account that acts for the system itself: automatic screening,
# scheduled jobs, bank statement matching. It cannot sign in.
SYSTEM_USERNAME = "system"


def is_system(user) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME
