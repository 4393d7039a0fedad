from django.urls import path

from .views import CallDetailView, CallRecordingView

app_name = "calls"
urlpatterns = [
    path("<str:sid>/", CallDetailView.as_view(), name="detail"),
    path("<str:sid>/recording/", CallRecordingView.as_view(), name="recording"),
]
