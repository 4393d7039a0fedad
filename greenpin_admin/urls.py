from django.contrib import admin
from django.urls import include, path

from sync.views import healthz

urlpatterns = [
    path("", include("console.urls")),
    path("allocations/", include("allocations.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
