from django.contrib import admin
from django.urls import include, path

from calls.views import exotel_webhook
from sync.views import HealthView, healthz, metrics

urlpatterns = [
    path("", include("console.urls")),
    path("allocations/", include("allocations.urls")),
    path("calls/", include("calls.urls")),
    path("audit/", include("audit.urls")),
    path("webhooks/exotel/<str:secret>/", exotel_webhook, name="exotel-webhook"),
    # Without the slash too: redirecting a POST would lose its body.
    path("webhooks/exotel/<str:secret>", exotel_webhook),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("health/", HealthView.as_view(), name="health"),
    path("metrics", metrics, name="metrics"),
]
