from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from parkportal.core.urls import ops_api_urlpatterns, probe_urlpatterns

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
]
