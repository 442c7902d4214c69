from django.urls import path

from operations import views

app_name = "operations"

urlpatterns = [
    path("", views.queue, name="workspace"),
    path("queues/<slug:name>/", views.queue, name="queue"),
    path("reassign/", views.reassign, name="reassign"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("cases/<int:pk>/rating/", views.rate, name="rate"),
    path("cases/<int:pk>/complaint/", views.complain, name="complain"),
    path("delegations/", views.delegations, name="delegations"),
    path(
        "delegations/<int:delegation_id>/end/",
        views.delegation_stop,
        name="delegation_end",
    ),
]
