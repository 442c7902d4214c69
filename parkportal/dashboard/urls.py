from django.urls import path, re_path

from parkportal.dashboard import api

urlpatterns = [
    path("figures/", api.FiguresView.as_view(), name="dashboard-figures"),
    path("trend/", api.TrendView.as_view(), name="dashboard-trend"),
    path("process-map/", api.ProcessMapView.as_view(), name="dashboard-process-map"),
    path("stuck/", api.StuckCasesView.as_view(), name="dashboard-stuck"),
    path("workload/", api.WorkloadView.as_view(), name="dashboard-workload"),
    re_path(
        r"^export/(?P<table>[a-z]+)\.(?P<file_format>csv|xlsx)$",
        api.ExportView.as_view(),
        name="dashboard-export",
    ),
]
