"""What every process of the deployment must agree on: the shared Exotel request budget,
leases (so periodic runs never overlap), and small counters.

Backed by Redis when the broker is Redis (production, CI), and by the database on the
embedded default (SQLite and the filesystem broker), so no code assumes one process.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import Protocol, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from exotel.errors import ExotelError

from .models import Lease, RateLimitWindow, RequestSlot


class BudgetSpent(ExotelError):
    """The deployment-wide request budget has no slot soon enough; nothing was sent."""

    kind = "budget_spent"
    retry_in_process = False


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


class Coordinator(Protocol):
    def take_request_slot(self) -> float:
        """Take one request from the shared budget: 0 when taken, else seconds to wait."""

    def block_requests(self, seconds: float) -> None:
        """Exotel said 429: nobody asks again for `seconds`."""

    def acquire_lease(self, name: str, seconds: float) -> str | None:
        """A token when this process now holds `name` for `seconds`, None when another does."""

    def release_lease(self, name: str, token: str) -> None: ...

    def increment(self, key: str, seconds: float) -> int:
        """Add one to a counter that expires `seconds` after it was created."""

    def count(self, key: str) -> int:
        """A counter's value now (0 once it has expired)."""


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
        self._block = self.redis.register_script(_BLOCK)
        self._release = self.redis.register_script(_RELEASE)

    def take_request_slot(self) -> float:
        keys = [f"{self.prefix}exotel:requests", f"{self.prefix}exotel:blocked"]
        wait_ms = self._take(keys=keys, args=[_window_ms(), _limit(), uuid.uuid4().hex])
        return int(wait_ms) / 1000

    def block_requests(self, seconds: float) -> None:
        self._block(keys=[f"{self.prefix}exotel:blocked"], args=[max(1, int(seconds * 1000))])

    def acquire_lease(self, name: str, seconds: float) -> str | None:
        token = uuid.uuid4().hex
        taken = self.redis.set(f"{self.prefix}lease:{name}", token, nx=True, px=int(seconds * 1000))
        return token if taken else None

    def release_lease(self, name: str, token: str) -> None:
        self._release(keys=[f"{self.prefix}lease:{name}"], args=[token])

    def clear(self) -> None:
        """Forget every key of this deployment (tests start from a clean slate)."""
        keys = list(self.redis.scan_iter(f"{self.prefix}*"))
        if keys:
            self.redis.delete(*keys)

    def increment(self, key: str, seconds: float) -> int:
        full_key = f"{self.prefix}count:{key}"
        with self.redis.pipeline() as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, int(seconds), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def count(self, key: str) -> int:
        value = cast("bytes | None", self.redis.get(f"{self.prefix}count:{key}"))
        return int(value) if value else 0


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

    def increment(self, key: str, seconds: float) -> int:
        now = timezone.now()
        with transaction.atomic():
            lease, _ = Lease.objects.select_for_update().get_or_create(
                name=f"count:{key}",
                defaults={"token": "0", "expires_at": now + timedelta(seconds=seconds)},
            )
            if lease.expires_at <= now:
                lease.token, lease.expires_at = "0", now + timedelta(seconds=seconds)
            lease.token = str(int(lease.token) + 1)
            lease.save(update_fields=["token", "expires_at"])
        return int(lease.token)

    def count(self, key: str) -> int:
        lease = Lease.objects.filter(name=f"count:{key}", expires_at__gt=timezone.now()).first()
        return int(lease.token) if lease else 0


@lru_cache(maxsize=4)
def _coordinator_for(url: str, prefix: str) -> Coordinator:
    if url.startswith(("redis://", "rediss://")):
        return RedisCoordinator(url)
    return DatabaseCoordinator()


def coordinator() -> Coordinator:
    return _coordinator_for(
        settings.COORDINATION_URL or settings.CELERY_BROKER_URL, settings.COORDINATION_KEY_PREFIX
    )


def wait_for_request_slot(*, max_wait: float | None = None, sleep=time.sleep) -> None:
    """Block until the deployment-wide budget allows one more Exotel request.

    Raises `BudgetSpent` (without asking Exotel) when the wait would exceed `max_wait`, so a
    task can give its worker back instead of sleeping for minutes.
    """
    max_wait = settings.EXOTEL_MAX_RETRY_AFTER if max_wait is None else max_wait
    waited = 0.0
    while (wait := coordinator().take_request_slot()) > 0:
        if waited + wait > max_wait:
            raise BudgetSpent(f"the deployment's Exotel request budget is spent for {wait:.0f} s")
        sleep(wait)
        waited += wait


@contextmanager
def lease(name: str, *, seconds: float):
    """Hold `name` for at most `seconds`; yields False (and holds nothing) if another does."""
    backend = coordinator()
    token = backend.acquire_lease(name, seconds)
    try:
        yield token is not None
    finally:
        if token is not None:
            backend.release_lease(name, token)
