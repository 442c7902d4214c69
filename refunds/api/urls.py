from django.urls import path
from rest_framework.routers import SimpleRouter

from refunds.api.views import AuditEventViewSet, AuditVerifyView, RefundViewSet

router = SimpleRouter()
router.register("refunds", RefundViewSet, basename="refund")
router.register("audit/events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("audit/verify/", AuditVerifyView.as_view(), name="audit-verify"),
    *router.urls,
]
