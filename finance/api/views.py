"""Finance API: thin views over finance.services and finance.selectors."""

from datetime import date

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from finance import reports, selectors
from finance.api import serializers as s
from finance.api.permissions import FinanceDesk, PoolReader
from finance.forecast import pool_forecast_summary
from finance.services import batches, pool, rates, reconciliation, top_ups
from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from parkportal.core.idempotency import idempotent
from parkportal.core.schema import ErrorSerializer
from refunds.services.cases import refund_correct_payee

FILE = OpenApiResponse(response=OpenApiTypes.BINARY, description=_("A file"))
MONTH = OpenApiParameter("month", str, description="YYYY-MM; this month when absent")

# The actions pass the id from the path to a service as an integer; a path
# with anything else in its place is not one of theirs (404, not a 500).
ID = "[0-9]+"


def _month(request) -> date:
    raw = request.query_params.get("month", "")
    if not raw:
        return clock.today().replace(day=1)
    try:
        return date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise InvalidInput(
            _("The month must be written YYYY-MM."), code="invalid_month"
        ) from None


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _file(content: bytes, media: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class PoolStatusView(APIView):
    permission_classes = [PoolReader]

    @extend_schema(responses=s.PoolStatusSerializer, operation_id="finance_pool_status")
    def get(self, request):
        return Response(s.PoolStatusSerializer(selectors.pool_status()).data)


class PoolForecastView(APIView):
    permission_classes = [PoolReader]

    @extend_schema(
        parameters=[OpenApiParameter("weeks", int, description="1 to 52, default 12")],
        responses=s.ForecastSerializer,
        operation_id="finance_pool_forecast",
    )
    def get(self, request):
        try:
            weeks = int(request.query_params.get("weeks", 12))
        except ValueError:
            weeks = 0
        if not 1 <= weeks <= 52:
            raise InvalidInput(
                _("weeks must be between 1 and 52."), code="invalid_weeks"
            )
        return Response(s.ForecastSerializer(pool_forecast_summary(weeks)).data)


class PoolCheckView(APIView):
    permission_classes = [FinanceDesk]

    @extend_schema(responses=s.LedgerCheckSerializer, operation_id="finance_pool_check")
    def get(self, request):
        return Response(s.LedgerCheckSerializer(pool.ledger_check()).data)


class LedgerViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    permission_classes = [FinanceDesk]
    serializer_class = s.LedgerEntrySerializer

    def get_queryset(self):
        return selectors.ledger_entries()

    @extend_schema(request=s.ReasonSerializer, responses={201: s.LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def reverse(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        entry = top_ups.top_up_reverse(entry_id=int(pk), actor=request.user, **data)
        return Response(
            s.LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED
        )


class TopUpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID
    permission_classes = [FinanceDesk]
    serializer_class = s.TopUpSerializer

    def get_queryset(self):
        return selectors.top_ups()

    @extend_schema(request=s.TopUpSerializer, responses={201: s.TopUpSerializer})
    @idempotent
    def create(self, request):
        data = _valid(s.TopUpSerializer, request)
        top_up = top_ups.top_up_propose(actor=request.user, **data)
        return Response(s.TopUpSerializer(top_up).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.TopUpSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request, pk=None):
        top_up = top_ups.top_up_confirm(top_up_id=int(pk), actor=request.user)
        return Response(s.TopUpSerializer(top_up).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.TopUpSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        top_up = top_ups.top_up_reject(top_up_id=int(pk), actor=request.user, **data)
        return Response(s.TopUpSerializer(top_up).data)


class EarmarkViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [FinanceDesk]
    serializer_class = s.EarmarkSerializer

    def get_queryset(self):
        return selectors.earmarks(status=self.request.query_params.get("status"))


class FxRateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [FinanceDesk]
    serializer_class = s.FxRateSerializer

    def get_queryset(self):
        return selectors.fx_rates()

    @extend_schema(request=s.FxRateSerializer, responses={201: s.FxRateSerializer})
    def create(self, request):
        data = _valid(s.FxRateSerializer, request)
        rate = rates.fx_rate_set(actor=request.user, **data)
        return Response(s.FxRateSerializer(rate).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.FileUploadSerializer, responses={201: s.ImportCountSerializer}
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request):
        data = _valid(s.FileUploadSerializer, request)
        count = rates.fx_rates_import(actor=request.user, content=data["file"].read())
        return Response({"imported": count}, status=status.HTTP_201_CREATED)


class BatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID
    permission_classes = [FinanceDesk]
    serializer_class = s.BatchSerializer

    def get_queryset(self):
        return selectors.batches().prefetch_related("payments__refund")

    @extend_schema(request=s.BatchBuildSerializer, responses={201: s.BatchSerializer})
    @idempotent
    def create(self, request):
        data = _valid(s.BatchBuildSerializer, request)
        batch = batches.batch_build(
            actor=request.user, refund_ids=data["refunds"], note=data["note"]
        )
        return Response(s.BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.BatchSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def authorise(self, request, pk=None):
        batch = batches.batch_authorise(batch_id=int(pk), actor=request.user)
        return Response(s.BatchSerializer(batch).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.BatchSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = _valid(s.ReasonSerializer, request)
        batch = batches.batch_cancel(batch_id=int(pk), actor=request.user, **data)
        return Response(s.BatchSerializer(batch).data)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["csv", "pain001"])],
        # A batch not yet authorised has no bank file: 409.
        responses={
            (200, "application/xml"): FILE,
            (200, "text/csv"): FILE,
            (409, "application/json"): ErrorSerializer,
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        content, media, name = batches.batch_export(
            batch_id=int(pk),
            actor=request.user,
            file_format=request.query_params.get("file_format", "pain001"),
        )
        return _file(content, media, name)


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [FinanceDesk]
    serializer_class = s.PaymentSerializer

    def get_queryset(self):
        return selectors.payments()


class CorrectPayeeView(APIView):
    """Point a failed payment at a verified account before its retry."""

    permission_classes = [FinanceDesk]

    @extend_schema(request=s.CorrectPayeeSerializer, responses={204: None})
    def post(self, request, refund_id: int):
        data = _valid(s.CorrectPayeeSerializer, request)
        refund_correct_payee(refund_id=refund_id, actor=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [FinanceDesk]
    serializer_class = s.StatementSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.statements().prefetch_related("lines__statement")

    @extend_schema(
        request=s.StatementUploadSerializer,
        responses={201: s.StatementSerializer, 200: s.StatementSerializer},
    )
    @idempotent
    def create(self, request):
        data = _valid(s.StatementUploadSerializer, request)
        statement, created = reconciliation.statement_import(
            actor=request.user,
            content=data["file"].read(),
            file_format=data["file_format"],
        )
        return Response(
            s.StatementSerializer(statement).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class StatementLineViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    permission_classes = [FinanceDesk]
    serializer_class = s.StatementLineSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "open", bool, description="only lines waiting for a person"
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if self.request.query_params.get("open") in ("1", "true"):
            return selectors.lines_needing_a_person()
        return selectors.statement_lines()

    @extend_schema(request=s.ResolutionSerializer, responses=s.StatementLineSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request, pk=None):
        data = _valid(s.ResolutionSerializer, request)
        line = reconciliation.statement_line_resolve(
            line_id=int(pk), actor=request.user, **data
        )
        return Response(s.StatementLineSerializer(line).data)


class MonthlyReportView(APIView):
    permission_classes = [FinanceDesk]

    @extend_schema(
        parameters=[
            MONTH,
            OpenApiParameter("file_format", str, enum=["json", "csv", "xlsx"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="finance_monthly_report",
    )
    def get(self, request):
        month = _month(request)
        report = reports.monthly_report(month)
        file_format = request.query_params.get("file_format", "json")
        name = f"finance-report-{report['month']}"
        if file_format == "csv":
            return _file(reports.report_csv(report), "text/csv", f"{name}.csv")
        if file_format == "xlsx":
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return _file(reports.report_xlsx(report), media, f"{name}.xlsx")
        return Response(report)


class FxVarianceMonthsView(APIView):
    permission_classes = [FinanceDesk]

    @extend_schema(
        responses=s.FxVarianceMonthSerializer(many=True),
        operation_id="finance_fx_variance_by_month",
    )
    def get(self, request):
        rows = selectors.fx_variance_by_month(months=12)
        return Response(s.FxVarianceMonthSerializer(rows, many=True).data)


class FxVarianceView(APIView):
    permission_classes = [FinanceDesk]

    @extend_schema(
        parameters=[MONTH],
        responses=s.FxVarianceSerializer,
        operation_id="finance_fx_variance",
    )
    def get(self, request):
        return Response(
            s.FxVarianceSerializer(selectors.fx_variance(_month(request))).data
        )
