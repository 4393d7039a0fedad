"""The console's pages. The search, export and profile are the `console` namespace; the
allocation, call and audit pages keep their own (`allocations:detail`, `calls:detail`,
`audit:list`), included by `greenpin_admin/urls.py`."""

from django.urls import path

from .allocation_views import (
    AllocationDetailView,
    AllocationFreshnessView,
    AllocationHideView,
    AllocationRefreshView,
    AllocationRevealView,
)
from .audit_views import AccessLogView
from .call_list_views import CallExportView, CallListView
from .call_views import (
    CallDetailView,
    CallLinkView,
    CallRecordingStatusView,
    CallRecordingView,
)
from .lookup_views import LookupView
from .track_views import TrackStatusView, TrackView
from .views import ExportView, ProfileView, SearchView

app_name = "console"
urlpatterns = [
    path("", SearchView.as_view(), name="search"),
    path("export.csv", ExportView.as_view(), name="export"),
    path("lookup/", LookupView.as_view(), name="lookup"),
    path("track/", TrackView.as_view(), name="track"),
    path("track/status/", TrackStatusView.as_view(), name="track-status"),
    # Before the call pages' `calls/<sid>/`, which no fixed path here can be mistaken for.
    path("calls/", CallListView.as_view(), name="calls"),
    path("calls/export.csv", CallExportView.as_view(), name="calls-export"),
    path("accounts/profile/", ProfileView.as_view(), name="profile"),
]

allocation_patterns = [
    path("<str:greenpin_id>/", AllocationDetailView.as_view(), name="detail"),
    path("<str:greenpin_id>/freshness/", AllocationFreshnessView.as_view(), name="freshness"),
    path("<str:greenpin_id>/refresh/", AllocationRefreshView.as_view(), name="refresh"),
    path("<str:greenpin_id>/reveal/<str:what>/", AllocationRevealView.as_view(), name="reveal"),
    path("<str:greenpin_id>/hide/<str:what>/", AllocationHideView.as_view(), name="hide"),
]

call_patterns = [
    path("<str:sid>/", CallDetailView.as_view(), name="detail"),
    path("<str:sid>/link/", CallLinkView.as_view(), name="link"),
    path("<str:sid>/recording/", CallRecordingView.as_view(), name="recording"),
    path("<str:sid>/recording/status/", CallRecordingStatusView.as_view(), name="recording-status"),
]

audit_patterns = [path("", AccessLogView.as_view(), name="list")]
