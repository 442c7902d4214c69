from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.errors import InvalidInput, NotAllowed
from refunds.models import Message
from refunds.services.audit import audit_record
from refunds.services.lifecycle import lock_refund


def message_post(
    *, refund_id: int, author, body: str, internal: bool = False
) -> Message:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("The message is empty."), code="message_empty")
    if len(body) > 5000:
        raise InvalidInput(_("The message is too long."), code="message_too_long")
    with transaction.atomic():
        refund = lock_refund(refund_id)
        is_enterprise = has_role(author, Role.ENTERPRISE)
        if is_enterprise and author.enterprise_id != refund.enterprise_id:
            raise NotAllowed(_("You may not write on this case."))
        if not is_enterprise and not has_role(
            author,
            Role.OPS_SPECIALIST,
            Role.OPS_MANAGER,
            Role.RISK_OFFICER,
            Role.FINANCE_OFFICER,
            Role.FINANCE_DIRECTOR,
            Role.COMMITTEE,
        ):
            raise NotAllowed(_("You may not write on this case."))
        if internal and not is_staff_member(author):
            raise NotAllowed(_("Only staff may write internal notes."))
        message = Message.objects.create(
            refund=refund, author=author, body=body, internal=internal
        )
        audit_record(
            actor=author,
            action="message.internal_note" if internal else "message.post",
            obj=message,
            refund=refund,
            after={"internal": internal, "length": len(body)},
        )
    return message
