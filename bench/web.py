"""The console as people reach it: gunicorn with the benchmarks' settings (the project's URLs
plus the floor, `bench/settings.py`), one logged-in session, requests timed from the client's
side. The search, page and floor figures all go through it, interleaved request by request,
so a machine that gets busier during the run slows every figure alike.

The in-process test client beside it counts SQL queries, captures them for EXPLAIN and runs
the profiles: what gunicorn serves cannot be looked into.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .common import Scale, start_gunicorn, stop

# Every search, lookup and API read would meet its per-person or per-token limit long before
# the figures are measured: the speed of the work is what is measured, not the limit.
UNLIMITED = {"SEARCH_RATE_LIMIT_PER_MINUTE": str(10**9)}


@dataclass(frozen=True)
class Probe:
    """One request: `params` go in the query string of a GET, or the form of a POST."""

    path: str
    params: dict = field(default_factory=dict)
    method: str = "GET"
    headers: dict = field(default_factory=dict)


def bench_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def logged_in_client():
    """Django's test client, logged in as the bench user, with the limits lifted in-process."""
    from django.conf import settings
    from django.test import Client

    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 10**9
    client = Client()
    client.force_login(bench_user())
    return client


class Web:
    def __init__(self, scale: Scale) -> None:
        import requests
        from django.conf import settings

        self.scale = scale
        self.client = logged_in_client()
        self.process, self.url = start_gunicorn(
            scale, log_name="gunicorn-web", DJANGO_SETTINGS_MODULE="bench.settings", **UNLIMITED
        )
        self.http = requests.Session()
        cookie = settings.SESSION_COOKIE_NAME
        self.http.cookies.set(cookie, self.client.cookies[cookie].value)

    def send(self, probe: Probe):
        """The response and its round-trip time; redirects are answers, not followed."""
        from django.conf import settings

        url = self.url + probe.path
        headers = dict(probe.headers)
        if probe.method == "POST":
            token = self.http.cookies.get(settings.CSRF_COOKIE_NAME)
            if token is None:  # the form's page sets the CSRF cookie
                self.http.get(url, timeout=120)
                token = self.http.cookies.get(settings.CSRF_COOKIE_NAME, "")
            headers["X-CSRFToken"] = token
            start = time.perf_counter()
            response = self.http.post(
                url, data=probe.params, headers=headers, allow_redirects=False, timeout=600
            )
        else:
            start = time.perf_counter()
            response = self.http.get(
                url, params=probe.params, headers=headers, allow_redirects=False, timeout=600
            )
        return response, time.perf_counter() - start

    def stop(self) -> None:
        stop(self.process)


_running: dict[str, Web] = {}


def web(scale: Scale) -> Web:
    """The one gunicorn of this scale's database, started on first use."""
    for database in [d for d in _running if d != scale.database]:
        _running.pop(database).stop()
    if scale.database not in _running:
        _running[scale.database] = Web(scale)
    return _running[scale.database]


def stop_web() -> None:
    while _running:
        _running.popitem()[1].stop()


@dataclass
class Timings:
    times: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    misses: int = 0  # answers the check refused


@dataclass
class Plan:
    """A figure's measurement: the kinds of request it times, how each answer is checked,
    and how the timings become figures. `run` times one plan; the growth run times the plans
    of two databases together."""

    kinds: dict[str, list[Probe]]
    report: Callable[[dict[str, Timings]], None]
    check: Callable[[str, int, Any], bool] | None = None
    rounds: int = 40


def measure(site: Web, plan: Plan) -> None:
    plan.report(interleaved(site, plan.kinds, plan.rounds, plan.check))


def interleaved(
    site: Web | None,
    kinds: dict[str, list[Probe]],
    rounds: int,
    check: Callable[[str, int, Any], bool] | None = None,
    sites: dict[str, Web] | None = None,
) -> dict[str, Timings]:
    """`rounds` requests of each kind, one kind after another within each round (the k-th
    request of a kind uses its k-th probe, cycling), after one warm-up request of each.
    `check(kind, probe index, response)`, run after the clock stops, says whether an
    answer is the right one. `sites` sends some kinds to another server than `site`."""

    def server(kind: str) -> Web:
        found = (sites or {}).get(kind, site)
        assert found is not None
        return found

    for kind, probes in kinds.items():
        server(kind).send(probes[0])
    timings = {kind: Timings() for kind in kinds}
    for round_ in range(rounds):
        for kind, probes in kinds.items():
            index = round_ % len(probes)
            response, seconds = server(kind).send(probes[index])
            timings[kind].times.append(seconds)
            timings[kind].statuses[response.status_code] += 1
            if check is not None and not check(kind, index, response):
                timings[kind].misses += 1
    return timings


def in_process(client, probe: Probe):
    """The same request through the test client (for counting and capturing queries)."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in probe.headers.items()}
    if probe.method == "POST":
        return client.post(probe.path, probe.params, **extra)
    return client.get(probe.path, probe.params, **extra)
