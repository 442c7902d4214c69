"""The refund API: thin views that check who may see a case, call one
service and render the answer."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.apiviews import ParkportalAPIMixin
from parkportal.core.errors import InvalidInput, NotAllowed
from parkportal.core.idempotency import idempotent
from parkportal.core.throttles import SubmissionThrottle
from refunds.api import serializers as s
from refunds.api.filters import KeysetOrdering, filter_params, filter_refunds
from refunds.models import AuditEvent, Document
from refunds.selectors import (
    latest_chain_verification,
    messages_for,
    refund_rows_visible_to,
    refunds_visible_to,
    timeline_for,
)
from refunds.services.audit import audit_chain_verify_start
from refunds.services.cases import refund_create, refund_update_draft
from refunds.services.documents import document_readable_by, document_upload
from refunds.services.lifecycle import available_transitions, refund_transition
from refunds.services.messages import message_post

REFUND_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
TRANSITION_NAME = OpenApiParameter(
    "name",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(s.TRANSITION_NAMES),
    description="The step to take.",
)
DOCUMENT_ID = OpenApiParameter("doc_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="List the refund requests the caller may see",
        parameters=[s.RefundFilterSerializer],
    ),
    retrieve=extend_schema(summary="Read one refund request"),
)
@extend_schema(tags=["refunds"])
class RefundViewSet(
    ParkportalAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.RefundSerializer
    filter_backends = [KeysetOrdering]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_throttles(self):
        # Creating and submitting cases is what a runaway script would
        # hammer; reading and the staff's steps are not limited.
        if self.action == "create" or (
            self.action == "take_transition" and self.kwargs.get("name") == "submit"
        ):
            return [SubmissionThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        # Another enterprise's case is simply not there: it answers 404,
        # never 403, so that references cannot be probed.
        if self.action in ("list", "retrieve"):
            return refund_rows_visible_to(self.request.user)
        return refunds_visible_to(self.request.user)

    def _case_id(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except ValueError:
            raise Http404 from None

    def _check_visible(self) -> None:
        """Answer 404 unless the caller may see the case, without loading it."""
        visible = refunds_visible_to(self.request.user).filter(pk=self._case_id())
        if not visible.exists():
            raise Http404

    def filter_queryset(self, queryset):
        if self.action == "list":
            queryset = filter_refunds(
                queryset, filter_params(self.request.query_params)
            )
        return super().filter_queryset(queryset)

    def _answer(self, refund, code=status.HTTP_200_OK) -> Response:
        row = refund_rows_visible_to(self.request.user).get(pk=refund.pk)
        return Response(self.get_serializer(row).data, status=code)

    @extend_schema(
        summary="Apply for a refund (enterprise users)",
        request=s.RefundInputSerializer,
        responses={201: s.RefundSerializer},
    )
    @idempotent
    def create(self, request):
        data = self._validated(s.RefundInputSerializer, request.data)
        refund = refund_create(applicant=request.user, **data)
        return self._answer(refund, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft",
        request=s.RefundInputSerializer(partial=True),
        responses={200: s.RefundSerializer},
    )
    def partial_update(self, request, pk=None):
        refund = self.get_object()
        data = self._validated(s.RefundInputSerializer, request.data, partial=True)
        refund = refund_update_draft(refund_id=refund.pk, actor=request.user, **data)
        return self._answer(refund)

    @staticmethod
    def _validated(serializer_class, data, **kwargs) -> dict:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="Steps the caller may take now",
        responses={200: s.TransitionListSerializer},
    )
    @action(detail=True, methods=["get"], url_path="transitions")
    def transitions(self, request, pk=None):
        refund = self.get_object()
        return Response({"transitions": available_transitions(refund, request.user)})

    @extend_schema(
        summary="Take a step",
        request=s.TransitionInputSerializer,
        responses={200: s.RefundSerializer},
        parameters=[TRANSITION_NAME],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"transitions/(?P<name>[a-z_]+)",
        url_name="transition-take",
    )
    @idempotent
    def take_transition(self, request, pk=None, name=None):
        refund = self.get_object()
        data = self._validated(s.TransitionInputSerializer, request.data)
        extra = {}
        if "amount" in data:
            if name != "approve":
                raise InvalidInput(
                    _("Only an approval takes an amount."), code="amount_not_expected"
                )
            extra["amount"] = data["amount"]
        refund = refund_transition(
            refund_id=refund.pk,
            name=name,
            actor=request.user,
            comment=data.get("comment", ""),
            **extra,
        )
        return self._answer(refund)

    @extend_schema(
        summary="The case's timeline in the caller's language",
        responses={200: s.TimelineEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        # Read with the check that the caller may see the case: a case has
        # at least the entry of its creation, so only an empty answer needs
        # a second query to tell an empty timeline from a case not there.
        rows = timeline_for(self._case_id(), request.user, scoped=True)
        if not rows:
            self._check_visible()
        return Response(s.TimelineEntrySerializer(rows, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Documents attached to the case",
        responses={200: s.DocumentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach a document (PDF, PNG or JPEG)",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def documents(self, request, pk=None):
        refund = self.get_object()
        if request.method == "GET":
            documents = refund.documents.select_related("uploaded_by")
            return Response(s.DocumentSerializer(documents, many=True).data)
        data = self._validated(s.DocumentUploadSerializer, request.data)
        document = document_upload(
            refund_id=refund.pk,
            actor=request.user,
            kind=data["kind"],
            uploaded_file=data["file"],
        )
        return Response(
            s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Download a document",
        parameters=[DOCUMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, as an attachment."
            )
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<doc_id>[0-9]+)/download",
        url_name="document-download",
    )
    def download(self, request, pk=None, doc_id=None):
        refund = self.get_object()
        document = get_object_or_404(Document, pk=doc_id, refund=refund)
        if not document_readable_by(document, request.user):
            raise NotAllowed(_("You may not read this document."))
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        # The browser must neither guess another type nor render the file
        # inside the portal's origin.
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        methods=["GET"],
        summary="Messages on the case (internal notes for staff only)",
        responses={200: s.MessageSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Write a message or, for staff, an internal note",
        request=s.MessageInputSerializer,
        responses={201: s.MessageSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[JSONParser, FormParser, MultiPartParser],
        pagination_class=None,
    )
    def messages(self, request, pk=None):
        refund = self.get_object()
        if request.method == "GET":
            return Response(
                s.MessageSerializer(messages_for(refund, request.user), many=True).data
            )
        data = self._validated(s.MessageInputSerializer, request.data)
        message = message_post(
            refund_id=refund.pk,
            author=request.user,
            body=data["body"],
            internal=data["internal"],
        )
        return Response(
            s.MessageSerializer(message).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Approval steps of every round",
        responses={200: s.ApprovalStepSerializer(many=True)},
    )
    @action(
        detail=True, methods=["get"], url_path="approval-steps", pagination_class=None
    )
    def approval_steps(self, request, pk=None):
        steps = self.get_object().approval_steps.select_related(
            "decided_by", "on_behalf_of"
        )
        rows = s.ApprovalStepSerializer(steps, many=True).data
        if not is_staff_member(request.user):
            rows = [s.hide_approvers(row) for row in rows]
        return Response(rows)


class MayReadAudit(permissions.BasePermission):
    message = _("Only auditors and managers may read the audit trail.")

    def has_permission(self, request, view):
        return has_role(
            request.user, Role.AUDITOR, Role.OPS_MANAGER, Role.FINANCE_DIRECTOR
        )


@extend_schema_view(
    list=extend_schema(
        summary="The audit trail, newest first",
        parameters=[s.AuditFilterSerializer],
    ),
    retrieve=extend_schema(summary="One audit event"),
)
@extend_schema(tags=["audit"])
class AuditEventViewSet(ParkportalAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, MayReadAudit]

    def get_queryset(self):
        events = AuditEvent.objects.select_related("seal")
        if self.action != "list":
            return events
        serializer = s.AuditFilterSerializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        if "refund" in params:
            events = events.filter(refund_id=params["refund"])
        for field in ("object_type", "object_id", "action"):
            if field in params:
                events = events.filter(**{field: params[field]})
        return events


class MayVerifyAudit(MayReadAudit):
    """Everyone who reads the trail reads its latest verification; a new
    walk, minutes of the database's time, is the auditor's to ask for."""

    message = _("Only auditors may start a verification of the audit trail.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return super().has_permission(request, view)
        return has_role(request.user, Role.AUDITOR)


@extend_schema(tags=["audit"])
class AuditVerifyView(ParkportalAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, MayVerifyAudit]

    @extend_schema(
        summary="The latest walk of the hash chain and whether it held",
        responses={200: s.AuditChainSerializer},
    )
    def get(self, request):
        verification = latest_chain_verification()
        if verification is None:
            raise NotFound(_("The audit trail has not been verified yet."))
        return Response(s.AuditChainSerializer(verification).data)

    @extend_schema(
        summary="Walk the whole hash chain again, in a job",
        description=(
            "Answers at once; the walk takes minutes at a park's size. "
            "GET answers its result once it has finished."
        ),
        request=None,
        responses={202: s.AuditVerifyJobSerializer},
    )
    def post(self, request):
        job = audit_chain_verify_start(actor=request.user)
        return Response(
            s.AuditVerifyJobSerializer(job).data, status=status.HTTP_202_ACCEPTED
        )
