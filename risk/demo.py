"""What the demo seeder needs from risk: the shipped rules, thresholds and
controls. The data migration installs them; this puts back any that were
deleted, and makes the demo risk officer their owner."""

import importlib

from django.apps import apps

from risk.models import Rule

_defaults = importlib.import_module("risk.migrations.0002_default_rules_and_thresholds")


def seed() -> int:
    """Returns the number of rules."""
    _defaults.install(apps)
    officer = apps.get_model("accounts", "User").objects.filter(username="risk").first()
    if officer is not None:
        Rule.objects.filter(owner__isnull=True).update(owner=officer)
    return Rule.objects.count()
