"""The operations API: thin views over operations' services and selectors."""

from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from operations import selectors
from operations.api import serializers as s
from operations.models import Complaint, ComplaintStatus, WeeklyDigest
from operations.services.assignment import cases_reassign
from operations.services.feedback import (
    complaint_file,
    complaint_resolve,
    rating_submit,
)
from operations.services.notifications import digests_named_in, inbox_mark_read
from parkportal.accounts.roles import Role, has_role
from parkportal.core.errors import NotAllowed
from parkportal.core.idempotency import idempotent
from parkportal.core.pagination import KeysetPagination
from refunds.selectors import refunds_visible_to
from refunds.services.delegations import (
    delegation_create,
    delegation_end,
    delegations_of,
)

DIGEST_READERS = (
    Role.OPS_SPECIALIST,
    Role.OPS_MANAGER,
    Role.FINANCE_OFFICER,
    Role.FINANCE_DIRECTOR,
    Role.COMMITTEE,
    Role.RISK_OFFICER,
)


class DeadlinePagination(KeysetPagination):
    ordering = ("next_deadline", "id")


class QueueView(ListAPIView):
    serializer_class = s.QueueCaseSerializer
    pagination_class = DeadlinePagination

    @extend_schema(parameters=[s.QueueFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = s.QueueFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = selectors.QueueFilters(
            states=data.get("state", []),
            deadline=data.get("deadline", ""),
            risk_levels=data.get("risk_level", []),
            green_channel=data.get("green_channel"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
        )
        return selectors.queue_rows(
            user=self.request.user, queue=self.kwargs["queue"], filters=filters
        )


class QueueCountsView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.queue_counts(user=request.user))


class ReassignView(APIView):
    @extend_schema(request=s.ReassignSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = s.ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = cases_reassign(
            refund_ids=data.validated_data["refunds"],
            owner=data.validated_data["owner"],
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response({"reassigned": [refund.pk for refund in moved]})


class SlaPanelView(APIView):
    @extend_schema(responses=s.SlaPanelSerializer)
    def get(self, request, refund_id: int):
        refund = get_object_or_404(refunds_visible_to(request.user), pk=refund_id)
        return Response(s.SlaPanelSerializer(selectors.sla_panel(refund=refund)).data)


class InboxView(ListAPIView):
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return selectors.inbox(user=self.request.user)

    def paginate_queryset(self, queryset):
        # The agendas the page's digest notifications name, read at once.
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.digests = digests_named_in(page)
        return page

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "language": translation.get_language(),
            "digests": getattr(self, "digests", None),
        }


class UnreadCountView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})


class MarkReadView(APIView):
    @extend_schema(request=s.MarkReadSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = s.MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = inbox_mark_read(
            user=request.user, notification_ids=data.validated_data.get("ids")
        )
        return Response(
            {"marked": count, "unread": selectors.unread_count(user=request.user)}
        )


class DigestQuerysetMixin:
    serializer_class = s.DigestSerializer

    def get_queryset(self):
        if not has_role(self.request.user, *DIGEST_READERS):
            raise NotAllowed()
        return WeeklyDigest.objects.all()


class DigestListView(DigestQuerysetMixin, ListAPIView):
    pass


class DigestDetailView(DigestQuerysetMixin, RetrieveAPIView):
    pass


class RatingView(APIView):
    @extend_schema(request=s.RatingSerializer, responses=s.RatingSerializer)
    @idempotent
    def post(self, request, refund_id: int):
        data = s.RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = rating_submit(
            refund_id=refund_id,
            actor=request.user,
            score=data.validated_data["score"],
            comment=data.validated_data.get("comment", ""),
        )
        return Response(s.RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class RefundComplaintView(APIView):
    @extend_schema(request=s.ComplaintSerializer, responses=s.ComplaintSerializer)
    @idempotent
    def post(self, request, refund_id: int):
        data = s.ComplaintSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_file(
            refund_id=refund_id, actor=request.user, body=data.validated_data["body"]
        )
        return Response(
            s.ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED
        )


class ComplaintListView(ListAPIView):
    serializer_class = s.ComplaintSerializer

    def get_queryset(self):
        complaints = Complaint.objects.filter(
            refund__in=refunds_visible_to(self.request.user)
        )
        if self.request.query_params.get("status") in ComplaintStatus.values:
            complaints = complaints.filter(status=self.request.query_params["status"])
        return complaints


class ComplaintResolveView(APIView):
    @extend_schema(request=s.ResolveSerializer, responses=s.ComplaintSerializer)
    def post(self, request, complaint_id: int):
        data = s.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_resolve(
            complaint_id=complaint_id,
            actor=request.user,
            resolution=data.validated_data["resolution"],
        )
        return Response(s.ComplaintSerializer(complaint).data)


class DelegationsView(ListAPIView):
    serializer_class = s.DelegationSerializer

    def get_queryset(self):
        return delegations_of(self.request.user)

    @extend_schema(request=s.DelegationSerializer, responses=s.DelegationSerializer)
    def post(self, request):
        data = s.DelegationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        delegation = delegation_create(
            delegator=values.get("delegator", request.user),
            delegate=values["delegate"],
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            reason=values.get("reason", ""),
            actor=request.user,
        )
        return Response(
            s.DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED
        )


class DelegationEndView(APIView):
    @extend_schema(request=None, responses=s.DelegationSerializer)
    def post(self, request, delegation_id: int):
        delegation = delegation_end(delegation_id=delegation_id, actor=request.user)
        return Response(s.DelegationSerializer(delegation).data)


class SatisfactionView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not has_role(request.user, *DIGEST_READERS):
            raise NotAllowed()
        summary = selectors.satisfaction_summary()
        summary["average_score"] = summary["average_score"] and str(
            summary["average_score"]
        )
        return Response(summary)
