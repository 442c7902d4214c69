import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import serializers

from operations.models import Complaint, Notification, Rating, WeeklyDigest
from operations.services.notifications import notification_render
from refunds.api.serializers import MONEY, moment
from refunds.models import ApprovalDelegation, RefundRequest, State
from refunds.models.case import NO_DEADLINE
from refunds.selectors import owner_label


class QueueFilterSerializer(serializers.Serializer):
    state = serializers.CharField(required=False, help_text="Comma-separated states.")
    deadline = serializers.ChoiceField(choices=["overdue", "due_soon"], required=False)
    risk_level = serializers.CharField(required=False, help_text="Comma-separated.")
    green_channel = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
    amount_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    amount_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )

    def validate_state(self, value):
        states = [item.strip() for item in value.split(",") if item.strip()]
        unknown = set(states) - set(State.values)
        if unknown:
            raise serializers.ValidationError(sorted(unknown))
        return states

    def validate_risk_level(self, value):
        return [item.strip() for item in value.split(",") if item.strip()]


class QueueCaseSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name")
    green_channel = serializers.BooleanField(source="enterprise.green_channel")
    owner = serializers.CharField(source="owner.__str__", default="")
    next_deadline = serializers.SerializerMethodField()

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "reference",
            "state",
            "enterprise",
            "green_channel",
            "amount",
            "currency",
            "risk_level",
            "owner",
            "submitted_at",
            "next_deadline",
        ]

    def get_next_deadline(self, row) -> datetime.datetime | None:
        deadline = row["next_deadline"]
        return None if deadline == NO_DEADLINE else timezone.localtime(deadline)

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    def to_representation(self, row):
        # The declared fields describe the schema; this renders a row of
        # operations.selectors.queue_rows without building them, which
        # took longer than the page's query.
        deadline = row["next_deadline"]
        return {
            "id": row["id"],
            "reference": row["reference"],
            "state": row["state"],
            "enterprise": row["enterprise_name"],
            "green_channel": row["green_channel"],
            "amount": MONEY.to_representation(row["amount"]),
            "currency": row["currency"],
            "risk_level": row["risk_level"],
            "owner": owner_label(row),
            "submitted_at": moment(row["submitted_at"], self._zone),
            "next_deadline": None
            if deadline == NO_DEADLINE
            else moment(deadline, self._zone),
        }


class ReassignSerializer(serializers.Serializer):
    refunds = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    reason = serializers.CharField()


class ClockSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateTimeField(allow_null=True)
    target_minutes = serializers.IntegerField()
    used_minutes = serializers.IntegerField()
    left_minutes = serializers.IntegerField()
    overdue_minutes = serializers.IntegerField()


class SlaPanelSerializer(serializers.Serializer):
    refund = serializers.IntegerField()
    reference = serializers.CharField()
    stages = ClockSerializer(many=True)
    total = ClockSerializer(allow_null=True)


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    refund = serializers.IntegerField(source="refund_id", allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "refund", "subject", "body", "read_at", "created_at"]

    def _text(self, notification):
        return notification_render(
            notification, self.context.get("language"), self.context.get("digests")
        )

    def get_subject(self, notification) -> str:
        return self._text(notification)[0]

    def get_body(self, notification) -> str:
        return self._text(notification)[1]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class DigestSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeeklyDigest
        fields = ["id", "week_start", "prepared_at", "notified_at", "content"]


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "refund", "score", "comment", "created_at"]
        read_only_fields = ["id", "refund", "created_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = [
            "id",
            "refund",
            "body",
            "status",
            "resolution",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "refund",
            "status",
            "resolution",
            "resolved_at",
            "created_at",
        ]


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False
    )
    delegate = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all()
    )

    class Meta:
        model = ApprovalDelegation
        fields = ["id", "delegator", "delegate", "starts_at", "ends_at", "reason"]
        read_only_fields = ["id"]
