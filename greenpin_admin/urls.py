from django.contrib import admin
from django.urls import include, path

from console import urls as console_urls
from console.health_views import HealthView, healthz, metrics
from console.webhook import exotel_webhook

urlpatterns = [
    path("", include("console.urls")),
    path("allocations/", include((console_urls.allocation_patterns, "allocations"))),
    path("calls/", include((console_urls.call_patterns, "calls"))),
    path("audit/", include((console_urls.audit_patterns, "audit"))),
    path("webhooks/exotel/<str:secret>/", exotel_webhook, name="exotel-webhook"),
    # Without the slash too: redirecting a POST would lose its body.
    path("webhooks/exotel/<str:secret>", exotel_webhook),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("console.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("health/", HealthView.as_view(), name="health"),
    path("metrics", metrics, name="metrics"),
]
