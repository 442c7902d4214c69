"""The catalogue of rule types. Importing this package registers them."""

from risk.rules import amounts, documents, parties  # noqa: F401
from risk.rules.base import REGISTRY, Param, RuleType, Verdict, rule_type

__all__ = ["REGISTRY", "Param", "RuleType", "Verdict", "rule_type"]
