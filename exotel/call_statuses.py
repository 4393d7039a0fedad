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
