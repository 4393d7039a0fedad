from __future__ import annotations

import hmac

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import UserPassesTestMixin
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from sync.metrics_export import metrics_page
from sync.queues import consumed_queues
from sync.selectors import health_last_day, health_snapshot
from sync.worker_health import queue_lengths, queues_stalled


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and orchestrators: 200 when the database and the broker
    answer and no queue has held messages that no worker took for WORKER_STALL_TIMEOUT.
    No data beyond which check failed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            lengths = queue_lengths(broker, consumed_queues())
    except Exception:
        return HttpResponse("broker unreachable\n", status=503, content_type="text/plain")
    if queues_stalled(lengths):
        return HttpResponse("workers not taking work\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class HealthView(UserPassesTestMixin, TemplateView):
    """For staff: how fresh the mirror is and what is failing."""

    template_name = "console/health.html"
    raise_exception = True

    def test_func(self) -> bool:
        user = self.request.user
        return user.is_staff or user.has_perm("sync.view_health")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "health": health_snapshot(),
            "last_day": health_last_day(),
        }


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper holding METRICS_TOKEN; not there at all without one."""
    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404
    offered = request.headers.get("Authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {expected}".encode()):
        response = HttpResponse(
            "a bearer token is required\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_page(), content_type="text/plain; version=0.0.4; charset=utf-8")
