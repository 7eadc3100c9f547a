"""The peer's survey pages under /survey/, and /healthz for the bench's start-up check."""
from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [
    path("survey/", include("survey.urls")),
    path("healthz", lambda request: JsonResponse({"status": "ok"})),
]
