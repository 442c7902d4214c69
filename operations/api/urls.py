from django.urls import path

from operations.api import views

app_name = "operations-api"

urlpatterns = [
    path("queues/counts/", views.QueueCountsView.as_view(), name="queue-counts"),
    path(
        "queues/<str:queue>/",
        views.QueueView.as_view(),
        name="queue",
    ),
    path("cases/reassign/", views.ReassignView.as_view(), name="reassign"),
    path("cases/<int:refund_id>/sla/", views.SlaPanelView.as_view(), name="sla"),
    path("cases/<int:refund_id>/rating/", views.RatingView.as_view(), name="rating"),
    path(
        "cases/<int:refund_id>/complaints/",
        views.RefundComplaintView.as_view(),
        name="case-complaints",
    ),
    path("complaints/", views.ComplaintListView.as_view(), name="complaints"),
    path(
        "complaints/<int:complaint_id>/resolve/",
        views.ComplaintResolveView.as_view(),
        name="complaint-resolve",
    ),
    path("satisfaction/", views.SatisfactionView.as_view(), name="satisfaction"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/unread/", views.UnreadCountView.as_view(), name="inbox-unread"),
    path("inbox/read/", views.MarkReadView.as_view(), name="inbox-read"),
    path("digests/", views.DigestListView.as_view(), name="digests"),
    path("digests/<int:pk>/", views.DigestDetailView.as_view(), name="digest"),
    path("delegations/", views.DelegationsView.as_view(), name="delegations"),
    path(
        "delegations/<int:delegation_id>/end/",
        views.DelegationEndView.as_view(),
        name="delegation-end",
    ),
]
