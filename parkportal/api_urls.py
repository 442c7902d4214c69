from django.urls import include, path

urlpatterns = [
    path("", include("refunds.api.urls")),
    path("finance/", include("finance.api.urls")),
    path("operations/", include("operations.api.urls")),
    path("risk/", include("risk.api.urls")),
    path("dashboard/", include("parkportal.dashboard.urls")),
]
