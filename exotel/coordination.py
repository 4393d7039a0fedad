"""What every process of the deployment must agree on: the shared Exotel request budget,
leases (so periodic runs never overlap), and small counters.

Backed by Redis when the broker is Redis (production, CI), and by the database on the
embedded default (SQLite and the filesystem broker), so no code assumes one process.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, timedelta
from functools import lru_cache
from typing import Protocol, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .errors import ExotelError
from .metrics import budget_wait_observed
from .models import Lease, RateLimitWindow, RequestSlot

logger = logging.getLogger(__name__)


class BudgetSpent(ExotelError):
    """The deployment-wide request budget has no slot soon enough; nothing was sent.

    `free_in` is how many seconds until the budget has a slot again, as the budget computed
    when it refused this one: work that meets a spent budget is due again then. Raised
    without it, it says one window, the longest a spent budget takes to free a slot (a 429's
    block aside)."""

    kind = "budget_spent"
    retry_in_process = False

    def __init__(self, message: str, *, free_in: float | None = None) -> None:
        super().__init__(message)
        self.free_in = _window_ms() / 1000 if free_in is None else free_in


# Redis keeps the sliding window as a sorted set of request times, in its own clock, so
# machines whose clocks disagree still share one exact budget.
_TAKE_SLOT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return blocked - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""
# Slots that will be free `ahead` ms from now: the limit less the requests still inside the
# window then (0 while a 429's block lasts past it).
_FREE_BY = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window, limit, ahead = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if tonumber(redis.call('GET', KEYS[2]) or '0') > now + ahead then return 0 end
local counted = redis.call('ZCOUNT', KEYS[1], '(' .. (now + ahead - window), '+inf')
return math.max(0, limit - counted)
"""
_BLOCK = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]))
end
return until_ms
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# A mark is the Redis clock's time in ms; its age is read in the same clock.
_MARK = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
if ARGV[1] == '1' then redis.call('SET', KEYS[1], now, 'NX')
else redis.call('SET', KEYS[1], now) end
return now
"""
_AGE = """
local marked = redis.call('GET', KEYS[1])
if not marked then return -1 end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
return now - tonumber(marked)
"""


class Coordinator(Protocol):
    def take_request_slot(self) -> float:
        """Take one request from the shared budget: 0 when taken, else seconds to wait."""

    def block_requests(self, seconds: float) -> None:
        """Exotel said 429: nobody asks again for `seconds`."""

    def acquire_lease(self, name: str, seconds: float) -> str | None:
        """A token when this process now holds `name` for `seconds`, None when another does."""

    def release_lease(self, name: str, token: str) -> None: ...

    def renew_lease(self, name: str, token: str, seconds: float) -> bool:
        """Extend a lease this process still holds to `seconds` from now; False if lost."""

    def mark(self, key: str, *, only_if_absent: bool = False) -> None:
        """Note that something happened now (shared by every process)."""

    def age(self, key: str) -> float | None:
        """Seconds since `key` was marked; None if never (or forgotten)."""

    def forget(self, key: str) -> None: ...

    def increment(self, key: str, seconds: float, amount: int = 1) -> int:
        """Add `amount` (one) to a counter that expires `seconds` after it was created."""

    def requests_in_window(self) -> int:
        """How much of the shared budget the current window has used."""

    def slots_free_by(self, seconds: float) -> int:
        """How many slots the window will have free `seconds` from now (at most a window
        ahead), counting only the requests already taken; 0 if a 429's block outlasts it."""

    def count(self, key: str) -> int:
        """A counter's value now (0 once it has expired)."""

    def counts(self, keys: list[str]) -> list[int]:
        """Several counters' values in one round trip, in the order of `keys`."""


def _window_ms() -> int:
    # The margin keeps network delays from fitting one request too many into a window as
    # Exotel counts it.
    return int((settings.EXOTEL_RATE_LIMIT_WINDOW + settings.EXOTEL_RATE_LIMIT_MARGIN) * 1000)


def _limit() -> int:
    return max(
        1, round(settings.EXOTEL_RATE_LIMIT_PER_MINUTE * settings.EXOTEL_RATE_LIMIT_WINDOW / 60)
    )


