from django.urls import path

from .views import AllocationDetailView, AllocationFreshnessView, AllocationRefreshView

app_name = "allocations"
urlpatterns = [
    path("<str:greenpin_id>/", AllocationDetailView.as_view(), name="detail"),
    path("<str:greenpin_id>/freshness/", AllocationFreshnessView.as_view(), name="freshness"),
    path("<str:greenpin_id>/refresh/", AllocationRefreshView.as_view(), name="refresh"),
]
