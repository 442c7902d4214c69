"""The project's URLs plus a list that reads each row's contracts with a
query of its own."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.accounts.models import Enterprise
from parkportal.urls import urlpatterns as project_urlpatterns


class PerRowView(APIView):
    def get(self, request):
        rows = [
            {"id": enterprise.pk, "contracts": enterprise.contracts.count()}
            for enterprise in Enterprise.objects.all()
        ]
        return Response(rows)


urlpatterns = [
    path("api/v1/per-row/", PerRowView.as_view(), name="per-row"),
    *project_urlpatterns,
]
