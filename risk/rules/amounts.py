"""Rules on how much is asked for."""

import math
import statistics
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from refunds.models.case import COMMITTED_STATES, State
from risk.rules.base import Param, RuleType, hit, no_hit, register

# States in which a case is asking for money that has not been promised
# yet: it competes with the case being screened for what the contract can
# still give back.
IN_FLIGHT_STATES = frozenset(
    {
        State.SUBMITTED,
        State.UNDER_REVIEW,
        State.INFO_REQUESTED,
        State.ON_HOLD,
        State.PENDING_APPROVAL,
    }
)


@register
class AmountAboveThreshold(RuleType):
    name = "amount_above_threshold"
    label = _("Amount above a threshold")
    category = "liquidity"
    default_score = 30
    params = {
        "thresholds_cny": Param(
            "currency_map",
            {"default": "2000000.00"},
            _("Per currency (or default), the CNY equivalent from which to flag."),
        ),
    }

    def evaluate(self, context, params):
        limits = params["thresholds_cny"]
        limit = limits.get(context.currency, limits["default"])
        if context.amount_cny > limit:
            return hit(
                gettext_noop(
                    "The amount is %(amount)s CNY, above the threshold of %(limit)s CNY."
                ),
                amount=context.amount_cny,
                limit=limit,
            )
        return no_hit(
            gettext_noop(
                "The amount of %(amount)s CNY is within the threshold of %(limit)s CNY."
            ),
            amount=context.amount_cny,
            limit=limit,
        )


@register
class FxExposure(RuleType):
    name = "fx_exposure"
    label = _("Foreign-currency exposure")
    category = "fx"
    default_score = 30
    params = {
        "threshold_cny": Param(
            "decimal",
            "300000.00",
            _("CNY equivalent from which a foreign-currency refund is flagged."),
        ),
    }

    def evaluate(self, context, params):
        if context.currency == "CNY":
            return no_hit(
                gettext_noop("The refund is in CNY: no exchange-rate exposure.")
            )
        limit = params["threshold_cny"]
        values = {
            "amount": context.amount,
            "currency": context.currency,
            "amount_cny": context.amount_cny,
            "limit": limit,
        }
        if context.amount_cny > limit:
            return hit(
                gettext_noop(
                    "%(amount)s %(currency)s is worth %(amount_cny)s CNY, above the "
                    "exchange-rate exposure limit of %(limit)s CNY."
                ),
                **values,
            )
        return no_hit(
            gettext_noop(
                "%(amount)s %(currency)s is worth %(amount_cny)s CNY, within the "
                "exchange-rate exposure limit of %(limit)s CNY."
            ),
            **values,
        )


@register
class AboveContractRemaining(RuleType):
    name = "above_contract_remaining"
    label = _("Amount above what the contract can still return")
    category = "compliance"
    default_score = 80
    params = {}

    def evaluate(self, context, params):
        contract = context.refund.contract
        others = list(
            context.submitted_before().filter(contract_id=context.contract_id)
        )
        states = context.states_at(others)
        committed = sum(
            (o.payable_amount for o in others if states[o.pk] in COMMITTED_STATES),
            Decimal("0"),
        )
        in_flight = sum(
            (o.amount for o in others if states[o.pk] in IN_FLIGHT_STATES),
            Decimal("0"),
        )
        remaining = contract.paid_amount - committed - in_flight
        values = {
            "amount": context.amount,
            "paid": contract.paid_amount,
            "committed": committed,
            "in_flight": in_flight,
            "remaining": remaining,
            "currency": context.currency,
        }
        if context.amount > remaining:
            return hit(
                gettext_noop(
                    "The amount %(amount)s %(currency)s is more than the contract can "
                    "still return: paid %(paid)s, refunded or approved %(committed)s, "
                    "asked for in other open cases %(in_flight)s, leaving %(remaining)s."
                ),
                **values,
            )
        return no_hit(
            gettext_noop(
                "The amount %(amount)s %(currency)s fits in what the contract can "
                "still return (%(remaining)s)."
            ),
            **values,
        )


@register
class Velocity(RuleType):
    name = "velocity"
    label = _("Many requests in a short time")
    category = "fraud"
    default_score = 40
    params = {
        "days": Param("integer", 30, _("Window in days.")),
        "max_requests": Param(
            "integer", 4, _("More requests than this in the window are flagged.")
        ),
        "max_total_cny": Param(
            "decimal", "3000000.00", _("More than this in total (CNY) is flagged.")
        ),
    }

    def evaluate(self, context, params):
        # Withdrawn and rejected requests count: the rule is about how
        # often an enterprise tries, not how often it succeeds.
        recent = context.submitted_before().filter(
            enterprise_id=context.enterprise_id,
            submitted_at__gt=context.days_ago(params["days"]),
        )
        count = recent.count() + 1
        total = (recent.aggregate(total=Sum("amount_cny"))["total"] or Decimal("0")) + (
            context.amount_cny
        )
        values = {"count": count, "total": total, "days": params["days"]}
        if count > params["max_requests"]:
            return hit(
                gettext_noop(
                    "%(count)s requests from this enterprise in %(days)s days."
                ),
                limit=params["max_requests"],
                **values,
            )
        if total > params["max_total_cny"]:
            return hit(
                gettext_noop(
                    "%(total)s CNY asked for by this enterprise in %(days)s days, above "
                    "%(limit)s CNY."
                ),
                limit=params["max_total_cny"],
                **values,
            )
        return no_hit(
            gettext_noop(
                "%(count)s requests, %(total)s CNY in total, in %(days)s days."
            ),
            **values,
        )