class RedisCoordinator:
    def __init__(self, url: str) -> None:
        import redis

        self.prefix = settings.COORDINATION_KEY_PREFIX
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._take = self.redis.register_script(_TAKE_SLOT)
        self._free_by = self.redis.register_script(_FREE_BY)
        self._block = self.redis.register_script(_BLOCK)
        self._release = self.redis.register_script(_RELEASE)
        self._renew = self.redis.register_script(_RENEW)
        self._mark = self.redis.register_script(_MARK)
        self._age = self.redis.register_script(_AGE)

    def take_request_slot(self) -> float:
        keys = [f"{self.prefix}exotel:requests", f"{self.prefix}exotel:blocked"]
        wait_ms = self._take(keys=keys, args=[_window_ms(), _limit(), uuid.uuid4().hex])
        return int(wait_ms) / 1000

    def block_requests(self, seconds: float) -> None:
        self._block(keys=[f"{self.prefix}exotel:blocked"], args=[max(1, int(seconds * 1000))])

    def requests_in_window(self) -> int:
        seconds, micros = self.redis.time()  # type: ignore[misc]
        now_ms = seconds * 1000 + micros // 1000
        key = f"{self.prefix}exotel:requests"
        return int(self.redis.zcount(key, now_ms - _window_ms(), "+inf"))  # type: ignore[arg-type]

    def slots_free_by(self, seconds: float) -> int:
        keys = [f"{self.prefix}exotel:requests", f"{self.prefix}exotel:blocked"]
        ahead_ms = min(_window_ms(), int(seconds * 1000))
        return int(self._free_by(keys=keys, args=[_window_ms(), _limit(), ahead_ms]))

    def acquire_lease(self, name: str, seconds: float) -> str | None:
        token = uuid.uuid4().hex
        taken = self.redis.set(f"{self.prefix}lease:{name}", token, nx=True, px=int(seconds * 1000))
        return token if taken else None

    def release_lease(self, name: str, token: str) -> None:
        self._release(keys=[f"{self.prefix}lease:{name}"], args=[token])

    def renew_lease(self, name: str, token: str, seconds: float) -> bool:
        key = f"{self.prefix}lease:{name}"
        return bool(self._renew(keys=[key], args=[token, int(seconds * 1000)]))

    def mark(self, key: str, *, only_if_absent: bool = False) -> None:
        self._mark(keys=[f"{self.prefix}mark:{key}"], args=["1" if only_if_absent else "0"])

    def age(self, key: str) -> float | None:
        age_ms = int(self._age(keys=[f"{self.prefix}mark:{key}"]))
        return None if age_ms < 0 else age_ms / 1000

    def forget(self, key: str) -> None:
        self.redis.delete(f"{self.prefix}mark:{key}")

    def clear(self) -> None:
        """Forget every key of this deployment (tests start from a clean slate)."""
        keys = list(self.redis.scan_iter(f"{self.prefix}*"))
        if keys:
            self.redis.delete(*keys)

    def increment(self, key: str, seconds: float, amount: int = 1) -> int:
        full_key = f"{self.prefix}count:{key}"
        with self.redis.pipeline() as pipe:
            pipe.incr(full_key, amount)
            pipe.expire(full_key, int(seconds), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def count(self, key: str) -> int:
        return self.counts([key])[0]

    def counts(self, keys: list[str]) -> list[int]:
        if not keys:
            return []
        values = cast(
            "list[bytes | None]", self.redis.mget([f"{self.prefix}count:{k}" for k in keys])
        )
        return [int(value) if value else 0 for value in values]


class DatabaseCoordinator:
    """The same guarantees through the database, for deployments without Redis."""

    def take_request_slot(self) -> float:
        now = timezone.now()
        window = timedelta(milliseconds=_window_ms())
        with transaction.atomic():
            state, _ = RateLimitWindow.objects.select_for_update().get_or_create(name="exotel")
            if state.blocked_until and state.blocked_until > now:
                return (state.blocked_until - now).total_seconds()
            RequestSlot.objects.filter(taken_at__lte=now - window).delete()
            slots = RequestSlot.objects.order_by("taken_at").values_list("taken_at", flat=True)
            count = slots.count()
            if count < _limit():
                RequestSlot.objects.create(taken_at=now)
                return 0.0
            oldest = slots.first()
            assert oldest is not None  # the window is full, so it has an oldest slot
            return max(0.001, (oldest + window - now).total_seconds())

    def requests_in_window(self) -> int:
        since = timezone.now() - timedelta(milliseconds=_window_ms())
        return RequestSlot.objects.filter(taken_at__gt=since).count()

    def slots_free_by(self, seconds: float) -> int:
        now = timezone.now()
        window = timedelta(milliseconds=_window_ms())
        ahead = min(window, timedelta(seconds=seconds))
        state = RateLimitWindow.objects.filter(name="exotel").first()
        if state and state.blocked_until and state.blocked_until > now + ahead:
            return 0
        counted = RequestSlot.objects.filter(taken_at__gt=now + ahead - window).count()
        return max(0, _limit() - counted)

    def block_requests(self, seconds: float) -> None:
        until = timezone.now() + timedelta(seconds=seconds)
        with transaction.atomic():
            state, _ = RateLimitWindow.objects.select_for_update().get_or_create(name="exotel")
            if not state.blocked_until or state.blocked_until < until:
                state.blocked_until = until
                state.save(update_fields=["blocked_until"])

    def acquire_lease(self, name: str, seconds: float) -> str | None:
        now = timezone.now()
        token = uuid.uuid4().hex
        expires = now + timedelta(seconds=seconds)
        taken = Lease.objects.filter(name=name, expires_at__lte=now).update(
            token=token, expires_at=expires
        )
        if taken:
            return token
        try:
            with transaction.atomic():
                Lease.objects.create(name=name, token=token, expires_at=expires)
        except IntegrityError:
            return None
        return token

    def release_lease(self, name: str, token: str) -> None:
        Lease.objects.filter(name=name, token=token).delete()

    def renew_lease(self, name: str, token: str, seconds: float) -> bool:
        expires = timezone.now() + timedelta(seconds=seconds)
        return bool(Lease.objects.filter(name=name, token=token).update(expires_at=expires))

    # Marks reuse the lease table: the name, and the time of the mark in expires_at.
    def mark(self, key: str, *, only_if_absent: bool = False) -> None:
        name, now = f"mark:{key}", timezone.now()
        if only_if_absent:
            try:
                with transaction.atomic():
                    Lease.objects.get_or_create(name=name, defaults={"expires_at": now})
            except IntegrityError:
                pass  # another process marked it first
            return
        Lease.objects.update_or_create(name=name, defaults={"expires_at": now})

    def age(self, key: str) -> float | None:
        marked = Lease.objects.filter(name=f"mark:{key}").values_list("expires_at", flat=True)
        at = marked.first()
        return None if at is None else (timezone.now() - at).total_seconds()

    def forget(self, key: str) -> None:
        Lease.objects.filter(name=f"mark:{key}").delete()

    def increment(self, key: str, seconds: float, amount: int = 1) -> int:
        now = timezone.now()
        with transaction.atomic():
            lease, _ = Lease.objects.select_for_update().get_or_create(
                name=f"count:{key}",
                defaults={"token": "0", "expires_at": now + timedelta(seconds=seconds)},
            )
            if lease.expires_at <= now:
                lease.token, lease.expires_at = "0", now + timedelta(seconds=seconds)
            lease.token = str(int(lease.token) + amount)
            lease.save(update_fields=["token", "expires_at"])
        return int(lease.token)

    def count(self, key: str) -> int:
        return self.counts([key])[0]

    def counts(self, keys: list[str]) -> list[int]:
        names = [f"count:{key}" for key in keys]
        live = dict(
            Lease.objects.filter(name__in=names, expires_at__gt=timezone.now()).values_list(
                "name", "token"
            )
        )
        return [int(live[name]) if name in live else 0 for name in names]


@lru_cache(maxsize=4)
def _coordinator_for(url: str, prefix: str) -> Coordinator:
    if url.startswith(("redis://", "rediss://")):
        return RedisCoordinator(url)
    return DatabaseCoordinator()


def coordinator() -> Coordinator:
    return _coordinator_for(
        settings.COORDINATION_URL or settings.CELERY_BROKER_URL, settings.COORDINATION_KEY_PREFIX
    )


# Set by a command a person runs: wait for the budget however long it takes, reporting each
# wait, instead of giving the slot back as a worker task does.
_patient: ContextVar[Callable[[float], None] | None] = ContextVar("patient", default=None)


@contextmanager
def waiting_for_budget(on_wait: Callable[[float], None]) -> Iterator[None]:
    """Within this block, requests wait for the request budget however far off the next slot
    is, calling `on_wait(seconds left)` about once a second (a progress bar shows it)."""
    reset = _patient.set(on_wait)
    try:
        yield
    finally:
        _patient.reset(reset)


def wait_for_request_slot(*, max_wait: float | None = None, sleep=None) -> None:
    """Block until the deployment-wide budget allows one more Exotel request.

    Raises `BudgetSpent` (without asking Exotel) when the wait would exceed `max_wait`, so a
    task can give its worker back instead of sleeping for minutes; inside
    `waiting_for_budget` it waits instead.
    """
    max_wait = settings.EXOTEL_MAX_RETRY_AFTER if max_wait is None else max_wait
    sleep = sleep or time.sleep
    on_wait = _patient.get()
    waited = 0.0
    while (wait := coordinator().take_request_slot()) > 0:
        if on_wait is not None:
            on_wait(wait)
            # Short naps, so the countdown moves and Ctrl-C is felt at once.
            with budget_wait_observed():
                sleep(min(wait, 1.0))
            continue
        if waited + wait > max_wait:
            raise BudgetSpent(
                f"the deployment's Exotel request budget is spent for {wait:.0f} s",
                free_in=wait,
            )
        with budget_wait_observed():
            sleep(wait)
        waited += wait


def request_spacing() -> float:
    """Seconds between two requests at the budget's full rate."""
    return _window_ms() / 1000 / _limit()


def requests_available(*, within: float) -> int:
    """How many requests the budget can serve from now until `within` seconds from now: the
    slots free by then, and never more than the limit's rate over `within`, so work handed
    out for that time is spread over it instead of meeting a spent budget in one burst."""
    window = _window_ms() / 1000
    # Rounded up, so a pass however frequent still hands out one when a slot is free.
    at_rate = math.ceil(_limit() * within / window)
    # Past one window, each further window's worth frees in full.
    beyond = math.floor(_limit() * max(0.0, within - window) / window)
    return min(at_rate, coordinator().slots_free_by(within) + beyond)


@contextmanager
def lease(name: str, *, seconds: float | None = None):
    """Hold `name` while the block runs; yields False (and holds nothing) if another does.

    The lease lasts `seconds` (LEASE_SECONDS) and a thread renews it every third of that
    while this process lives, so a holder that dies (kill -9, a lost machine) frees it
    within `seconds`, however long a live holder keeps it.
    """
    seconds = settings.LEASE_SECONDS if seconds is None else seconds
    backend = coordinator()
    token = backend.acquire_lease(name, seconds)
    if token is None:
        yield False
        return
    done = threading.Event()
    renewer = threading.Thread(
        target=_renew_until, args=(backend, name, token, seconds, done), daemon=True
    )
    renewer.start()
    try:
        yield True
    finally:
        done.set()
        renewer.join()
        backend.release_lease(name, token)


def _renew_until(
    backend: Coordinator, name: str, token: str, seconds: float, done: threading.Event
) -> None:
    from django.db import connection

    try:
        while not done.wait(seconds / 3):
            if not backend.renew_lease(name, token, seconds):
                logger.error("lease %s was lost; another holder may start", name)
                return
    except Exception:
        logger.exception("renewing lease %s", name)
    finally:
        connection.close()  # this thread's own database connection (DatabaseCoordinator)


def rows_claim(queryset: QuerySet, *, owner: str, owner_field: str, until_field: str) -> int:
    """Claim the rows of `queryset` that no other owner holds, for ROW_CLAIM_SECONDS: a claim
    past its time is free, and an owner delivered again (a task whose worker died) keeps its
    own. One conditional update, so two processes never both get a row. The number claimed."""
    now = timezone.now()
    free = Q(**{f"{until_field}__isnull": True}) | Q(**{f"{until_field}__lt": now})
    return queryset.filter(free | Q(**{owner_field: owner})).update(
        **{
            owner_field: owner,
            until_field: now + timedelta(seconds=settings.ROW_CLAIM_SECONDS),
        }
    )


def rows_release(queryset: QuerySet, *, owner: str, owner_field: str, until_field: str) -> None:
    """Give back the rows of `queryset` that `owner` still holds."""
    queryset.filter(**{owner_field: owner}).update(**{owner_field: "", until_field: None})


# Per-hour counters of the whole deployment, kept a little over a day for /health/.
HOUR_COUNTER_SECONDS = 25 * 3600


def _hour_key(name: str, hour) -> str:
    return f"hour:{name}:{hour.astimezone(UTC):%Y%m%d%H}"


def hour_counter_add(name: str) -> None:
    """Count one `name` (an Exotel request, a call pulled) in this UTC hour."""
    coordinator().increment(_hour_key(name, timezone.now()), HOUR_COUNTER_SECONDS)


def hour_counter_read(name: str, hours: list) -> list[int]:
    """The counts of `name` in each of `hours` (aware datetimes at the start of an hour), read
    in one round trip."""
    return coordinator().counts([_hour_key(name, hour) for hour in hours])
