from django.urls import path

from .views import ExportView, ProfileView, SearchView

app_name = "console"
urlpatterns = [
    path("", SearchView.as_view(), name="search"),
    path("export.csv", ExportView.as_view(), name="export"),
    path("accounts/profile/", ProfileView.as_view(), name="profile"),
]
