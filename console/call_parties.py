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


def call_parties(call) -> CallParties:
    """The caller is the call's From. The callee is the call's To when that is a party;
    otherwise (the To is the virtual number, as on every GreenPin call) the one party on the
    caller's other side, where there is exactly one. Parties must be prefetched."""
    allocation = call.allocation
    sides: dict[str, str] = {}
    if allocation is not None:
        for party in allocation.parties.all():
            # A number on both sides cannot tell who called.
            sides[party.number] = (
                "" if sides.get(party.number, party.side) != party.side else party.side
            )
    caller_side = sides.get(call.from_number, "")
    virtual = allocation.virtual_number if allocation is not None else ""
    if call.to_number and call.to_number in sides:
        callee, callee_side = call.to_number, sides[call.to_number]
    else:
        virtual = virtual or call.to_number
        other = {A: B, B: A}.get(caller_side, "")
        others = [number for number, side in sides.items() if side == other and other]
        callee, callee_side = (others[0], other) if len(others) == 1 else ("", "")
    return CallParties(
        caller=call.from_number,
        caller_side=caller_side,
        callee=callee,
        callee_side=callee_side,
        virtual_number=virtual,
    )


def side_label(side: str) -> str:
    return {A: settings.A_PARTY_LABEL, B: settings.B_PARTY_LABEL}.get(side, "")
