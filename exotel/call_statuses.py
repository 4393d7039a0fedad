"""Call statuses: their one spelling and the order a call moves through them."""

from __future__ import annotations

TERMINAL_STATUSES = frozenset({"completed", "failed", "busy", "no-answer", "canceled"})
# A call only moves forward along this order; the terminal statuses share the last rank.
STATUS_RANK = {
    "": 0,
    "queued": 1,
    "initiated": 1,
    "ringing": 2,
    "answered": 3,
    "in-progress": 3,
    **dict.fromkeys(TERMINAL_STATUSES, 4),
}


STATUS_SYNONYMS = {"no_answer": "no-answer", "noanswer": "no-answer", "cancelled": "canceled"}


def normalize_status(value: str) -> str:
    """Exotel's status words in one spelling (`no-answer`, `canceled`)."""
    status = (value or "").strip().lower()
    return STATUS_SYNONYMS.get(status, status)


def leg_status(value: object) -> str:
    """How one leg of a call ended, when Exotel says it has: a terminal status in its one
    spelling, else empty (a leg still ringing says nothing about why a call ended, and
    anything that is not a word Exotel uses is not kept)."""
    status = normalize_status(value) if isinstance(value, str) else ""
    return status if status in TERMINAL_STATUSES else ""


# What each status means, in words a supervisor reads in a list or a chart legend.
STATUS_MEANINGS = {
    "completed": "answered and talked",
    "busy": "the called party was busy",
    "no-answer": "rang, nobody answered",
    "failed": "did not connect: unreachable, wrong PIN or network",
    "canceled": "the caller hung up before an answer",
    "in-progress": "still in progress",
    "answered": "still in progress",
    "ringing": "ringing now",
    "initiated": "being placed",
    "queued": "being placed",
}
# The statuses a person may filter on, in the order lists and charts show them.
FILTER_STATUSES = ("completed", "no-answer", "busy", "failed", "canceled", "in-progress")
# Chart stacks: each terminal status on its own, everything not final as "in progress".
CHART_OUTCOMES = ("completed", "no-answer", "busy", "failed", "canceled", "in-progress")


def status_meaning(status: str) -> str:
    """The plain-language meaning of a call status; unknown words are said as unknown."""
    if not status:
        return "no status received yet"
    return STATUS_MEANINGS.get(status, "status not known to this console")


def chart_outcome(status: str) -> str:
    """The stack a call is counted in: its terminal status, or in progress."""
    return status if status in TERMINAL_STATUSES else "in-progress"
