"""Shapes of the refund API: input serializers only coerce types (the
services validate the domain), output serializers render what the viewer
may see."""

from django.conf import settings
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parkportal.accounts.api import sees_full_account
from parkportal.accounts.models import mask_account
from refunds.models import (
    ApprovalStep,
    AuditEvent,
    Document,
    DocumentKind,
    Message,
    Reason,
    RefundRequest,
    State,
)
from refunds.models.case import TRANSITION_NAMES
from refunds.selectors import owner_label


def money_field(**kwargs):
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs
    )


def _user_label(user) -> str:
    return str(user) if user else ""


class RefundSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    reason_display = serializers.CharField(source="get_reason_display")
    enterprise_name = serializers.CharField(source="enterprise.name")
    amount = money_field()
    approved_amount = money_field(allow_null=True)
    payee_account = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = RefundRequest
        fields = (
            "id",
            "reference",
            "state",
            "state_display",
            "enterprise",
            "enterprise_name",
            "contract",
            "amount",
            "currency",
            "reason",
            "reason_display",
            "description",
            "payee_name",
            "payee_bank",
            "payee_account",
            "owner",
            "owner_name",
            "applicant",
            "approved_amount",
            "risk_level",
            "created_at",
            "submitted_at",
            "decided_at",
            "version",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_payee_account(self, row) -> str:
        enterprise_id = row["enterprise_id"]
        full = self._full_account.get(enterprise_id)
        if full is None:
            user = self.context["request"].user
            full = self._full_account[enterprise_id] = sees_full_account(
                user, enterprise_id
            )
        return row["payee_account"] if full else mask_account(row["payee_account"])

    def get_owner_name(self, row) -> str:
        return owner_label(row)

    # One serializer renders every row of a page: what depends only on the
    # reader (who sees whole account numbers, the language of the labels,
    # the time zone) is worked out once per page, not once per row.
    @cached_property
    def _full_account(self) -> dict[int, bool]:
        return {}

    @cached_property
    def _labels(self) -> dict[tuple[str, str], str]:
        return {}

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    def _label(self, field: str, value: str) -> str:
        text = self._labels.get((field, value))
        if text is None:
            text = str(LABELS[field].get(value, value))
            self._labels[field, value] = text
        return text

    def to_representation(self, row):
        # Renders a row of refund_rows_visible_to. The declared fields
        # describe the schema; building them for every request and looking
        # each value up through them cost more than the query.
        return {
            "id": row["id"],
            "reference": row["reference"],
            "state": row["state"],
            "state_display": self._label("state", row["state"]),
            "enterprise": row["enterprise_id"],
            "enterprise_name": row["enterprise_name"],
            "contract": row["contract_id"],
            "amount": MONEY.to_representation(row["amount"]),
            "currency": row["currency"],
            "reason": row["reason"],
            "reason_display": self._label("reason", row["reason"]),
            "description": row["description"],
            "payee_name": row["payee_name"],
            "payee_bank": row["payee_bank"],
            "payee_account": self.get_payee_account(row),
            "owner": row["owner_id"],
            "owner_name": self.get_owner_name(row),
            "applicant": row["applicant_id"],
            "approved_amount": _or_none(MONEY, row["approved_amount"]),
            "risk_level": row["risk_level"],
            "created_at": moment(row["created_at"], self._zone),
            "submitted_at": moment(row["submitted_at"], self._zone),
            "decided_at": moment(row["decided_at"], self._zone),
            "version": row["version"],
        }


LABELS = {"state": dict(State.choices), "reason": dict(Reason.choices)}
MONEY = money_field()


def _or_none(field, value):
    return None if value is None else field.to_representation(value)


def moment(value, zone) -> str | None:
    """A stored (aware) moment as DRF's DateTimeField writes it in ISO 8601,
    in `zone`, without going through the field for every value."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RefundInputSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    amount = money_field()
    currency = serializers.ChoiceField(
        choices=[(code, code) for code in settings.SUPPORTED_CURRENCIES]
    )
    payee_name = serializers.CharField(max_length=200)
    payee_bank = serializers.CharField(max_length=200)
    payee_account = serializers.CharField(max_length=34)


class RefundFilterSerializer(serializers.Serializer):
    """Query parameters of the refund list."""

    state = serializers.ListField(
        child=serializers.ChoiceField(choices=State.choices),
        required=False,
        help_text="One or more states: repeat the parameter or separate by commas.",
    )
    reason = serializers.ChoiceField(choices=Reason.choices, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    enterprise = serializers.IntegerField(required=False)
    owner = serializers.IntegerField(required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    amount_min = money_field(required=False)
    amount_max = money_field(required=False)
    ordering = serializers.ChoiceField(
        choices=[
            "created_at",
            "-created_at",
            "amount",
            "-amount",
            "reference",
            "-reference",
        ],
        required=False,
    )


class TransitionListSerializer(serializers.Serializer):
    transitions = serializers.ListField(
        child=serializers.ChoiceField(choices=TRANSITION_NAMES)
    )


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    amount = money_field(
        required=False,
        help_text="Only for approve: a reduced amount (needs a comment).",
    )


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    comment = serializers.CharField()
    actor = serializers.CharField()
    on_behalf_of = serializers.CharField()
    state_before = serializers.CharField()
    state_after = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, row):
        # The rows of timeline_for hold strings already: only the moment
        # needs formatting.
        return {
            **{name: row[name] for name in TIMELINE_COLUMNS},
            "created_at": moment(row["created_at"], timezone.get_current_timezone()),
        }


TIMELINE_COLUMNS = (
    "id",
    "kind",
    "text",
    "comment",
    "actor",
    "on_behalf_of",
    "state_before",
    "state_after",
)


class DocumentSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = (
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "created_at",
        )
        read_only_fields = fields

    def get_uploaded_by_name(self, document) -> str:
        return _user_label(document.uploaded_by)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField()


class MessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ("id", "author", "author_name", "body", "internal", "created_at")
        read_only_fields = fields

    def get_author_name(self, message) -> str:
        return _user_label(message.author)


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    internal = serializers.BooleanField(required=False, default=False)


class ApprovalStepSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display")
    status_display = serializers.CharField(source="get_status_display")
    approved_amount = money_field(allow_null=True)
    decided_by_name = serializers.SerializerMethodField()
    on_behalf_of_name = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalStep
        fields = (
            "id",
            "round",
            "position",
            "level",
            "level_display",
            "status",
            "status_display",
            "decided_by",
            "decided_by_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "decided_at",
            "approved_amount",
            "comment",
            "activated_at",
        )
        read_only_fields = fields

    def get_decided_by_name(self, step) -> str:
        return _user_label(step.decided_by)

    def get_on_behalf_of_name(self, step) -> str:
        return _user_label(step.on_behalf_of)


class AuditEventSerializer(serializers.ModelSerializer):
    seal_position = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor",
            "actor_name",
            "on_behalf_of",
            "action",
            "object_type",
            "object_id",
            "refund",
            "before",
            "after",
            "seal_position",
        )
        read_only_fields = fields

    def get_seal_position(self, event) -> int | None:
        seal = getattr(event, "seal", None)
        return seal.position if seal else None


class AuditFilterSerializer(serializers.Serializer):
    refund = serializers.IntegerField(required=False)
    object_type = serializers.CharField(required=False, max_length=60)
    object_id = serializers.CharField(required=False, max_length=40)
    action = serializers.CharField(required=False, max_length=60)


class AuditChainSerializer(serializers.Serializer):
    intact = serializers.BooleanField()
    checked = serializers.IntegerField()
    unsealed = serializers.IntegerField()
    broken_at = serializers.IntegerField(allow_null=True)
    event_id = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    requested_by = serializers.CharField(
        source="requested_by.username",
        allow_null=True,
        default=None,
        help_text="Who asked for the walk; null for the nightly one.",
    )


class AuditVerifyJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(source="pk")
    status = serializers.CharField()


def hide_approvers(row: dict) -> dict:
    """An enterprise follows its case's approval levels but not who signed
    them or what they wrote to each other."""
    hidden = {
        "decided_by": None,
        "decided_by_name": "",
        "on_behalf_of": None,
        "on_behalf_of_name": "",
        "comment": "",
    }
    return {**row, **hidden}
