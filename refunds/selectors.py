"""Read queries: what a person may see, shaped for lists and pages."""

from django.db.models import QuerySet

from parkportal.accounts.roles import Role, has_role, is_staff_member
from refunds.models import Message, RefundRequest, TimelineEntry
from refunds.timeline import STAFF_ONLY_COMMENTS, render


def refunds_visible_to(user) -> QuerySet[RefundRequest]:
    refunds = RefundRequest.objects.select_related("enterprise", "owner", "contract")
    if has_role(user, Role.ENTERPRISE):
        return refunds.filter(enterprise_id=user.enterprise_id)
    if is_staff_member(user):
        return refunds
    return refunds.none()


def timeline_for(refund: RefundRequest, user) -> list[dict]:
    """The case's timeline in the reader's language; an enterprise sees
    neither internal steps nor staff-only comments."""
    entries = TimelineEntry.objects.filter(refund=refund).select_related(
        "actor", "on_behalf_of"
    )
    for_enterprise = has_role(user, Role.ENTERPRISE)
    if for_enterprise:
        entries = entries.filter(visible_to_enterprise=True)
    rows = []
    for entry in entries:
        comment = entry.params.get("comment", "")
        if for_enterprise and entry.kind in STAFF_ONLY_COMMENTS:
            comment = ""
        rows.append(
            {
                "id": entry.pk,
                "kind": entry.kind,
                "text": render(entry),
                "comment": comment,
                "actor": str(entry.actor) if entry.actor else "",
                "on_behalf_of": str(entry.on_behalf_of) if entry.on_behalf_of else "",
                "state_before": entry.state_before,
                "state_after": entry.state_after,
                "created_at": entry.created_at,
            }
        )
    return rows


def messages_for(refund: RefundRequest, user) -> QuerySet[Message]:
    messages = Message.objects.filter(refund=refund).select_related("author")
    if not is_staff_member(user):
        messages = messages.filter(internal=False)
    return messages
