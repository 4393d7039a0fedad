from django.urls import path

from .call_views import CallExportView, CallListView
from .views import ExportView, ProfileView, SearchView

app_name = "console"
urlpatterns = [
    path("", SearchView.as_view(), name="search"),
    path("export.csv", ExportView.as_view(), name="export"),
    # Before the call pages' `calls/<sid>/`, which no fixed path here can be mistaken for.
    path("calls/", CallListView.as_view(), name="calls"),
    path("calls/export.csv", CallExportView.as_view(), name="calls-export"),
    path("accounts/profile/", ProfileView.as_view(), name="profile"),
]
