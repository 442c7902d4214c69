"""What finance people (and the system, for them) do with the pool.

Lock order everywhere: refund case rows first (by id), then the pool row,
then other finance rows (top-ups, batches, payments, earmarks, lines).
"""

from django.utils.translation import gettext as _

from parkportal.accounts.roles import has_role, is_system
from parkportal.core.errors import NotAllowed


def require_role(actor, *roles: str) -> None:
    if is_system(actor) or has_role(actor, *roles):
        return
    raise NotAllowed(_("Your role may not do this."), code="forbidden")
