"""`/api/…`: the versioned endpoints under `v1/`, the OpenAPI document and its page."""

from django.urls import path, re_path

from .docs import ApiDocsView, SchemaView
from .views import (
    AllocationDetailView,
    AllocationListView,
    CallDetailView,
    TrackView,
    no_such_endpoint,
)

app_name = "api"
urlpatterns = [
    # Before `<greenpin_id>/`, which `track` would otherwise be taken for.
    path("v1/allocations/track/", TrackView.as_view(), name="track"),
    path("v1/allocations/", AllocationListView.as_view(), name="allocations"),
    path("v1/allocations/<str:greenpin_id>/", AllocationDetailView.as_view(), name="allocation"),
    path("v1/calls/<str:sid>/", CallDetailView.as_view(), name="call"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    # Last: any other address under /api/ is a JSON 404, not a page or a login redirect.
    re_path(r"^", no_such_endpoint),
]
