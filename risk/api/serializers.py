"""Shapes of the risk API. Reasons come in the caller's language, with
the English and Chinese sentences beside them for records and exports."""

from django.utils import translation
from rest_framework import serializers

from parkportal.core import clock
from risk.models import (
    Assessment,
    Backtest,
    BacktestCase,
    Hold,
    InvoiceDeclaration,
    RiskCategory,
    Rule,
    RuleResult,
    RuleVersion,
    Threshold,
    ThresholdOutcome,
    render_message,
)
from risk.selectors import hold_reasons

LANGUAGES = ("zh-hans", "en")


def _sentences(message: str, params: dict) -> dict:
    return {
        language: render_message(message, params, language) for language in LANGUAGES
    }


class ParameterSerializer(serializers.Serializer):
    kind = serializers.CharField()
    default = serializers.JSONField()
    help = serializers.CharField()


class RuleTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    category = serializers.CharField()
    default_score = serializers.IntegerField()
    parameters = serializers.SerializerMethodField()

    def get_parameters(self, rule_type) -> dict[str, dict]:
        return {
            key: {"kind": p.kind, "default": p.default, "help": str(p.help)}
            for key, p in rule_type.params.items()
        }


class RuleVersionSerializer(serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RuleVersion
        fields = [
            "id",
            "rule",
            "number",
            "parameters",
            "score",
            "status",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    live_version = RuleVersionSerializer(read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = [
            "id",
            "code",
            "rule_type",
            "name",
            "category",
            "owner",
            "enabled",
            "snoozed_until",
            "active",
            "live_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_active(self, rule) -> bool:
        return rule.is_active(clock.now())


class RuleCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=60)
    rule_type = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(RiskCategory.choices, required=False)
    parameters = serializers.DictField(required=False)
    score = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    activate = serializers.BooleanField(default=True)


class RuleSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    category = serializers.ChoiceField(RiskCategory.choices, required=False)
    enabled = serializers.BooleanField(required=False)
    snoozed_until = serializers.DateTimeField(required=False, allow_null=True)


class VersionCreateSerializer(serializers.Serializer):
    parameters = serializers.DictField(required=False)
    score = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    activate = serializers.BooleanField(default=True)


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Threshold
        fields = ["outcome", "min_score", "active", "updated_at"]
        read_only_fields = ["outcome", "updated_at"]


class ThresholdUpdateSerializer(serializers.Serializer):
    min_score = serializers.IntegerField(min_value=0, max_value=1000)
    active = serializers.BooleanField(default=True)
    outcome = serializers.ChoiceField(ThresholdOutcome.choices, required=False)


class RuleResultSerializer(serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    reason = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = RuleResult
        fields = ["rule", "version", "status", "score", "reason", "reasons"]
        read_only_fields = fields

    def get_reason(self, result) -> str:
        return result.text(translation.get_language())

    def get_reasons(self, result) -> dict[str, str]:
        return _sentences(result.message, result.params)


class AssessmentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="refund.reference", read_only=True)
    results = RuleResultSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "refund",
            "reference",
            "trigger",
            "as_of",
            "score",
            "outcome",
            "add_committee",
            "risk_level",
            "error_count",
            "held",
            "snapshot",
            "results",
            "created_at",
        ]
        read_only_fields = fields


class ReassessSerializer(serializers.Serializer):
    refund = serializers.IntegerField()


class HoldSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="refund.reference", read_only=True)
    enterprise = serializers.CharField(source="refund.enterprise.name", read_only=True)
    state = serializers.CharField(source="refund.state", read_only=True)
    score = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = [
            "id",
            "refund",
            "reference",
            "enterprise",
            "state",
            "assessment",
            "score",
            "reasons",
            "placed_by",
            "status",
            "decided_by",
            "decided_at",
            "comment",
            "created_at",
        ]
        read_only_fields = fields

    def get_score(self, hold) -> int | None:
        return hold.assessment.score if hold.assessment else None

    def get_reasons(self, hold) -> list[str]:
        return hold_reasons(hold)


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField()


class BacktestCaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="refund.reference", read_only=True)
    candidate_reason = serializers.SerializerMethodField()
    baseline_reason = serializers.SerializerMethodField()

    class Meta:
        model = BacktestCase
        fields = [
            "refund",
            "reference",
            "assessment",
            "candidate_status",
            "candidate_reason",
            "baseline_status",
            "baseline_reason",
        ]
        read_only_fields = fields

    def get_candidate_reason(self, row) -> str:
        return render_message(row.candidate_message, row.candidate_params)

    def get_baseline_reason(self, row) -> str:
        if not row.baseline_status:
            return ""
        return render_message(row.baseline_message, row.baseline_params)


class BacktestSerializer(serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    candidate_number = serializers.IntegerField(
        source="candidate.number", read_only=True
    )
    baseline_number = serializers.IntegerField(
        source="baseline.number", read_only=True, allow_null=True
    )

    class Meta:
        model = Backtest
        fields = [
            "id",
            "rule",
            "candidate",
            "candidate_number",
            "baseline",
            "baseline_number",
            "period_start",
            "period_end",
            "cases",
            "candidate_hits",
            "baseline_hits",
            "candidate_errors",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class BacktestDetailSerializer(BacktestSerializer):
    results = BacktestCaseSerializer(many=True, read_only=True)

    class Meta(BacktestSerializer.Meta):
        fields = [*BacktestSerializer.Meta.fields, "results"]
        read_only_fields = fields


class BacktestCreateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class InvoiceDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceDeclaration
        fields = [
            "id",
            "document",
            "declared_total",
            "currency",
            "entered_by",
            "created_at",
        ]
        read_only_fields = ["id", "entered_by", "created_at"]
        extra_kwargs = {"currency": {"required": False}}


class FigureSerializer(serializers.Serializer):
    hits = serializers.IntegerField()
    holds = serializers.IntegerField()
    false_alarms = serializers.IntegerField()


class ControlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    owner_role = serializers.CharField()
    owner_label = serializers.CharField()
    rule = serializers.CharField(allow_null=True)
    rule_enabled = serializers.BooleanField(allow_null=True)
    rule_version = serializers.IntegerField(allow_null=True)
    figures = FigureSerializer(allow_null=True)


class MatrixRowSerializer(serializers.Serializer):
    risk = serializers.CharField()
    label = serializers.CharField()
    controls = ControlSerializer(many=True)
    figures = FigureSerializer()


class FlagSerializer(serializers.Serializer):
    refund_id = serializers.IntegerField()
    reference = serializers.CharField()
    enterprise = serializers.CharField()
    state = serializers.CharField()
    score = serializers.IntegerField()
    risk_level = serializers.CharField()
    outcome = serializers.CharField()
    assessed_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class RuleFlagsSerializer(serializers.Serializer):
    rule = serializers.CharField()
    name = serializers.CharField()
    hits = serializers.IntegerField()
    holds = serializers.IntegerField()
