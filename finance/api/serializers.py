from rest_framework import serializers

from finance.models import (
    BankStatement,
    DisbursementBatch,
    Earmark,
    FxRate,
    LedgerEntry,
    Payment,
    StatementLine,
    TopUp,
)

MONEY = {"max_digits": 16, "decimal_places": 2}


class PoolStatusSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance = serializers.DecimalField(**MONEY)
    earmarked = serializers.DecimalField(**MONEY)
    available = serializers.DecimalField(**MONEY)
    watermark = serializers.DecimalField(**MONEY)
    below_watermark = serializers.BooleanField()
    awaiting_funds_count = serializers.IntegerField()
    awaiting_funds_amount = serializers.DecimalField(**MONEY)


class ForecastWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    scheduled_out = serializers.DecimalField(**MONEY)
    expected_out = serializers.DecimalField(**MONEY)
    planned_in = serializers.DecimalField(**MONEY)
    projected_balance = serializers.DecimalField(**MONEY)
    projected_available = serializers.DecimalField(**MONEY)
    below_watermark = serializers.BooleanField()
    below_zero = serializers.BooleanField()


class ForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available_now = serializers.DecimalField(**MONEY)
    watermark = serializers.DecimalField(**MONEY)
    weeks = ForecastWeekSerializer(many=True)
    first_below_watermark = serializers.DateField(allow_null=True)
    first_below_zero = serializers.DateField(allow_null=True)


class LedgerCheckPoolSerializer(serializers.Serializer):
    pool = serializers.CharField()
    stored_balance = serializers.DecimalField(**MONEY)
    ledger_balance = serializers.DecimalField(**MONEY)
    stored_earmarked = serializers.DecimalField(**MONEY)
    ledger_earmarked = serializers.DecimalField(**MONEY)
    held_earmarks = serializers.DecimalField(**MONEY)
    consistent = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class LedgerCheckSerializer(serializers.Serializer):
    consistent = serializers.BooleanField()
    pools = LedgerCheckPoolSerializer(many=True)


class LedgerEntrySerializer(serializers.ModelSerializer):
    refund_reference = serializers.CharField(
        source="refund.reference", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "balance_change",
            "earmark_change",
            "refund",
            "refund_reference",
            "top_up",
            "payment",
            "reverses",
            "memo",
            "created_by",
            "created_at",
        ]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class TopUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = TopUp
        fields = [
            "id",
            "amount",
            "status",
            "expected_on",
            "bank_reference",
            "note",
            "proposed_by",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["status", "proposed_by", "decided_by", "decided_at"]


class EarmarkSerializer(serializers.ModelSerializer):
    refund_reference = serializers.CharField(source="refund.reference")

    class Meta:
        model = Earmark
        fields = [
            "id",
            "refund",
            "refund_reference",
            "amount_cny",
            "status",
            "earmarked_at",
            "created_at",
        ]


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "currency", "valid_on", "rate", "source", "created_at"]
        read_only_fields = ["source"]
        validators = []


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class StatementUploadSerializer(FileUploadSerializer):
    file_format = serializers.ChoiceField(choices=["camt053", "csv"])


class ImportCountSerializer(serializers.Serializer):
    imported = serializers.IntegerField()


class PaymentSerializer(serializers.ModelSerializer):
    refund_reference = serializers.CharField(source="refund.reference")
    payee_account = serializers.CharField(source="masked_account")

    class Meta:
        model = Payment
        fields = [
            "id",
            "batch",
            "refund",
            "refund_reference",
            "attempt",
            "end_to_end_id",
            "status",
            "amount",
            "currency",
            "rate_at_approval",
            "amount_cny_at_approval",
            "rate_at_payment",
            "amount_cny_at_payment",
            "fx_variance_cny",
            "payee_name",
            "payee_bank",
            "payee_account",
            "failure_reason",
            "sent_at",
            "settled_at",
        ]


class BatchSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = DisbursementBatch
        fields = [
            "id",
            "reference",
            "status",
            "built_by",
            "authorised_by",
            "authorised_at",
            "execution_date",
            "note",
            "created_at",
            "payments",
        ]


class BatchBuildSerializer(serializers.Serializer):
    refunds = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    note = serializers.CharField(max_length=300, required=False, default="")


class CorrectPayeeSerializer(serializers.Serializer):
    payee_name = serializers.CharField(max_length=200)
    payee_bank = serializers.CharField(max_length=200)
    payee_account = serializers.CharField(max_length=34)


class StatementLineSerializer(serializers.ModelSerializer):
    statement_id = serializers.CharField(source="statement.statement_id")

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "statement",
            "statement_id",
            "line_key",
            "end_to_end_id",
            "amount",
            "currency",
            "booking_date",
            "returned",
            "reason",
            "outcome",
            "payment",
            "resolved_by",
            "resolved_at",
            "resolution",
        ]


class StatementSerializer(serializers.ModelSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "statement_id",
            "file_format",
            "sha256",
            "imported_by",
            "created_at",
            "lines",
        ]


class ResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=300)


class FxVarianceCaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    end_to_end_id = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    rate_at_approval = serializers.DecimalField(max_digits=14, decimal_places=6)
    rate_at_payment = serializers.DecimalField(max_digits=14, decimal_places=6)
    amount_cny_at_approval = serializers.DecimalField(**MONEY)
    amount_cny_at_payment = serializers.DecimalField(**MONEY)
    fx_variance_cny = serializers.DecimalField(**MONEY)


class FxVarianceSerializer(serializers.Serializer):
    month = serializers.CharField()
    cases = FxVarianceCaseSerializer(many=True)
    total_cny = serializers.DecimalField(**MONEY)


class FxVarianceMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    cases = serializers.IntegerField()
    total_cny = serializers.DecimalField(**MONEY)
