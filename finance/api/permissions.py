from rest_framework.permissions import SAFE_METHODS, BasePermission

from parkportal.accounts.roles import Role, has_role

FINANCE = (Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
READERS = (*FINANCE, Role.AUDITOR)
POOL_READERS = (*READERS, Role.COMMITTEE, Role.OPS_MANAGER)


class FinanceDesk(BasePermission):
    """Finance works here; the auditor reads. The services check which
    finance role may take each step."""

    def has_permission(self, request, view):
        roles = READERS if request.method in SAFE_METHODS else FINANCE
        return has_role(request.user, *roles)


class PoolReader(BasePermission):
    """The pool's figures are shown to the committee and the managers as
    well."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS and has_role(request.user, *POOL_READERS)
