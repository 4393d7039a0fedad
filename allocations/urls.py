from django.urls import path

from .views import AllocationDetailView

app_name = "allocations"
urlpatterns = [
    path("<str:greenpin_id>/", AllocationDetailView.as_view(), name="detail"),
]
