"""E-mails finance people receive from the pool."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from parkportal.accounts.roles import Role

logger = logging.getLogger(__name__)


def _addresses(*roles: str) -> list[str]:
    users = (
        get_user_model()
        .objects.filter(groups__name__in=roles, is_active=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def _send(subject: str, body: str, roles) -> int:
    recipients = _addresses(*roles)
    if not recipients:
        return 0
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def mail_awaiting_funds(earmark) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Refund %(ref)s awaits funds in the reserve pool") % {
            "ref": earmark.refund.reference
        }
        body = _(
            "Refund %(ref)s was approved for %(amount)s CNY but the reserve pool "
            "cannot cover it. It will be earmarked as soon as a top-up is confirmed."
        ) % {"ref": earmark.refund.reference, "amount": earmark.amount_cny}
    logger.info(
        "awaiting-funds notice for refund %s sent to the finance director",
        earmark.refund.reference,
    )
    return _send(subject, body, [Role.FINANCE_DIRECTOR])


def mail_low_watermark(pool) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("The reserve pool is below its low watermark")
        body = _(
            "Available money in the reserve pool is %(available)s CNY, below the "
            "watermark of %(watermark)s CNY. Please propose a top-up."
        ) % {"available": pool.available, "watermark": pool.low_watermark}
    logger.info("low-watermark alert for pool %s sent", pool.code)
    return _send(subject, body, [Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR])
