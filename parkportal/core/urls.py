from django.urls import path

from parkportal.core import jobviews, ops_api, views

probe_urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]

ops_api_urlpatterns = [
    path("outbox/dead/", ops_api.DeadOutboxList.as_view(), name="outbox-dead"),
    path(
        "outbox/dead/<int:pk>/replay/",
        ops_api.DeadOutboxReplay.as_view(),
        name="outbox-replay",
    ),
]

job_urlpatterns = [
    path("<int:pk>/", jobviews.job_detail, name="job"),
    path("<int:pk>/file/", jobviews.job_file, name="job-file"),
]
