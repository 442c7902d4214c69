from django.urls import path
from rest_framework.routers import SimpleRouter

from finance.api import views

router = SimpleRouter()
router.register("ledger", views.LedgerViewSet, basename="finance-ledger")
router.register("top-ups", views.TopUpViewSet, basename="finance-top-up")
router.register("earmarks", views.EarmarkViewSet, basename="finance-earmark")
router.register("rates", views.FxRateViewSet, basename="finance-rate")
router.register("batches", views.BatchViewSet, basename="finance-batch")
router.register("payments", views.PaymentViewSet, basename="finance-payment")
router.register("statements", views.StatementViewSet, basename="finance-statement")
router.register(
    "statement-lines", views.StatementLineViewSet, basename="finance-statement-line"
)

urlpatterns = [
    path("pool/", views.PoolStatusView.as_view(), name="finance-pool"),
    path(
        "pool/forecast/", views.PoolForecastView.as_view(), name="finance-pool-forecast"
    ),
    path("pool/check/", views.PoolCheckView.as_view(), name="finance-pool-check"),
    path(
        "refunds/<int:refund_id>/correct-payee/",
        views.CorrectPayeeView.as_view(),
        name="finance-correct-payee",
    ),
    path(
        "reports/monthly/",
        views.MonthlyReportView.as_view(),
        name="finance-report-monthly",
    ),
    path(
        "reports/fx-variance/",
        views.FxVarianceView.as_view(),
        name="finance-fx-variance",
    ),
    path(
        "reports/fx-variance/monthly/",
        views.FxVarianceMonthsView.as_view(),
        name="finance-fx-variance-monthly",
    ),
    *router.urls,
]
