"""What came of a call, in words: why it did not connect (from how Exotel says each leg
ended) and how long it lasted, whichever durations Exotel reported."""

from __future__ import annotations

from exotel.call_statuses import TERMINAL_STATUSES

from .call_parties import CallParties, callee_label
from .templatetags.console import duration

# How the second leg (the call out to the other party) ended, said of that party.
_SECOND_LEG = {
    "busy": "{callee}'s line was busy",
    "no-answer": "{callee} did not answer",
    "failed": "{callee} could not be reached",
    "canceled": "the caller hung up while {callee}'s phone rang",
}
_FIRST_LEG = {
    "busy": "the caller's line was busy",
    "no-answer": "the caller's leg was not answered",
    "failed": "the caller's own call did not get through to Exotel",
    "canceled": "the caller hung up before being connected",
}


def failure_reason(*, status: str, leg1: str, leg2: str, callee: str) -> str:
    """Why a call that ended without a conversation did, as Exotel's leg statuses tell it;
    empty when Exotel gave none (or the call connected). `callee` names the party called."""
    if status not in TERMINAL_STATUSES or status == "completed":
        return ""
    if leg1 and leg1 != "completed":
        return _FIRST_LEG.get(leg1, "")
    template = _SECOND_LEG.get(leg2)
    return template.format(callee=callee) if template else ""


def call_failure_reason(call, parties: CallParties) -> str:
    return failure_reason(
        status=call.status,
        leg1=call.leg1_status,
        leg2=call.leg2_status,
        callee=callee_label(parties),
    )


def talk_text(*, status: str, talk_seconds: int | None, total_seconds: int | None) -> str:
    """How long an answered call lasted: `talked 2 min 7 s`; when Exotel reported only the
    whole call, `3 min 32 s in all, talk time not reported`; never `talked —`. Calls that
    were not answered did not talk: empty."""
    if status != "completed":
        return ""
    if talk_seconds is not None:
        return f"talked {duration(talk_seconds)}"
    if total_seconds is not None:
        return f"{duration(total_seconds)} in all, talk time not reported"
    return "answered; its length is not reported yet"


def call_talk_text(call) -> str:
    return talk_text(
        status=call.status, talk_seconds=call.talk_duration, total_seconds=call.duration
    )
