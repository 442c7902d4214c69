"""The operator's view of the dead letters: list them, replay one."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.core.models import OutboxMessage, OutboxStatus
from parkportal.core.outbox import outbox_replay


class OutboxMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "task",
            "kwargs",
            "key",
            "status",
            "attempts",
            "last_error",
            "request_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeadOutboxList(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = OutboxMessageSerializer

    def get_queryset(self):
        return OutboxMessage.objects.filter(status=OutboxStatus.DEAD)


class DeadOutboxReplay(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(request=None, responses=OutboxMessageSerializer)
    def post(self, request, pk: int):
        message = outbox_replay(message_id=pk, actor=request.user)
        return Response(OutboxMessageSerializer(message).data)
