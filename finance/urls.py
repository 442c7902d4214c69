from django.urls import path

from finance import views

app_name = "finance"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("ledger/", views.ledger, name="ledger"),
    path("top-ups/", views.top_ups, name="top_ups"),
    path(
        "top-ups/<int:pk>/confirm/",
        views.top_up_decide,
        {"decision": "confirm"},
        name="top_up_confirm",
    ),
    path(
        "top-ups/<int:pk>/reject/",
        views.top_up_decide,
        {"decision": "reject"},
        name="top_up_reject",
    ),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path(
        "batches/<int:pk>/file/<str:file_format>/",
        views.batch_file,
        name="batch_file",
    ),
    path(
        "batches/<int:pk>/authorise/",
        views.batch_decide,
        {"decision": "authorise"},
        name="batch_authorise",
    ),
    path(
        "batches/<int:pk>/cancel/",
        views.batch_decide,
        {"decision": "cancel"},
        name="batch_cancel",
    ),
    path("statements/", views.statements, name="statements"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path(
        "reconciliation/<int:pk>/resolve/",
        views.resolve_line,
        name="resolve_line",
    ),
    path("rates/", views.rates, name="rates"),
    path("rates/import/", views.rates_import, name="rates_import"),
    path("forecast/", views.forecast, name="forecast"),
    path("reports/", views.reports, name="reports"),
    path(
        "reports/file/csv/",
        views.report_file,
        {"file_format": "csv"},
        name="report_csv",
    ),
    path(
        "reports/file/xlsx/",
        views.report_file,
        {"file_format": "xlsx"},
        name="report_xlsx",
    ),
]
