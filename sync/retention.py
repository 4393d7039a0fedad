"""Deleting what is past its retention, in batches so no statement locks a table for long."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from allocations.models import Allocation, AllocationStatus
from audit.models import AccessLog
from calls.models import Call, CallEvent
from exotel.models import Lease, ProviderError, RequestSlot

from .models import SyncRun

BATCH = 1000


def purge_expired(*, now=None) -> dict[str, int]:
    """Delete call events, access logs and ended allocations (with their calls) older than
    their retention settings, and the sync bookkeeping older than a week. Returns counts."""
    now = now or timezone.now()

    def before(days: int):
        return now - timedelta(days=days)

    ended = before(settings.ENDED_ALLOCATION_RETENTION_DAYS)
    old_allocations = Allocation.objects.filter(
        Q(status__in=[AllocationStatus.EXPIRED, AllocationStatus.DELETED])
        & (Q(expires_at__lt=ended) | Q(deleted_at__lt=ended))
        | Q(status=AllocationStatus.MISSING, tracked_at__lt=ended)
    )
    week = before(7)
    return {
        "call events": _delete(
            CallEvent.objects.filter(received_at__lt=before(settings.CALL_EVENT_RETENTION_DAYS))
        ),
        "access log entries": _delete(
            AccessLog.objects.filter(at__lt=before(settings.ACCESS_LOG_RETENTION_DAYS))
        ),
        "calls of ended allocations": _delete(
            Call.objects.filter(allocation__in=old_allocations.values("pk"))
        ),
        "ended allocations": _delete(old_allocations),
        "sync runs": _delete(SyncRun.objects.filter(started_at__lt=week)),
        "provider errors": _delete(ProviderError.objects.filter(at__lt=week)),
        "request slots": _delete(RequestSlot.objects.filter(taken_at__lt=before(1))),
        "expired leases": _delete(Lease.objects.filter(expires_at__lt=before(1))),
    }


def _delete(queryset: QuerySet[Model]) -> int:
    model = queryset.model
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:BATCH]):
        model._default_manager.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
