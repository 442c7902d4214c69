"""What a rule type is: a name, a parameter schema with defaults, and an
`evaluate` that answers hit or no hit with a sentence.

Sentences are stored untranslated with their parameters and rendered in
the reader's language (risk.models.render_message); `gettext_noop` marks
them for the catalogue.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from parkportal.core.errors import InvalidInput
from refunds.models import DocumentKind, Reason


@dataclass(frozen=True)
class Verdict:
    hit: bool
    message: str
    params: dict = field(default_factory=dict)


def hit(message: str, **params) -> Verdict:
    return Verdict(True, message, _plain(params))


def no_hit(message: str, **params) -> Verdict:
    return Verdict(False, message, _plain(params))


def _plain(params: dict) -> dict:
    # Stored as JSON and shown to people: numbers become their text.
    return {
        key: format_amount(value) if isinstance(value, Decimal) else value
        for key, value in params.items()
    }


def format_amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


@dataclass(frozen=True)
class Param:
    """One parameter: its kind decides how a value is checked and read."""

    kind: str  # decimal, integer, currency_map, reason_kinds, kinds
    default: object
    help: str = ""


class RuleType:
    name: str = ""
    label = ""
    category = "fraud"
    default_score = 30
    params: dict[str, Param] = {}

    def defaults(self) -> dict:
        return {key: param.default for key, param in self.params.items()}

    def clean(self, raw: dict | None) -> dict:
        """Defaults overlaid with `raw`, each value checked; the result is
        what a version stores."""
        raw = dict(raw or {})
        unknown = set(raw) - set(self.params)
        if unknown:
            raise InvalidInput(
                _("Unknown parameters: %(names)s.")
                % {"names": ", ".join(sorted(unknown))},
                code="invalid_parameters",
            )
        merged = {**self.defaults(), **raw}
        return {key: _check(key, self.params[key], merged[key]) for key in self.params}

    def read(self, parameters: dict) -> dict:
        """Stored parameters as Python values (Decimals for money)."""
        values = self.clean(parameters)
        return {key: _read(self.params[key], value) for key, value in values.items()}

    def evaluate(self, context, params: dict) -> Verdict:
        raise NotImplementedError


def _invalid(key: str):
    return InvalidInput(
        _("The parameter %(name)s has a value that does not fit it.") % {"name": key},
        code="invalid_parameters",
    )


def _decimal_text(key: str, value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise _invalid(key) from None
    if not number.is_finite() or number < 0:
        raise _invalid(key)
    return str(number)


def _check(key: str, param: Param, value):
    if param.kind == "decimal":
        return _decimal_text(key, value)
    if param.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _invalid(key)
        return value
    if param.kind == "currency_map":
        if not isinstance(value, dict) or "default" not in value:
            raise _invalid(key)
        return {
            code if code == "default" else str(code).upper(): _decimal_text(key, v)
            for code, v in value.items()
        }
    if param.kind == "reason_kinds":
        if not isinstance(value, dict) or set(value) - set(Reason.values):
            raise _invalid(key)
        return {
            reason: _check(key, Param("kinds", []), v) for reason, v in value.items()
        }
    if param.kind == "kinds":
        if not isinstance(value, list) or set(value) - set(DocumentKind.values):
            raise _invalid(key)
        return sorted(set(value))
    raise _invalid(key)


def _read(param: Param, value):
    if param.kind == "decimal":
        return Decimal(value)
    if param.kind == "currency_map":
        return {code: Decimal(v) for code, v in value.items()}
    return value


REGISTRY: dict[str, RuleType] = {}


def register(cls):
    instance = cls()
    REGISTRY[instance.name] = instance
    return cls


def rule_type(name: str) -> RuleType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidInput(
            _("There is no rule type %(name)s.") % {"name": name},
            code="unknown_rule_type",
        ) from None
