"""Notification texts, rendered in the reader's language at read or mail
time. Parameters hold codes (a state, a stage) and ISO moments; `render`
turns them into words of the active language."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from operations.models import Stage
from refunds.models import State

TEXTS = {
    "state_changed": (
        _("Your refund request %(reference)s: %(state)s"),
        _("Your refund request %(reference)s is now: %(state)s."),
    ),
    "assigned": (
        _("Case %(reference)s was assigned to you"),
        _("You are now the owner of case %(reference)s of %(enterprise)s."),
    ),
    "reminder": (
        _("Case %(reference)s: %(stage)s is due soon"),
        _("Case %(reference)s: the stage “%(stage)s” is due at %(deadline)s."),
    ),
    "breach": (
        _("Case %(reference)s is overdue: %(stage)s"),
        _(
            "Case %(reference)s: the stage “%(stage)s” passed its deadline "
            "at %(deadline)s. Owner: %(owner)s."
        ),
    ),
    "approval_stalled": (
        _("Approval stalled on case %(reference)s: %(stage)s"),
        _(
            "Case %(reference)s has waited at “%(stage)s” past its deadline "
            "at %(deadline)s."
        ),
    ),
    "no_progress": (
        _("Your refund request %(reference)s is still being handled"),
        _(
            "Your refund request %(reference)s is at “%(state)s”. It is being "
            "handled; we will tell you of every step."
        ),
    ),
    "digest": (
        _("Joint meeting agenda, week of %(week)s"),
        _(
            "The agenda of the finance and operations joint meeting for the "
            "week of %(week)s is ready: %(overdue)s overdue cases, %(finance)s "
            "waiting on finance."
        ),
    ),
    "complaint_filed": (
        _("Complaint on case %(reference)s"),
        _("%(enterprise)s filed a complaint on case %(reference)s: %(body)s"),
    ),
}


def _words(params: dict) -> dict:
    words = {key: value for key, value in params.items() if isinstance(value, str)}
    if params.get("state") in State.values:
        words["state"] = str(State(params["state"]).label)
    if params.get("stage") in Stage.values:
        words["stage"] = str(Stage(params["stage"]).label)
    if params.get("deadline"):
        moment = timezone.localtime(datetime.datetime.fromisoformat(params["deadline"]))
        words["deadline"] = formats.date_format(moment, "DATETIME_FORMAT")
    for key in ("reference", "enterprise", "owner", "week", "body", "deadline"):
        words.setdefault(key, "")
    for key in ("overdue", "finance"):
        words[key] = str(params.get(key, ""))
    return words


def render(kind: str, params: dict) -> tuple[str, str]:
    """The subject and body of a notification in the active language."""
    subject, body = TEXTS.get(kind, (kind, kind))
    words = _words(params)
    try:
        return str(subject) % words, str(body) % words
    except (KeyError, ValueError, TypeError):
        return str(subject), str(body)
