"""Who called whom on a call, told from its allocation's parties, in the deployment's labels."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

A, B = "A", "B"


@dataclass(frozen=True)
class CallParties:
    caller: str
    caller_side: str
    callee: str
    callee_side: str
    virtual_number: str
    # True when Exotel named the called party (GreenPin's bridged `to`, or a `To` that is a
    # party); False when it is the allocation's one party on the other side, or unknown.
    callee_reported: bool = False


def party_sides(allocation) -> dict[str, str]:
    """Each party number's side, `A` or `B`; a number on both sides cannot tell who called
    and has none. Parties must be prefetched."""
    sides: dict[str, str] = {}
    if allocation is not None:
        for party in allocation.parties.all():
            sides[party.number] = (
                "" if sides.get(party.number, party.side) != party.side else party.side
            )
    return sides


def call_parties(call, sides: dict[str, str] | None = None) -> CallParties:
    """The caller is the call's From. The callee is the party Exotel says the call was bridged
    to, or the call's To when that is a party; otherwise (the To is the virtual number, as on
    every GreenPin call) the one party on the caller's other side, where there is exactly one.
    `sides` (from `party_sides`) saves reading the parties again for each call of a page."""
    allocation = call.allocation
    if sides is None:
        sides = party_sides(allocation)
    caller_side = sides.get(call.from_number, "")
    virtual = allocation.virtual_number if allocation is not None else ""
    bridged = getattr(call, "bridged_to", "")
    if bridged:
        callee, callee_side, reported = bridged, sides.get(bridged, ""), True
        virtual = virtual or (call.to_number if call.to_number != bridged else "")
    elif call.to_number and call.to_number in sides:
        callee, callee_side, reported = call.to_number, sides[call.to_number], True
    else:
        virtual = virtual or call.to_number
        other = {A: B, B: A}.get(caller_side, "")
        others = [number for number, side in sides.items() if side == other and other]
        callee, callee_side = (others[0], other) if len(others) == 1 else ("", "")
        reported = False
    return CallParties(
        caller=call.from_number,
        caller_side=caller_side,
        callee=callee,
        callee_side=callee_side,
        virtual_number=virtual,
        callee_reported=reported,
    )


def side_label(side: str) -> str:
    return {A: settings.A_PARTY_LABEL, B: settings.B_PARTY_LABEL}.get(side, "")


def callee_label(parties: CallParties) -> str:
    """Whom the caller reached (or tried to), by label: the callee's side, else the side
    opposite the caller (GreenPin bridges one side to the other), else the number dialled."""
    if parties.callee_side:
        return side_label(parties.callee_side)
    other = {A: B, B: A}.get(parties.caller_side, "")
    return side_label(other) if other else "the virtual number"


def who_called_whom(parties: CallParties) -> str:
    """`Customer called Delivery agent`; a caller who is no party is `An unknown number`."""
    caller = side_label(parties.caller_side) or "An unknown number"
    return f"{caller} called {callee_label(parties)}"
