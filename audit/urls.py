from django.urls import path

from .views import AccessLogView

app_name = "audit"
urlpatterns = [path("", AccessLogView.as_view(), name="list")]
