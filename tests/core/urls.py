"""The project's URLs plus DRF's token view with the token throttle, as the
API's /api/v1/auth/token/ will attach it."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.core.throttles import SubmissionThrottle, TokenObtainThrottle
from parkportal.urls import urlpatterns as project_urlpatterns


class ThrottledTokenView(ObtainAuthToken):
    throttle_classes = [TokenObtainThrottle]


class SubmitView(APIView):
    throttle_classes = [SubmissionThrottle]

    def post(self, request):
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("test/token/", ThrottledTokenView.as_view()),
    path("test/submit/", SubmitView.as_view()),
    *project_urlpatterns,
]
