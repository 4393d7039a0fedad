from django.urls import path

from .views import (
    AllocationDetailView,
    AllocationFreshnessView,
    AllocationRefreshView,
    AllocationRevealView,
)

app_name = "allocations"
urlpatterns = [
    path("<str:greenpin_id>/", AllocationDetailView.as_view(), name="detail"),
    path("<str:greenpin_id>/freshness/", AllocationFreshnessView.as_view(), name="freshness"),
    path("<str:greenpin_id>/refresh/", AllocationRefreshView.as_view(), name="refresh"),
    path("<str:greenpin_id>/reveal/<str:what>/", AllocationRevealView.as_view(), name="reveal"),
]
