from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("", views.holds, name="holds"),
    path(
        "holds/<int:pk>/clear/",
        views.hold_decide,
        {"decision": "clear"},
        name="hold_clear",
    ),
    path(
        "holds/<int:pk>/reject/",
        views.hold_decide,
        {"decision": "reject"},
        name="hold_reject",
    ),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule, name="rule"),
    path("rules/<int:pk>/versions/", views.rule_version, name="rule_version"),
    path(
        "rules/<int:pk>/versions/<int:version_pk>/activate/",
        views.version_activate,
        name="version_activate",
    ),
    path("rules/<int:pk>/backtests/", views.backtest, name="backtest_run"),
    path("backtests/<int:pk>/", views.backtest_result, name="backtest"),
    path("matrix/", views.matrix, name="matrix"),
]
