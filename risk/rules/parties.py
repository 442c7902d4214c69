"""Rules on who asks and where the money goes."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parkportal.accounts.models import BankAccount, mask_account
from risk.rules.base import Param, RuleType, hit, no_hit, register


@register
class PayeeSharedWithAnotherEnterprise(RuleType):
    name = "payee_shared"
    label = _("Payee account used by another enterprise")
    category = "fraud"
    default_score = 80
    params = {}

    def evaluate(self, context, params):
        account = context.payee_account
        masked = mask_account(account)
        owners = (
            BankAccount.objects.filter(
                account_number=account, created_at__lte=context.as_of
            )
            .exclude(enterprise_id=context.enterprise_id)
            .select_related("enterprise")
            .first()
        )
        if owners is not None:
            return hit(
                gettext_noop(
                    "The payee account %(account)s is registered to %(enterprise)s."
                ),
                account=masked,
                enterprise=owners.enterprise.name,
            )
        if self._verified_as_own(context):
            # The enterprise proved this account is its own; that another
            # enterprise was paid on it points at that other case.
            return no_hit(
                gettext_noop(
                    "The payee account %(account)s is a verified account of this "
                    "enterprise."
                ),
                account=masked,
            )
        other_case = (
            context.submitted_before()
            .filter(payee_account=account)
            .exclude(enterprise_id=context.enterprise_id)
            .order_by("submitted_at")
            .first()
        )
        if other_case is not None:
            return hit(
                gettext_noop(
                    "The payee account %(account)s was used by another enterprise "
                    "in %(reference)s."
                ),
                account=masked,
                reference=other_case.reference,
            )
        return no_hit(
            gettext_noop("No other enterprise uses the payee account %(account)s."),
            account=masked,
        )

    def _verified_as_own(self, context) -> bool:
        return BankAccount.objects.filter(
            enterprise_id=context.enterprise_id,
            account_number=context.payee_account,
            created_at__lte=context.as_of,
            verified_at__lte=context.as_of,
        ).exists()


@register
class PayeeNotVerified(RuleType):
    name = "payee_unverified"
    label = _("Payee account not verified, or new")
    category = "fraud"
    default_score = 40
    params = {
        "days": Param(
            "integer", 30, _("An account added or verified this recently is flagged.")
        )
    }

    def evaluate(self, context, params):
        masked = mask_account(context.payee_account)
        account = (
            BankAccount.objects.filter(
                enterprise_id=context.enterprise_id,
                account_number=context.payee_account,
                created_at__lte=context.as_of,
                verified_at__lte=context.as_of,
            )
            .order_by("-verified_at")
            .first()
        )
        if account is None:
            return hit(
                gettext_noop(
                    "The payee account %(account)s is not among the enterprise's "
                    "verified accounts."
                ),
                account=masked,
            )
        changed = max(account.created_at, account.verified_at)
        if changed > context.days_ago(params["days"]):
            return hit(
                gettext_noop(
                    "The payee account %(account)s was added or verified on "
                    "%(date)s, less than %(days)s days ago."
                ),
                account=masked,
                date=timezone.localdate(changed).isoformat(),
                days=params["days"],
            )
        return no_hit(
            gettext_noop("The payee account %(account)s is verified since %(date)s."),
            account=masked,
            date=timezone.localdate(changed).isoformat(),
        )


@register
class NewEnterprise(RuleType):
    name = "new_enterprise"
    label = _("Enterprise new in the park")
    category = "compliance"
    default_score = 30
    params = {"days": Param("integer", 90, _("Registered less than this many days."))}

    def evaluate(self, context, params):
        registered = context.refund.enterprise.registered_on
        age = (timezone.localdate(context.as_of) - registered).days
        values = {"date": registered.isoformat(), "age": age, "days": params["days"]}
        if age < params["days"]:
            return hit(
                gettext_noop(
                    "The enterprise registered in the park on %(date)s, %(age)s days "
                    "ago (less than %(days)s)."
                ),
                **values,
            )
        return no_hit(
            gettext_noop("The enterprise registered in the park on %(date)s."), **values
        )


@register
class SharedDocument(RuleType):
    name = "shared_document"
    label = _("Same file on another enterprise's case")
    category = "fraud"
    default_score = 80
    params = {}

    def evaluate(self, context, params):
        from refunds.models import Document

        hashes = {document.sha256: document for document in context.documents}
        twin = (
            Document.objects.filter(
                sha256__in=list(hashes), created_at__lte=context.as_of
            )
            .exclude(Q(refund__enterprise_id=context.enterprise_id))
            .select_related("refund")
            .order_by("id")
            .first()
        )
        if twin is not None:
            return hit(
                gettext_noop(
                    "The file “%(name)s” is the same file as one attached to "
                    "%(reference)s of another enterprise."
                ),
                name=hashes[twin.sha256].original_name,
                reference=twin.refund.reference,
            )
        return no_hit(
            gettext_noop(
                "None of the %(count)s files appears on another enterprise's case."
            ),
            count=len(context.documents),
        )
