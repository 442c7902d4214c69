"""The risk desk's API: thin views over risk.services and risk.selectors.
Staff read; services decide who may change what."""

from datetime import timedelta

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.accounts.roles import is_staff_member
from parkportal.core import clock
from risk import selectors
from risk.api import serializers as s
from risk.models import (
    Assessment,
    Backtest,
    BacktestCase,
    InvoiceDeclaration,
    Rule,
    RuleVersion,
    Threshold,
)
from risk.rules import REGISTRY
from risk.services import backtests, declarations, holds, rules
from risk.services.assessment import assessment_request


class IsStaffMember(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_staff_member(request.user)


class RiskViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]


class RuleTypeViewSet(RiskViewSet):
    serializer_class = s.RuleTypeSerializer
    pagination_class = None

    def list(self, request):
        types = sorted(REGISTRY.values(), key=lambda t: t.name)
        return Response(s.RuleTypeSerializer(types, many=True).data)


class RuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RiskViewSet):
    serializer_class = s.RuleSerializer
    queryset = Rule.objects.select_related("live_version", "live_version__rule")

    @extend_schema(request=s.RuleCreateSerializer, responses={201: s.RuleSerializer})
    def create(self, request):
        data = _valid(s.RuleCreateSerializer, request)
        rule = rules.rule_create(
            actor=request.user,
            code=data["code"],
            rule_type_name=data["rule_type"],
            name=data["name"],
            category=data.get("category"),
            parameters=data.get("parameters"),
            score=data.get("score"),
            activate=data["activate"],
        )
        return Response(s.RuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RuleSettingsSerializer, responses=s.RuleSerializer)
    def partial_update(self, request, pk=None):
        data = _valid(s.RuleSettingsSerializer, request)
        rule = rules.rule_update_settings(
            rule_id=self.get_object().pk, actor=request.user, **data
        )
        return Response(s.RuleSerializer(rule).data)

    @extend_schema(
        methods=["get"], responses=s.RuleVersionSerializer(many=True), request=None
    )
    @extend_schema(
        methods=["post"],
        request=s.VersionCreateSerializer,
        responses={201: s.RuleVersionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        rule = self.get_object()
        if request.method == "GET":
            versions = rule.versions.order_by("-number")
            return Response(s.RuleVersionSerializer(versions, many=True).data)
        data = _valid(s.VersionCreateSerializer, request)
        version = rules.rule_new_version(rule_id=rule.pk, actor=request.user, **data)
        return Response(
            s.RuleVersionSerializer(version).data, status=status.HTTP_201_CREATED
        )


class RuleVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RiskViewSet):
    serializer_class = s.RuleVersionSerializer
    queryset = RuleVersion.objects.select_related("rule")

    @extend_schema(request=None, responses=s.RuleVersionSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        version = rules.rule_activate_version(
            version_id=self.get_object().pk, actor=request.user
        )
        return Response(s.RuleVersionSerializer(version).data)


class ThresholdViewSet(mixins.ListModelMixin, RiskViewSet):
    serializer_class = s.ThresholdSerializer
    queryset = Threshold.objects.all()
    pagination_class = None
    lookup_field = "outcome"

    @extend_schema(request=s.ThresholdUpdateSerializer, responses=s.ThresholdSerializer)
    def update(self, request, outcome=None):
        data = _valid(s.ThresholdUpdateSerializer, request)
        threshold = rules.threshold_set(
            outcome=outcome,
            actor=request.user,
            min_score=data["min_score"],
            active=data["active"],
        )
        return Response(s.ThresholdSerializer(threshold).data)


@extend_schema(
    parameters=[
        OpenApiParameter("refund", int, description="Only this case."),
        OpenApiParameter(
            "errors", bool, description="Only assessments with a rule in error."
        ),
    ]
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RiskViewSet):
    serializer_class = s.AssessmentSerializer

    def get_queryset(self):
        assessments = Assessment.objects.select_related("refund").prefetch_related(
            "results__rule", "results__version"
        )
        refund = self.request.query_params.get("refund")
        if refund and refund.isdigit():
            assessments = assessments.filter(refund_id=refund)
        if self.request.query_params.get("errors") == "true":
            assessments = assessments.filter(error_count__gt=0)
        return assessments

    @extend_schema(request=s.ReassessSerializer, responses={202: None})
    def create(self, request):
        data = _valid(s.ReassessSerializer, request)
        assessment_request(refund_id=data["refund"], actor=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, description="open, cleared or rejected.")
    ]
)
class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RiskViewSet):
    serializer_class = s.HoldSerializer

    def get_queryset(self):
        found = selectors.holds_with_reasons()
        wanted = self.request.query_params.get("status")
        return found.filter(status=wanted) if wanted else found

    @extend_schema(request=s.DecisionSerializer, responses=s.HoldSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        data = _valid(s.DecisionSerializer, request)
        hold = holds.hold_clear(
            hold_id=self.get_object().pk, actor=request.user, **data
        )
        return Response(s.HoldSerializer(hold).data)

    @extend_schema(request=s.DecisionSerializer, responses=s.HoldSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = _valid(s.DecisionSerializer, request)
        hold = holds.hold_reject(
            hold_id=self.get_object().pk, actor=request.user, **data
        )
        return Response(s.HoldSerializer(hold).data)


class BacktestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RiskViewSet):
    def get_queryset(self):
        backtests = Backtest.objects.select_related("rule", "candidate", "baseline")
        if self.action != "retrieve":
            return backtests
        return backtests.prefetch_related(
            Prefetch("results", BacktestCase.objects.select_related("refund"))
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.BacktestDetailSerializer
        return s.BacktestSerializer

    @extend_schema(
        request=s.BacktestCreateSerializer, responses={201: s.BacktestDetailSerializer}
    )
    def create(self, request):
        data = _valid(s.BacktestCreateSerializer, request)
        backtest = backtests.backtest_run(
            version_id=data["version"],
            actor=request.user,
            start=data["start"],
            end=data["end"],
        )
        return Response(
            s.BacktestDetailSerializer(backtest).data, status=status.HTTP_201_CREATED
        )


class InvoiceDeclarationViewSet(mixins.ListModelMixin, RiskViewSet):
    serializer_class = s.InvoiceDeclarationSerializer
    queryset = InvoiceDeclaration.objects.all()

    @extend_schema(
        request=s.InvoiceDeclarationSerializer,
        responses={201: s.InvoiceDeclarationSerializer},
    )
    def create(self, request):
        data = _valid(s.InvoiceDeclarationSerializer, request)
        declaration = declarations.invoice_declare(
            document_id=data["document"].pk,
            actor=request.user,
            declared_total=data["declared_total"],
            currency=data.get("currency"),
        )
        return Response(
            s.InvoiceDeclarationSerializer(declaration).data,
            status=status.HTTP_201_CREATED,
        )


class MatrixView(APIView):
    """The risk-control matrix (风险控制矩阵), for risk officers and auditors."""

    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(responses=s.MatrixRowSerializer(many=True))
    def get(self, request):
        return Response(
            s.MatrixRowSerializer(selectors.control_matrix(), many=True).data
        )


class TopFlagsView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(
        parameters=[OpenApiParameter("limit", int)],
        responses=s.FlagSerializer(many=True),
    )
    def get(self, request):
        limit = request.query_params.get("limit", "10")
        limit = min(int(limit), 100) if limit.isdigit() else 10
        return Response(
            s.FlagSerializer(selectors.top_flags(limit=limit), many=True).data
        )


class FlagsByRuleView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start", str, description="ISO date-time; 30 days ago if absent."
            ),
            OpenApiParameter("end", str, description="ISO date-time; now if absent."),
        ],
        responses=s.RuleFlagsSerializer(many=True),
    )
    def get(self, request):
        period = s.serializers.DateTimeField()
        end = (
            period.to_internal_value(request.query_params["end"])
            if "end" in request.query_params
            else clock.now()
        )
        start = (
            period.to_internal_value(request.query_params["start"])
            if "start" in request.query_params
            else end - timedelta(days=30)
        )
        rows = selectors.flags_by_rule(start, end)
        return Response(s.RuleFlagsSerializer(rows, many=True).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