@register
class LikelyDuplicate(RuleType):
    name = "likely_duplicate"
    label = _("Likely duplicate request")
    category = "operational"
    default_score = 50
    params = {"days": Param("integer", 60, _("Window in days."))}

    def evaluate(self, context, params):
        twin = (
            context.submitted_before()
            .filter(
                enterprise_id=context.enterprise_id,
                contract_id=context.contract_id,
                amount=context.amount,
                currency=context.currency,
                submitted_at__gt=context.days_ago(params["days"]),
            )
            .order_by("-submitted_at")
            .first()
        )
        if twin is not None:
            return hit(
                gettext_noop(
                    "%(reference)s asked for the same amount on the same contract "
                    "within %(days)s days."
                ),
                reference=twin.reference,
                days=params["days"],
            )
        return no_hit(
            gettext_noop(
                "No request for the same amount on this contract in %(days)s days."
            ),
            days=params["days"],
        )


def robust_z(value: float, history: list[float], mad_floor: float) -> float:
    """The modified z-score (Iglewicz and Hoaglin): 0.6745 (x − median) /
    MAD. The floor keeps a history of identical amounts from making every
    other amount infinitely unusual."""
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    return 0.6745 * (value - median) / max(mad, mad_floor)


@register
class UnusualAmount(RuleType):
    name = "unusual_amount"
    label = _("Amount unusual for the enterprise or reason")
    category = "fraud"
    default_score = 40
    params = {
        "max_z": Param("decimal", "4.0", _("Robust z-score above which to flag.")),
        "min_history": Param(
            "integer", 8, _("Earlier requests of the enterprise needed to judge.")
        ),
        "min_reason_history": Param(
            "integer",
            30,
            _(
                "Earlier requests with the same reason needed when the enterprise "
                "has too few."
            ),
        ),
        "reason_days": Param(
            "integer", 365, _("How far back the requests with the same reason go.")
        ),
    }

    # Amounts grow by factors, not by steps: the score is taken on their
    # logarithm, so that 10 000 against 1 000 weighs like 100 000 against
    # 10 000. A floor of 0.05 (about 5 %) keeps steady histories usable.
    MAD_FLOOR = 0.05

    def evaluate(self, context, params):
        earlier = context.submitted_before().filter(amount_cny__gt=0)
        own = list(
            earlier.filter(enterprise_id=context.enterprise_id).values_list(
                "amount_cny", flat=True
            )
        )
        if len(own) >= params["min_history"]:
            return self._judge(context, params, own, "enterprise")
        peers = list(
            earlier.filter(
                reason=context.reason,
                submitted_at__gt=context.days_ago(params["reason_days"]),
            ).values_list("amount_cny", flat=True)
        )
        if len(peers) >= params["min_reason_history"]:
            return self._judge(context, params, peers, "reason")
        return no_hit(
            gettext_noop(
                "Only %(count)s earlier requests of this enterprise; at least "
                "%(minimum)s are needed to judge the amount."
            ),
            count=len(own),
            minimum=params["min_history"],
        )

    MESSAGES = {
        ("enterprise", True): gettext_noop(
            "%(amount)s CNY is unusual for this enterprise: robust z-score %(z)s "
            "against a median of %(median)s CNY over %(count)s requests."
        ),
        ("enterprise", False): gettext_noop(
            "%(amount)s CNY is usual for this enterprise: robust z-score %(z)s "
            "against a median of %(median)s CNY over %(count)s requests."
        ),
        ("reason", True): gettext_noop(
            "%(amount)s CNY is unusual for this refund reason: robust z-score "
            "%(z)s against a median of %(median)s CNY over %(count)s requests."
        ),
        ("reason", False): gettext_noop(
            "%(amount)s CNY is usual for this refund reason: robust z-score %(z)s "
            "against a median of %(median)s CNY over %(count)s requests."
        ),
    }

    def _judge(self, context, params, amounts, scope):
        history = [math.log(float(a)) for a in amounts]
        z = robust_z(math.log(float(context.amount_cny)), history, self.MAD_FLOOR)
        median = Decimal(str(math.exp(statistics.median(history))))
        values = {
            "amount": context.amount_cny,
            "median": median,
            "z": f"{z:.1f}",
            "count": len(amounts),
        }
        unusual = z > float(params["max_z"])
        verdict = hit if unusual else no_hit
        return verdict(self.MESSAGES[scope, unusual], **values)
