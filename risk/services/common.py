from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role
from parkportal.core.errors import NotAllowed


def require_risk_officer(actor) -> None:
    if not has_role(actor, Role.RISK_OFFICER):
        raise NotAllowed(_("Only a risk officer may do this."))
