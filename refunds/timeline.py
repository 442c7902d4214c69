"""Timeline texts, rendered in the reader's language at read time.

Other apps add their own kinds with `register` from their AppConfig.ready.
"""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "created": _("The request was created as a draft."),
    "submit": _("The request was submitted."),
    "start_review": _("The case was screened and its review started."),
    "request_info": _("More information was requested."),
    "respond": _("The enterprise answered the request for information."),
    "hold": _("The case was put on hold for a risk check."),
    "clear": _("The risk hold was cleared."),
    "forward": _("The case was forwarded for approval."),
    "approve": _("Approved at level: %(level)s."),
    "reject": _("The request was rejected."),
    "send_back": _("The approver sent the case back for review."),
    "schedule": _("The payment was scheduled in a disbursement batch."),
    "confirm_paid": _("The bank confirmed the payment."),
    "mark_failed": _("The payment failed."),
    "retry": _("The payment is being retried."),
    "close": _("The case was closed."),
    "withdraw": _("The enterprise withdrew the request."),
    "document_added": _("A document was added: %(name)s."),
    "assign": _("The case was assigned to %(owner)s."),
}

# Comments on these steps are for staff; the enterprise sees the step only.
STAFF_ONLY_COMMENTS = frozenset({"hold", "clear", "send_back", "start_review"})


def register(kind: str, text) -> None:
    TEXTS[kind] = text


def render(kind: str, params: dict) -> str:
    text = TEXTS.get(kind, kind)
    values = {
        key: value for key, value in params.items() if isinstance(value, str | int)
    }
    values.setdefault("level", "")
    values.setdefault("name", "")
    values.setdefault("owner", "")
    if "level" in params:
        from refunds.models.approvals import ApprovalLevel

        values["level"] = str(dict(ApprovalLevel.choices).get(params["level"], ""))
    try:
        return str(text) % values
    except (KeyError, ValueError, TypeError):
        return str(text)
