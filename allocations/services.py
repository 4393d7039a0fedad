"""Every write to allocations: tracking, refreshing from Exotel, recording failures."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from exotel import errors, greenpin
from exotel.coordination import BudgetSpent, coordinator, rows_claim, rows_release
from exotel.custom_field import parse_order_id
from exotel.greenpin import AllocationRecord
from exotel.http import backoff_delay, call_with_retries
from exotel.ids import MAX_ID_LENGTH, is_exotel_id
from exotel.request_guard import DEPLOYMENT_WIDE, exotel_request

from .models import Allocation, AllocationStatus, Party

logger = logging.getLogger(__name__)

ENDED_STATUSES = {AllocationStatus.EXPIRED, AllocationStatus.DELETED}
REFRESH_REQUEST_WINDOW = 20  # seconds
# Failed refreshes come round again near their backoff step, not anywhere below it.
RESCHEDULE_SPREAD = (0.8, 1.2)


@dataclass(frozen=True)
class RefreshOutcome:
    greenpin_id: str
    ok: bool
    status: str
    error: str = ""
    error_kind: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"{self.greenpin_id}: {self.status}"
        return f"{self.greenpin_id}: FAILED ({self.error_kind}) {self.error}"


def allocation_track(*, greenpin_ids: Iterable[str]) -> list[Allocation]:
    """Start mirroring these allocations: a row each (existing rows are kept), due at once.

    Raises `ValueError` naming the first ID that is not the shape Exotel issues, before
    anything is written."""
    wanted = _distinct_ids(greenpin_ids)
    for greenpin_id in wanted:
        if not is_exotel_id(greenpin_id):
            raise ValueError(
                f"{greenpin_id[:80]!r} is not a GreenPin ID (letters, digits, '_', '-', "
                f"at most {MAX_ID_LENGTH})"
            )
    tracked, _ = _rows_for(wanted)
    return tracked


class TrackResult(StrEnum):
    TRACKED = "tracked"
    ALREADY_TRACKED = "already_tracked"
    INVALID = "invalid"


@dataclass(frozen=True)
class TrackOutcome:
    greenpin_id: str
    result: TrackResult
    allocation_id: int | None = None


def allocation_track_each(*, greenpin_ids: Iterable[str]) -> list[TrackOutcome]:
    """Track each ID that is the shape Exotel issues and have a worker fetch the new ones
    at once; every ID gets its outcome (tracked, already tracked, invalid), none is raised.
    A constant number of queries however many IDs."""
    wanted = _distinct_ids(greenpin_ids)
    tracked, new = _rows_for([gid for gid in wanted if is_exotel_id(gid)])
    by_id = {allocation.greenpin_id: allocation for allocation in tracked}
    allocation_queue_refresh(allocation_ids=[by_id[gid].pk for gid in new])
    outcomes = []
    for greenpin_id in wanted:
        allocation = by_id.get(greenpin_id)
        if allocation is None:
            outcomes.append(TrackOutcome(greenpin_id, TrackResult.INVALID))
            continue
        result = TrackResult.TRACKED if greenpin_id in new else TrackResult.ALREADY_TRACKED
        outcomes.append(TrackOutcome(greenpin_id, result, allocation.pk))
    return outcomes


def _distinct_ids(greenpin_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(gid.strip() for gid in greenpin_ids if gid.strip()))


def _rows_for(greenpin_ids: list[str]) -> tuple[list[Allocation], set[str]]:
    """A row for each ID, in the order given (existing rows kept, new ones due at once), and
    which IDs were new. Three queries, however many IDs."""
    existing = set(
        Allocation.objects.filter(greenpin_id__in=greenpin_ids).values_list(
            "greenpin_id", flat=True
        )
    )
    new = {gid for gid in greenpin_ids if gid not in existing}
    now = timezone.now()
    # Another process tracking the same ID meanwhile is not an error: its row is the row.
    Allocation.objects.bulk_create(
        [
            Allocation(greenpin_id=gid, tenant_id=settings.EXOTEL_TENANT_ID, next_sync_at=now)
            for gid in greenpin_ids
            if gid in new
        ],
        ignore_conflicts=True,
    )
    rows = Allocation.objects.in_bulk(greenpin_ids, field_name="greenpin_id")
    return [rows[gid] for gid in greenpin_ids], new


def allocation_track_from_exotel(*, greenpin_id: str) -> Allocation:
    """Ask Exotel once for an allocation the mirror does not have (someone searched for it)
    and, when Exotel has it, mirror it and keep it tracked.

    One request through the guard (credentials alert, circuit breaker, request budget), no
    retries: a person is waiting. Raises Exotel's typed error (`NotFound` when Exotel has no
    such allocation), `CircuitOpen`, or `BudgetSpent` when the budget has no slot free now;
    nothing is written then."""
    if coordinator().slots_free_by(0) == 0:
        # A page must not wait for the next slot as a command would.
        raise BudgetSpent("the deployment's Exotel request budget is spent for this minute")
    record = exotel_request("greenpin", lambda: greenpin.get_allocation(greenpin_id))
    if record.greenpin_id.lower() != greenpin_id.lower():
        raise errors.BadResponse(
            f"asked for {greenpin_id} but Exotel answered with {record.greenpin_id}"
        )
    return allocation_apply_record(record=record)


def allocation_refresh(
    *,
    allocation: Allocation,
    sleep: Callable[[float], None] | None = None,
    owner: str | None = None,
) -> RefreshOutcome:
    """Fetch one allocation from Exotel and mirror it, retrying transient errors in-process.

    A failure is recorded on the row and its last good data is kept. Deployment-wide errors
    (a 401, an open circuit, a spent request budget) are raised without touching the row:
    they hold for every row, so the caller must stop its whole run. A row another process is
    refreshing is skipped; `owner` (a task's ID) lets the same task, delivered again after its
    worker died, take it over.
    """
    owner = owner or uuid.uuid4().hex
    if not allocation_claim(allocation=allocation, owner=owner):
        return RefreshOutcome(
            allocation.greenpin_id, False, allocation.status, "being refreshed elsewhere", "busy"
        )
    try:
        return _refresh_claimed(allocation, sleep)
    finally:
        rows_release(
            Allocation.objects.filter(pk=allocation.pk),
            owner=owner,
            owner_field="claimed_by",
            until_field="claimed_until",
        )


@dataclass
class BatchOutcome:
    refreshed: int = 0
    # The deployment-wide refusal that stopped the batch early, and how many rows it left.
    stopped_by: errors.ExotelError | None = None
    left: int = 0


def allocations_refresh(*, allocation_ids: list[int], owner: str) -> BatchOutcome:
    """Refresh a batch the periodic pass handed out, in ID order, stopping at the first
    deployment-wide refusal (a 401, an open circuit, a spent budget).

    When the request budget is spent, the rows not reached are due again when it frees
    (`BudgetSpent.free_in`), not when the pass's hold on them ends; after a 401 or an open
    circuit they keep the hold and come round with it."""
    batch = BatchOutcome()
    started = timezone.now()
    allocations = list(Allocation.objects.filter(pk__in=allocation_ids).order_by("pk"))
    for position, allocation in enumerate(allocations):
        try:
            allocation_refresh(allocation=allocation, owner=owner)
        except DEPLOYMENT_WIDE as error:
            batch.stopped_by, batch.left = error, len(allocations) - position
            if isinstance(error, BudgetSpent):
                allocations_reschedule(
                    allocation_ids=[a.pk for a in allocations[position:]],
                    at=timezone.now() + timedelta(seconds=error.free_in),
                    untouched_since=started,
                )
            return batch
        batch.refreshed += 1
    return batch


def allocations_reschedule(
    *, allocation_ids: list[int], at: datetime, untouched_since: datetime
) -> int:
    """Make these allocations due at `at`, unless a refresh was tried since `untouched_since`
    (another process's refresh sets its own next time) or they are due sooner or never.
    Returns how many were rescheduled."""
    untouched = Q(last_sync_attempt_at__isnull=True) | Q(last_sync_attempt_at__lt=untouched_since)
    return (
        Allocation.objects.filter(pk__in=allocation_ids, next_sync_at__gt=at)
        .filter(untouched)
        .update(next_sync_at=at)
    )


def allocation_track_and_refresh(*, greenpin_ids: Iterable[str]) -> list[Allocation]:
    """Track these allocations (see `allocation_track`) and have a worker fetch them now."""
    tracked = allocation_track(greenpin_ids=greenpin_ids)
    allocation_queue_refresh(allocation_ids=[allocation.pk for allocation in tracked])
    return tracked


def allocation_queue_refresh(*, allocation_ids: Iterable[int]) -> None:
    """Have a worker refresh these allocations once the current transaction commits (so the
    task never looks for a row that is not there yet)."""
    # Imported here: the tasks module imports this one to call its services.
    from .tasks import refresh_allocation

    for allocation_id in allocation_ids:
        transaction.on_commit(partial(refresh_allocation.delay, allocation_id), robust=True)


def allocation_request_refresh(*, allocation: Allocation) -> None:
    """Ask a worker to refresh this allocation soon (someone is looking at it). Requests for
    one allocation within REFRESH_REQUEST_WINDOW are one request."""
    if coordinator().acquire_lease(f"refresh-request:{allocation.pk}", REFRESH_REQUEST_WINDOW):
        allocation_queue_refresh(allocation_ids=[allocation.pk])


def allocation_claim(*, allocation: Allocation, owner: str) -> bool:
    """Claim the row for one refresh; False when another owner holds it."""
    claimed = rows_claim(
        Allocation.objects.filter(pk=allocation.pk),
        owner=owner,
        owner_field="claimed_by",
        until_field="claimed_until",
    )
    return claimed == 1


def _refresh_claimed(allocation: Allocation, sleep) -> RefreshOutcome:
    kwargs = {"sleep": sleep} if sleep else {}
    try:
        record = call_with_retries(
            lambda: exotel_request(
                "greenpin", lambda: greenpin.get_allocation(allocation.greenpin_id)
            ),
            **kwargs,
        )
    except DEPLOYMENT_WIDE:
        raise
    except errors.ExotelError as error:
        allocation_record_failure(allocation=allocation, error=error)
        return RefreshOutcome(
            allocation.greenpin_id, False, allocation.status, str(error), error.kind
        )
    if record.greenpin_id != allocation.greenpin_id:
        mismatch = errors.BadResponse(
            f"asked for {allocation.greenpin_id} but Exotel answered with {record.greenpin_id}"
        )
        allocation_record_failure(allocation=allocation, error=mismatch)
        return RefreshOutcome(
            allocation.greenpin_id, False, allocation.status, str(mismatch), mismatch.kind
        )
    allocation = allocation_apply_record(record=record)
    return RefreshOutcome(allocation.greenpin_id, True, allocation.status)


@transaction.atomic
def allocation_apply_record(*, record: AllocationRecord) -> Allocation:
    """Upsert the allocation and its parties from `record`, writing only what changed."""
    now = timezone.now()
    allocation, _ = Allocation.objects.select_for_update().get_or_create(
        greenpin_id=record.greenpin_id,
        defaults={"tenant_id": settings.EXOTEL_TENANT_ID},
    )
    values = {
        "virtual_number": record.virtual_number,
        "pin": record.pin,
        "status": record.status,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "call_count": record.call_count,
        "custom_field": record.custom_field,
        "order_id": record.transaction_id or parse_order_id(record.custom_field),
        "raw_payload": record.raw,
        "last_synced_at": now,
        "last_sync_attempt_at": now,
        "last_sync_error": "",
        "last_sync_error_kind": "",
        "sync_failures": 0,
        "next_sync_at": _next_sync_after_success(record, now),
    }
    if record.status == AllocationStatus.DELETED and allocation.deleted_at is None:
        values["deleted_at"] = now
    changed = [name for name, value in values.items() if getattr(allocation, name) != value]
    for name in changed:
        setattr(allocation, name, values[name])
    if changed:
        allocation.save(update_fields=changed)
    _replace_parties(allocation, Party.Side.A, record.a_numbers)
    _replace_parties(allocation, Party.Side.B, record.b_numbers)
    return allocation


def allocation_record_failure(*, allocation: Allocation, error: errors.ExotelError) -> None:
    """Note a failed refresh on the row; its mirrored data stays as it was."""
    now = timezone.now()
    failures = allocation.sync_failures + 1
    fields = {
        "last_sync_attempt_at": now,
        "last_sync_error": str(error)[:2000],
        "last_sync_error_kind": error.kind,
        "sync_failures": failures,
        "next_sync_at": _next_sync_after_failure(error, failures, now),
    }
    if isinstance(error, errors.NotFound):
        fields["status"] = AllocationStatus.MISSING
    Allocation.objects.filter(pk=allocation.pk).update(**fields)
    for name, value in fields.items():
        setattr(allocation, name, value)
    logger.warning("refresh of %s failed: %s", allocation.greenpin_id, error)


def _next_sync_after_success(record: AllocationRecord, now: datetime) -> datetime | None:
    if record.status in ENDED_STATUSES:
        # This was the final refresh after expiry or deletion: nothing can change any more.
        return None
    interval = timedelta(seconds=settings.ALLOCATION_REFRESH_INTERVAL)
    final_delay = timedelta(seconds=settings.ALLOCATION_FINAL_REFRESH_DELAY)
    if record.expires_at is None:
        return now + interval
    if record.expires_at <= now:
        # Past its expiry but Exotel still says active: look once more shortly.
        return now + final_delay
    return min(now + interval, record.expires_at + final_delay)


def _next_sync_after_failure(
    error: errors.ExotelError, failures: int, now: datetime
) -> datetime | None:
    if error.permanent:
        return None
    if isinstance(error, errors.RateLimited) and error.retry_after:
        return now + timedelta(seconds=error.retry_after)
    delay = backoff_delay(
        failures, base=15, cap=settings.ALLOCATION_REFRESH_INTERVAL, spread=RESCHEDULE_SPREAD
    )
    return now + timedelta(seconds=delay)


def _replace_parties(allocation: Allocation, side: str, numbers: tuple[str, ...]) -> None:
    existing = {party.number: party for party in allocation.parties.filter(side=side)}
    stale = [party.pk for number, party in existing.items() if number not in numbers]
    if stale:
        Party.objects.filter(pk__in=stale).delete()
    for position, number in enumerate(numbers):
        party = existing.get(number)
        if party is None:
            Party.objects.create(allocation=allocation, side=side, number=number, position=position)
        elif party.position != position:
            party.position = position
            party.save(update_fields=["position"])
