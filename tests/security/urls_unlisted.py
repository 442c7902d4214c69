"""The project's URLs plus one API route the matrix has never heard of."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.urls import urlpatterns as project_urlpatterns


class UnlistedView(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [
    path("api/v1/unlisted/", UnlistedView.as_view(), name="unlisted"),
    *project_urlpatterns,
]
