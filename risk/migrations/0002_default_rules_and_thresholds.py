"""The shipped rule catalogue, the score thresholds and the risk-control
matrix, as a risk officer finds them on a new installation.

The values are written out here rather than read from the rule types, so
that this migration means the same thing whatever the code says later.
Every rule's hit alone reaches the review threshold; the rules that point
at fraud almost by themselves (a payee of another enterprise, a file of
another enterprise, more than the contract can return) reach the hold
threshold alone.
"""

from django.db import migrations

# code, rule type, risk, score, parameters, name
DEFAULT_RULES = (
    (
        "amount-above-threshold",
        "amount_above_threshold",
        "liquidity",
        30,
        {"thresholds_cny": {"default": "2000000.00"}},
        "Amount above 2 000 000 CNY equivalent",
    ),
    (
        "velocity",
        "velocity",
        "fraud",
        40,
        {"days": 30, "max_requests": 4, "max_total_cny": "3000000.00"},
        "More than 4 requests or 3 000 000 CNY from one enterprise in 30 days",
    ),
    (
        "payee-shared",
        "payee_shared",
        "fraud",
        80,
        {},
        "Payee account used by another enterprise",
    ),
    (
        "payee-unverified",
        "payee_unverified",
        "fraud",
        40,
        {"days": 30},
        "Payee account not verified, or added within 30 days",
    ),
    (
        "above-contract-remaining",
        "above_contract_remaining",
        "compliance",
        80,
        {},
        "Amount above what the contract can still return",
    ),
    (
        "likely-duplicate",
        "likely_duplicate",
        "operational",
        50,
        {"days": 60},
        "Same enterprise, contract and amount within 60 days",
    ),
    (
        "new-enterprise",
        "new_enterprise",
        "compliance",
        30,
        {"days": 90},
        "Enterprise registered in the park less than 90 days ago",
    ),
    (
        "fx-exposure",
        "fx_exposure",
        "fx",
        30,
        {"threshold_cny": "300000.00"},
        "Foreign currency above 300 000 CNY equivalent",
    ),
    (
        "unusual-amount",
        "unusual_amount",
        "fraud",
        40,
        {
            "max_z": "4.0",
            "min_history": 8,
            "min_reason_history": 30,
            "reason_days": 365,
        },
        "Amount unusual for the enterprise or reason (robust z-score above 4)",
    ),
    (
        "required-document-missing",
        "required_document_missing",
        "compliance",
        50,
        {
            "required": {
                "deposit": ["bank_proof", "contract"],
                "prepaid_fee": ["bank_proof", "contract", "invoice"],
                "overpayment": ["bank_proof", "contract", "invoice"],
                "incentive_correction": ["bank_proof", "contract"],
                "other": ["bank_proof", "contract"],
            },
            "invoice_from_cny": "1000000.00",
        },
        "A required document type is missing",
    ),
    (
        "invoice-total-mismatch",
        "invoice_total_mismatch",
        "operational",
        50,
        {"tolerance": "1.00"},
        "Invoice totals do not add up to the amount",
    ),
    (
        "shared-document",
        "shared_document",
        "fraud",
        80,
        {},
        "Same file attached to another enterprise's case",
    ),
)

DEFAULT_THRESHOLDS = (("review", 30), ("committee", 60), ("hold", 80))

# risk, kind, owner role, name, description
OTHER_CONTROLS = (
    (
        "fraud",
        "separation_of_duties",
        "auditor",
        "Separation of duties",
        "Nobody approves a case they own or applied for, or signs two levels.",
    ),
    (
        "fraud",
        "four_eyes",
        "finance_director",
        "Four-eyes disbursement batches",
        "The person who builds a batch does not authorise it.",
    ),
    (
        "operational",
        "approval_levels",
        "ops_manager",
        "Approval levels by amount",
        "Manager, finance director and committee sign by amount in CNY.",
    ),
    (
        "compliance",
        "approval_levels",
        "committee",
        "Committee level added by risk score",
        "A score at the committee threshold adds the park committee's signature.",
    ),
    (
        "liquidity",
        "pool_guard",
        "finance_director",
        "Reserve pool guard",
        "Approved amounts are earmarked; available funds never go below zero.",
    ),
    (
        "liquidity",
        "four_eyes",
        "finance_director",
        "Batch authorisation",
        "Money leaves only in batches authorised by a second person.",
    ),
    (
        "fx",
        "approval_levels",
        "finance_director",
        "Rate fixed at approval",
        "A foreign-currency refund carries the rate at approval and at payment.",
    ),
)


def install(apps, schema_editor=None):
    rule_model = apps.get_model("risk", "Rule")
    version_model = apps.get_model("risk", "RuleVersion")
    threshold_model = apps.get_model("risk", "Threshold")
    control_model = apps.get_model("risk", "Control")
    for position, (code, kind, risk, score, parameters, name) in enumerate(
        DEFAULT_RULES, start=1
    ):
        rule, created = rule_model.objects.get_or_create(
            code=code, defaults={"rule_type": kind, "name": name, "category": risk}
        )
        if created:
            version = version_model.objects.create(
                rule=rule, number=1, parameters=parameters, score=score, status="live"
            )
            rule.live_version = version
            rule.save(update_fields=["live_version"])
        control_model.objects.get_or_create(
            rule=rule,
            defaults={
                "risk": risk,
                "kind": "rule",
                "name": name,
                "owner_role": "risk_officer",
                "position": position,
            },
        )
    for outcome, minimum in DEFAULT_THRESHOLDS:
        threshold_model.objects.get_or_create(
            outcome=outcome, defaults={"min_score": minimum}
        )
    for position, (risk, kind, owner, name, description) in enumerate(
        OTHER_CONTROLS, start=100
    ):
        control_model.objects.get_or_create(
            risk=risk,
            kind=kind,
            name=name,
            defaults={
                "owner_role": owner,
                "description": description,
                "position": position,
            },
        )


def uninstall(apps, schema_editor):
    codes = [row[0] for row in DEFAULT_RULES]
    apps.get_model("risk", "Control").objects.all().delete()
    apps.get_model("risk", "Threshold").objects.all().delete()
    rules = apps.get_model("risk", "Rule").objects.filter(code__in=codes)
    rules.update(live_version=None)
    apps.get_model("risk", "RuleVersion").objects.filter(rule__in=rules).delete()
    rules.delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
