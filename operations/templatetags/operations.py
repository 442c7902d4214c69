"""Operations' pieces of pages that other apps render: the SLA panel of
the staff case page, the rating and complaint forms of the enterprise case
page, and the unread count of the header. Templates of refunds and the
base layout load this library, so refunds' Python code never imports
operations (DESIGN.md's floors) while the case view stays unaware of it."""

from django import template
from django.urls import reverse

from operations import selectors
from operations.forms import ComplaintForm, RatingForm
from operations.models import Rating
from parkportal.accounts.roles import Role, has_role, is_staff_member
from refunds.models import State

register = template.Library()


def _duration(minutes: int) -> dict:
    hours, rest = divmod(int(minutes), 60)
    return {"hours": hours, "minutes": rest}


@register.inclusion_tag("operations/includes/sla_panel.html", takes_context=True)
def sla_panel(context, refund):
    """Each stage's deadline and the total for staff; nothing for others."""
    user = context["request"].user
    if not is_staff_member(user):
        return {"show": False}
    panel = selectors.sla_panel(refund=refund)
    rows = []
    for status in panel["stages"]:
        rows.append(
            {
                **status,
                "left": _duration(status["left_minutes"]),
                "late": _duration(status["overdue_minutes"]),
            }
        )
    total = panel["total"]
    if total:
        total = {
            **total,
            "left": _duration(total["left_minutes"]),
            "late": _duration(total["overdue_minutes"]),
        }
    return {"show": True, "stages": rows, "total": total}


@register.inclusion_tag("operations/includes/case_feedback.html", takes_context=True)
def case_feedback(context, refund):
    """Rating (once, after close) and complaint forms for the enterprise
    that applied."""
    request = context["request"]
    user = request.user
    if not (
        has_role(user, Role.ENTERPRISE) and user.enterprise_id == refund.enterprise_id
    ):
        return {"show": False}
    rating = Rating.objects.filter(refund=refund).first()
    return {
        "show": True,
        "refund": refund,
        "rating": rating,
        "may_rate": rating is None and refund.state == State.CLOSED,
        "rating_form": RatingForm(auto_id="rating_%s"),
        "complaint_form": ComplaintForm(auto_id="complaint_%s"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("operations/includes/inbox_link.html", takes_context=True)
def inbox_link(context):
    """The header's link to the notifications inbox with the unread count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "url": reverse("operations:inbox"),
        "unread": selectors.unread_count(user=user),
        "current": request.path == reverse("operations:inbox"),
    }
