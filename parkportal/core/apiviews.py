"""What every parkportal API view shares: the error-aware schema, the
caller's language, and the auditor's read-only access."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from parkportal.accounts.roles import Role, has_role
from parkportal.core.middleware import activate_user_language
from parkportal.core.schema import ErrorAwareSchema


class ReadOnlyForAuditor(permissions.BasePermission):
    """A third-party auditor reads everything and changes nothing, whatever
    other role they may also hold."""

    message = _("An auditor has read-only access.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return not has_role(request.user, Role.AUDITOR)


class ParkportalAPIMixin:
    schema = ErrorAwareSchema()
    permission_classes = [permissions.IsAuthenticated, ReadOnlyForAuditor]

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # Token users are only known once DRF has authenticated them, after
        # the middleware ran; permission errors that follow speak their
        # language too.
        activate_user_language(request._request, request.user)
