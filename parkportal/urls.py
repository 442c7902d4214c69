from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from parkportal import views
from parkportal.core.urls import (
    job_urlpatterns,
    ops_api_urlpatterns,
    probe_urlpatterns,
)
from parkportal.dashboard import views as dashboard_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("parkportal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="api-docs",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/ops/", include(ops_api_urlpatterns)),
    *probe_urlpatterns,
    path("", views.home, name="home"),
    path("refunds/", include("refunds.urls")),
    path("ops/", include("operations.urls")),
    path("finance/", include("finance.urls")),
    path("risk/", include("risk.urls")),
    path("jobs/", include(job_urlpatterns)),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    re_path(
        r"^dashboard/export/(?P<table>[a-z]+)\.(?P<file_format>csv|xlsx)$",
        dashboard_views.export_start,
        name="dashboard-export-start",
    ),
    path(
        "dashboard/report/<int:year>/<int:month>/",
        dashboard_views.monthly_report,
        name="dashboard-report",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

handler404 = "parkportal.views.page_not_found"
