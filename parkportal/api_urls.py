from django.urls import include, path
from rest_framework.routers import SimpleRouter

from parkportal.accounts.api import EnterpriseViewSet, TokenView

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")

urlpatterns = [
    path("", include("refunds.api.urls")),
    path("finance/", include("finance.api.urls")),
    path("operations/", include("operations.api.urls")),
    path("risk/", include("risk.api.urls")),
    path("dashboard/", include("parkportal.dashboard.urls")),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
