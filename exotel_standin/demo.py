"""Demo data: a day of a food/parcel delivery business's GreenPin allocations and calls.

Agents (A party) come from a small recurring pool and customers (B party) are mostly new,
both masked behind ~10 shared virtual numbers in Hyderabad (040) and Bengaluru (080).
Everything is drawn from one `random.Random`, so a seed gives the same day every time.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .formats import ABSENT, now_utc
from .server import StandIn

log = logging.getLogger("exotel_standin")

DEMO_SEED = 20240615
VIRTUAL_NUMBERS = [f"+9140000000{n}" for n in range(11, 16)] + [
    f"+9180000000{n}" for n in range(11, 16)
]
STORES = {"HYD": ["BNJ-02", "GCB-07", "KPH-11"], "BLR": ["KOR-01", "IND-04", "HSR-09", "WFD-12"]}
DURATIONS = [1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600]  # 30 min .. 6 h
# How calls end on a delivery business's day: most connect, about a fifth ring out, some
# find the line busy, a few fail (unreachable, switched off).
OUTCOME_WEIGHTS = {"completed": 62, "no-answer": 22, "busy": 10, "failed": 6}
# How long each kind rings, in seconds: an answer comes after a few rings, an unanswered
# call rings until the network gives up, a busy line answers at once.
RING_SECONDS = {"completed": (4, 22), "no-answer": (28, 45), "busy": (1, 5), "failed": (0, 3)}
LONGEST_TALK = 600


def _outcome(rng: random.Random) -> str:
    return rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]


def _ring(rng: random.Random, outcome: str) -> int:
    return rng.randint(*RING_SECONDS[outcome])


def _talk(rng: random.Random) -> int:
    """Most calls are a minute or so ("I'm at the gate"), a few run long."""
    return min(LONGEST_TALK, max(12, int(rng.lognormvariate(4.1, 0.7))))


@dataclass
class _Catalog:
    """Recurring people and counters shared by the seeded day and the live traffic."""

    rng: random.Random
    agents: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    next_order: int = 0

    def __post_init__(self) -> None:
        # The agent pool comes from a fixed seed so live traffic reuses the seeded day's agents.
        fixed = random.Random(DEMO_SEED)
        self.agents = [self.mobile(fixed) for _ in range(40)]
        self.next_order = self.rng.randint(41_000, 88_000)

    def mobile(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        return "+91" + rng.choice("6789") + f"{rng.randrange(10**9):09d}"

    def customer(self) -> str:
        if self.customers and self.rng.random() < 0.15:
            return self.rng.choice(self.customers)  # a repeat customer
        number = self.mobile()
        while number in self.agents:
            number = self.mobile()
        self.customers.append(number)
        return number

    def order_id(self) -> int:
        self.next_order += self.rng.randint(1, 37)
        return self.next_order

    def custom_field(self, vn: str) -> object:
        order, roll = self.order_id(), self.rng.random()
        city = "HYD" if vn.startswith("+9140") else "BLR"
        if roll < 0.62:
            return f"order_id={order}"
        if roll < 0.74:
            return f"order_id={order}&city={city}&store={self.rng.choice(STORES[city])}"
        if roll < 0.81:
            return f"order_id=ORD%2F{order % 10_000}"  # URL-encoded "ORD/7781"
        if roll < 0.87:
            return f"PX-{order}"  # a bare reference, no key
        if roll < 0.91:
            return ""
        if roll < 0.95:
            return None
        return ABSENT

    def allocation(self, vn: str, used_pins: set[str]) -> dict[str, Any]:
        """Kwargs for add_allocation, except the times and status."""
        pin = f"{self.rng.randrange(10_000):04d}"
        while pin in used_pins:
            pin = f"{self.rng.randrange(10_000):04d}"
        agents = [self.rng.choice(self.agents)]
        if self.rng.random() < 0.1:
            agents.append(self.rng.choice([a for a in self.agents if a != agents[0]]))
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return {
            "greenpin_id": "gp_" + "".join(self.rng.choice(alphabet) for _ in range(10)),
            "virtual_number": vn,
            "pin": pin,
            "from_": agents,
            "to": [] if self.rng.random() < 0.1 else [self.customer()],
            "custom_field": self.custom_field(vn),
        }


def _calls_for(
    standin: StandIn, rng: random.Random, alloc: dict[str, Any], start: datetime, end: datetime
) -> int:
    """1-4 past calls inside [start, end); returns how many were created."""
    span = (end - start).total_seconds()
    if span < 120:
        return 0
    count = rng.randint(1, 4)
    custom = alloc["custom_field"]
    for _ in range(count):
        outcome = _outcome(rng)
        ring = _ring(rng, outcome)
        duration = max(0, min(_talk(rng), int(span) - 60 - ring)) if outcome == "completed" else 0
        caller = alloc["to"][0] if alloc["to"] and rng.random() < 0.5 else alloc["from_"][0]
        standin.add_call(
            sid=f"{rng.getrandbits(128):032x}",
            from_=caller,
            to=alloc["virtual_number"],
            status=outcome,
            start_time=start + timedelta(seconds=rng.uniform(0, span - ring - duration - 30)),
            duration=duration,
            ring=ring,
            custom_field=None if custom is ABSENT else custom,
            greenpin_id=alloc["greenpin_id"],
        )
    return count


def seed_demo(
    standin: StandIn,
    now: datetime | None = None,
    rng: random.Random | None = None,
    count: int = 300,
) -> list[str]:
    """Create a realistic last 24 h of allocations (~40% active, ~45% expired, ~15% deleted)
    with consistent calls and call counts; returns the greenpin_ids."""
    rng = rng or random.Random(DEMO_SEED)
    now = now or now_utc()
    catalog = _Catalog(rng)
    active_pins: dict[str, set[str]] = {vn: set() for vn in VIRTUAL_NUMBERS}
    ids = []
    for i in range(count):
        vn = rng.choice(VIRTUAL_NUMBERS)
        alloc = catalog.allocation(vn, active_pins[vn])
        if i == 7:  # one at the 256-character limit
            alloc["custom_field"] = (f"order_id={catalog.order_id()}&note=" + "x" * 256)[:256]
        duration = timedelta(seconds=rng.choice(DURATIONS))
        fate = rng.choices(["active", "expired", "deleted"], weights=[40, 45, 15])[0]
        deleted_at = None
        if fate == "active":
            created = now - rng.uniform(0.02, 0.95) * duration
            active_pins[vn].add(alloc["pin"])
        elif fate == "expired":
            created = now - duration - (timedelta(hours=24) - duration) * rng.uniform(0.01, 0.99)
        else:
            created = now - timedelta(hours=24) * rng.uniform(0.02, 0.98)
            lived = min(duration, now - created) * rng.uniform(0.2, 0.9)
            deleted_at = created + lived
        expires = created + duration
        calls = 0
        if rng.random() < 0.6:
            calls = _calls_for(standin, rng, alloc, created, min(expires, deleted_at or now, now))
        standin.add_allocation(
            **alloc,
            # Expired ones are stored active: the stand-in derives "expired" from the clock.
            status="deleted" if fate == "deleted" else "active",
            created_at=created,
            expires_at=expires,
            deleted_at=deleted_at,
            call_count=calls,
        )
        ids.append(alloc["greenpin_id"])
    # A few calls that match no allocation, for the project's "unmatched calls" list.
    for _ in range(3):
        standin.add_call(
            sid=f"{rng.getrandbits(128):032x}",
            from_=catalog.mobile(),
            to=rng.choice(VIRTUAL_NUMBERS),
            start_time=now - timedelta(hours=rng.uniform(1, 20)),
            duration=rng.randint(10, 90),
            ring=_ring(rng, "completed"),
            custom_field=f"order_id={catalog.order_id()}",
        )
    return ids


# A virtual number of its own, so these orders' PINs and calls meet no other allocation's.
SHOWCASE_VN = "+914000000016"


def seed_showcase(standin: StandIn, now: datetime | None = None) -> list[str]:
    """A few orders whose story is known in advance, one for each kind of case summary:

    - 100001: expired two hours ago without a single call;
    - 100002: the agent called three times (no answer, busy, talked), the customer called back;
    - 100003: the customer called four times and never got through;
    - 100004: one answered call, and a call on the same number at the same time that matches
      no order (its custom field names another one).
    Each call rings as long as its kind does (RING_SECONDS), the answered ones for 9 s.
    Returns their greenpin_ids."""
    ring = {"completed": 9, "no-answer": 38, "busy": 3, "failed": 1}
    now = now or now_utc()
    agent, customer = "+919811100001", "+918811100002"
    stories: list[tuple[str, timedelta, timedelta, list[tuple[str, str, int, int]]]] = [
        # order, created ago, lifetime, calls (caller, outcome, minutes after creation, seconds)
        ("100001", timedelta(hours=3), timedelta(hours=1), []),
        (
            "100002",
            timedelta(minutes=50),
            timedelta(hours=3),
            [
                ("A", "no-answer", 5, 0),
                ("A", "busy", 8, 0),
                ("A", "completed", 12, 127),
                ("B", "no-answer", 25, 0),
            ],
        ),
        (
            "100003",
            timedelta(hours=2),
            timedelta(hours=1),
            [
                ("B", "no-answer", 10, 0),
                ("B", "no-answer", 14, 0),
                ("B", "failed", 20, 0),
                ("B", "no-answer", 31, 0),
            ],
        ),
        ("100004", timedelta(minutes=40), timedelta(hours=2), [("A", "completed", 6, 74)]),
    ]
    ids = []
    for order, ago, lifetime, calls in stories:
        greenpin_id = f"gp_demo{order}"
        created = now - ago
        standin.add_allocation(
            greenpin_id=greenpin_id,
            virtual_number=SHOWCASE_VN,
            pin=order[-4:],
            from_=[agent],
            to=[customer],
            created_at=created,
            expires_at=created + lifetime,
            call_count=len(calls),
            custom_field=f"order_id={order}",
        )
        for n, (side, outcome, minutes, seconds) in enumerate(calls):
            standin.add_call(
                sid=f"demo{order}call{n}",
                from_=agent if side == "A" else customer,
                to=SHOWCASE_VN,
                status=outcome,
                start_time=created + timedelta(minutes=minutes),
                duration=seconds,
                ring=ring[outcome],
                custom_field=f"order_id={order}",
                greenpin_id=greenpin_id,
            )
        ids.append(greenpin_id)
    standin.add_call(
        sid="demo100004stray",
        from_="+917700000009",
        to=SHOWCASE_VN,
        status="no-answer",
        start_time=now - timedelta(minutes=20),
        duration=0,
        ring=ring["no-answer"],
        custom_field="order_id=100999",
    )
    return ids


# Numbers of their own, so these orders meet no other allocation's calls.
RECORDINGS_VN = "+914000000017"
LINKING_VN = "+914000000018"


def seed_recording_and_linking_cases(standin: StandIn, now: datetime | None = None) -> list[str]:
    """Orders whose recordings and links show each state the console explains:

    - 100005: a recording at the `exorecordings` address of the Call API's example, which plays;
    - 100006: a recording whose address Exotel answers 404 for;
    - 100007: a recording kept on an origin the demo does not allow (refused by the settings);
    - 100008 and 100009: two live orders on one number, and a call from 100008's customer that
      Exotel sent without its custom field, so the rule links it to neither: an unmatched call
      with two candidates, for a supervisor to link.
    Returns their greenpin_ids."""
    now = now or now_utc()
    agent, ids = "+919811100003", []
    recorded = [
        # order, customer, minutes ago, talk seconds, where the recording is
        ("100005", "+918811100005", 70, 212, "exorecordings"),
        ("100006", "+918811100006", 55, 95, "lost"),
        ("100007", "+918811100007", 40, 48, "elsewhere"),
    ]
    for order, customer, ago, seconds, where in recorded:
        greenpin_id, sid = f"gp_demo{order}", f"demo{order}call0"
        created = now - timedelta(minutes=ago)
        standin.add_allocation(
            greenpin_id=greenpin_id,
            virtual_number=RECORDINGS_VN,
            pin=order[-4:],
            from_=[agent],
            to=[customer],
            created_at=created,
            expires_at=created + timedelta(hours=2),
            call_count=1,
            custom_field=f"order_id={order}",
        )
        standin.add_call(
            sid=sid,
            from_=agent,
            to=RECORDINGS_VN,
            status="completed",
            start_time=created + timedelta(minutes=4),
            duration=seconds,
            custom_field=f"order_id={order}",
            greenpin_id=greenpin_id,
            recording_at={
                "exorecordings": "exorecordings",
                "lost": "exotelrecordings",
                # Exotel's real bucket, an origin the demo's settings do not list
                "elsewhere": "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/"
                f"{standin.account_sid}/{sid}.mp3",
            }[where],
            recording_lost=where == "lost",
        )
        ids.append(greenpin_id)
    customers = {"100008": "+918811100008", "100009": "+918811100009"}
    for order, customer in customers.items():
        created = now - timedelta(minutes=35)
        standin.add_allocation(
            greenpin_id=f"gp_demo{order}",
            virtual_number=LINKING_VN,
            pin=order[-4:],
            from_=[agent],
            to=[customer],
            created_at=created,
            expires_at=created + timedelta(hours=2),
            # Exotel counts the unmatched call on the order it went through.
            call_count=1 if order == "100008" else 0,
            custom_field=f"order_id={order}",
        )
        ids.append(f"gp_demo{order}")
    standin.add_call(
        sid="demo100008unmatched",
        from_=customers["100008"],
        to=LINKING_VN,
        status="completed",
        start_time=now - timedelta(minutes=15),
        duration=40,
        custom_field=None,
    )
    return ids


def _active(standin: StandIn) -> list[tuple[str, bool]]:
    now = now_utc()
    with standin.state.lock:
        return [
            (a.greenpin_id, bool(a.to))
            for a in standin.state.allocations.values()
            if a.status_at(now) == "active" and a.tenant_id == standin.tenant_id
        ]


def traffic_tick(
    standin: StandIn,
    webhook_url: str,
    rng: random.Random,
    fresh: bool = False,
    catalog: _Catalog | None = None,
) -> str:
    """One simulated call on a random active allocation (a new one first if `fresh`)."""
    catalog = catalog or _Catalog(rng)
    active = _active(standin)
    if fresh or not active:
        vn = rng.choice(VIRTUAL_NUMBERS)
        alloc = catalog.allocation(vn, standin.state.pin_in_use(vn, now_utc()))
        standin.add_allocation(**alloc, duration=rng.choice(DURATIONS))
        active.append((alloc["greenpin_id"], bool(alloc["to"])))
    gid, has_b = rng.choice(active)
    return standin.simulate_call(
        gid,
        caller="B" if has_b and rng.random() < 0.5 else "A",
        outcome=(outcome := _outcome(rng)),
        duration=_talk(rng),
        ring=_ring(rng, outcome),
        webhook_url=webhook_url,
        order="shuffled" if rng.random() < 0.2 else "in-order",
        duplicate=rng.random() < 0.15,
        encoding=rng.choice(["form", "json"]),
        shape=rng.choice(["voice", "greenpin"]),
        details_delay=rng.uniform(6, 14),
        recording_delay=rng.uniform(20, 40),
        wait=False,
    )


def run_traffic(
    standin: StandIn,
    webhook_url: str,
    every: float = 20.0,
    stop_event: threading.Event | None = None,
    rng: random.Random | None = None,
) -> None:
    """Simulate a call every `every` seconds until `stop_event` is set; a new allocation
    every tenth tick (or when none is active) keeps the day going. Never raises."""
    rng = rng or random.Random()
    stop_event = stop_event or threading.Event()
    catalog = _Catalog(rng)
    tick = 0
    while not stop_event.wait(every):
        tick += 1
        try:
            sid = traffic_tick(standin, webhook_url, rng, tick % 10 == 0, catalog)
            log.info("traffic: simulated call %s", sid)
        except Exception:
            log.exception("traffic: tick failed")
