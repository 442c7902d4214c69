from django.urls import path
from rest_framework.routers import SimpleRouter

from risk.api import views

router = SimpleRouter()
router.register("rule-types", views.RuleTypeViewSet, basename="risk-rule-type")
router.register("rules", views.RuleViewSet, basename="risk-rule")
router.register("versions", views.RuleVersionViewSet, basename="risk-version")
router.register("thresholds", views.ThresholdViewSet, basename="risk-threshold")
router.register("assessments", views.AssessmentViewSet, basename="risk-assessment")
router.register("holds", views.HoldViewSet, basename="risk-hold")
router.register("backtests", views.BacktestViewSet, basename="risk-backtest")
router.register(
    "invoice-totals", views.InvoiceDeclarationViewSet, basename="risk-invoice-total"
)

urlpatterns = [
    path("matrix/", views.MatrixView.as_view(), name="risk-matrix"),
    path("flags/", views.TopFlagsView.as_view(), name="risk-flags"),
    path("flags/by-rule/", views.FlagsByRuleView.as_view(), name="risk-flags-by-rule"),
    *router.urls,
]
