from django.urls import path

from refunds import views

app_name = "refunds"

urlpatterns = [
    path("", views.my_refunds, name="mine"),
    path("apply/", views.apply, name="apply"),
    path("apply/check/", views.apply_check, name="apply_check"),
    path("cases/", views.staff_list, name="staff_list"),
    path("approvals/", views.approvals, name="approvals"),
    path("audit/", views.audit_cases, name="audit_cases"),
    path("audit/trail/", views.audit_trail, name="audit_trail"),
    path("audit/verify/", views.audit_verify_start, name="audit_verify"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/edit/", views.edit_draft, name="edit"),
    path("<int:pk>/documents/", views.upload, name="upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.download, name="download"),
    path("<int:pk>/messages/", views.post_message, name="message"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/steps/<slug:name>/", views.transition, name="transition"),
]
