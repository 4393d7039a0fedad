"""The case summary as a pure function of plain values: no database, fixed clock and zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from console.case_summary import CallFact, Lifetime, TicketHeader, case_summary

IST = ZoneInfo("Asia/Kolkata")
AGENT, CUSTOMER = "Delivery agent", "Customer"


def at(hour: int, minute: int = 0, day: int = 15) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=IST)


def summarise(calls=(), lifetime=None, now=None, **kwargs):
    return case_summary(
        lifetime=lifetime or Lifetime(created_at=at(13, 30), expires_at=at(14, 30)),
        calls=calls,
        now=now or at(16, 30),
        zone=IST,
        a_label=AGENT,
        b_label=CUSTOMER,
        **kwargs,
    )


def test_it_tells_who_called_whom_and_what_came_of_each_call():
    summary = summarise(
        [
            CallFact("A", at(14, 2), "no-answer"),
            CallFact("A", at(14, 5), "busy"),
            CallFact("A", at(14, 9), "completed", talk_seconds=127),
            CallFact("B", at(14, 20), "no-answer"),
        ]
    )
    assert summary.sentences == (
        "Delivery agent called Customer 3 times: 14:02 no answer, 14:05 busy, "
        "14:09 talked 2 min 7 s.",
        "Customer called back once, 14:20, no answer.",
    )
    assert summary.outcome == "4 calls, last: no answer"


def test_no_call_attempted_gives_the_lifetime_and_how_long_ago_it_ended():
    summary = summarise([])
    assert summary.sentences == (
        "No call was attempted while the number was active (13:30 to 14:30, expired 2 hours ago).",
    )
    assert summary.outcome == "no calls"


def test_a_live_allocation_without_calls_says_when_it_expires():
    summary = summarise([], now=at(14, 0))
    assert summary.sentences == (
        "No call has been attempted yet (active since 13:30, expires in 30 minutes).",
    )


def test_a_deleted_allocation_says_deleted():
    lifetime = Lifetime(created_at=at(13, 30), expires_at=at(18, 0), deleted_at=at(14, 0))
    summary = summarise([CallFact("A", at(14, 10), "busy")], lifetime=lifetime)
    assert summary.sentences[0].startswith("No call was attempted while the number was active")
    assert "(13:30 to 14:00, deleted 2 hours ago)" in summary.sentences[0]
    assert summary.sentences[1] == "1 call after it deleted: 14:10 from Delivery agent, busy."


def test_unanswered_calls_are_counted_by_outcome_with_exotels_reason():
    summary = summarise(
        [CallFact("B", at(14, m), "no-answer") for m in (1, 2, 3)]
        + [CallFact("B", at(14, 9), "failed", reason="wrong PIN")]
    )
    assert summary.sentences == (
        "Customer called 4 times between 14:01 and 14:09 and never reached Delivery agent "
        "(3 no answer, 1 failed: wrong PIN).",
    )


def test_calls_before_creation_and_after_expiry_are_called_out():
    summary = summarise(
        [
            CallFact("A", at(13, 10), "no-answer"),
            CallFact("A", at(14, 0), "completed", talk_seconds=45),
            CallFact("B", at(15, 0), "busy"),
        ]
    )
    assert summary.sentences == (
        "Delivery agent called Customer once, 14:00, talked 45 s.",
        "1 call before the allocation was created: 13:10 from Delivery agent, no answer.",
        "1 call after it expired: 15:00 from Customer, busy.",
    )


def test_a_caller_who_is_no_party_is_said_to_be_neither():
    summary = summarise([CallFact("", at(14, 0), "no-answer")])
    assert summary.sentences == (
        "A number that is neither Delivery agent nor Customer called once, 14:00, no answer.",
    )


def test_recordings_calls_in_progress_and_unknown_outcomes_are_told_apart():
    summary = summarise(
        [
            CallFact("A", at(14, 0), "completed", talk_seconds=60, has_recording=True),
            CallFact("A", at(14, 5), "completed", talk_seconds=None),
            CallFact("A", at(14, 10), "ringing"),
            CallFact("A", at(14, 15), ""),
            CallFact("A", at(14, 20), "canceled"),
        ],
        now=at(14, 25),
    )
    assert summary.sentences == (
        "Delivery agent called Customer 5 times: 14:00 talked 1 min 0 s (recorded), "
        "14:05 answered, 14:10 in progress, 14:15 outcome not known yet, "
        "14:20 hung up before an answer.",
    )


def test_many_calls_from_one_side_are_summed_up_with_the_last_one():
    calls = [CallFact("A", at(14, m), "no-answer") for m in range(6)]
    calls.append(CallFact("A", at(14, 20), "completed", talk_seconds=30))
    summary = summarise(calls)
    assert summary.sentences == (
        "Delivery agent called Customer 7 times between 14:00 and 14:20 "
        "(6 no answer, 1 answered); last 14:20, talked 30 s.",
    )


def test_unmatched_candidates_are_counted():
    assert summarise([], unmatched=2).unmatched_sentence == (
        "2 calls could not be matched to this order (same virtual number, same time)"
    )
    assert summarise([], unmatched=0).unmatched_sentence == ""


def test_stale_data_says_as_of_when_and_that_it_refreshes():
    now = at(14, 40)
    stale = summarise([], now=now, last_synced_at=at(14, 31), stale_after=120)
    assert stale.freshness == "As of 14:31; refreshing."
    fresh = summarise([], now=now, last_synced_at=at(14, 39), stale_after=120)
    assert fresh.freshness == ""
    final = summarise([], now=now, last_synced_at=at(10, 0), stale_after=120, final=True)
    assert final.freshness == ""
    never = summarise([], now=now, last_synced_at=None, stale_after=120)
    assert never.freshness == "Not fetched from Exotel yet; refreshing."


def test_times_are_in_the_viewers_zone_with_the_date_when_not_today():
    summary = case_summary(
        lifetime=Lifetime(created_at=at(13, 30, day=14), expires_at=at(14, 30, day=14)),
        calls=[CallFact("A", at(14, 0, day=14), "busy")],
        now=at(9, 0, day=15),
        zone=ZoneInfo("Europe/London"),
        a_label="Agent",
        b_label="Customer",
    )
    # 14:00 IST is 09:30 in London (BST), on the 14th.
    assert summary.sentences == ("Agent called Customer once, 14 Jun 09:30, busy.",)


def test_the_ticket_has_the_ids_the_numbers_and_every_time_with_its_zone():
    summary = summarise(
        [CallFact("A", at(14, 2), "no-answer"), CallFact("B", at(14, 20), "busy")],
        unmatched=1,
        now=at(14, 40),
        last_synced_at=at(14, 31),
        stale_after=120,
        header=TicketHeader(
            order_id="12345",
            greenpin_id="gp_abc",
            virtual_number="+91 40XXX XX011",
            a_numbers=["+91 99XXX XX345"],
            b_numbers=[],
        ),
    )
    assert summary.ticket == "\n".join(
        [
            "Order 12345, GreenPin ID gp_abc",
            "Numbers: virtual number +91 40XXX XX011; Delivery agent +91 99XXX XX345; "
            "Customer none",
            "Active from 15 Jun 2024 13:30 IST (UTC+05:30); expired 15 Jun 2024 14:30 IST "
            "(UTC+05:30).",
            "Delivery agent called Customer once, 14:02 IST, no answer.",
            "Customer called back once, 14:20 IST, busy.",
            "1 call could not be matched to this order (same virtual number, same time).",
            "Data as of 14:31 IST; a refresh was under way.",
        ]
    )


def test_a_hostile_order_id_or_reason_cannot_forge_ticket_lines():
    summary = summarise(
        [CallFact("A", at(14, 0), "failed", reason="x\n\nRefund approved\t<b>")],
        header=TicketHeader(order_id="1\nRefund approved", greenpin_id="gp_1"),
    )
    lines = summary.ticket.splitlines()
    assert lines[0] == "Order 1 Refund approved, GreenPin ID gp_1"
    assert "Refund approved" not in "".join(lines[1:]).replace("failed: x Refund approved <b>", "")


# --- generated call histories ---------------------------------------------------------------

CREATED = datetime(2024, 6, 15, 8, 0, tzinfo=UTC)
STATUSES = [
    "completed",
    "no-answer",
    "busy",
    "failed",
    "canceled",
    "ringing",
    "in-progress",
    "",
]

facts = st.builds(
    CallFact,
    side=st.sampled_from(["A", "B", ""]),
    start=st.one_of(
        st.none(),
        st.integers(min_value=-600, max_value=900).map(lambda m: CREATED + timedelta(minutes=m)),
    ),
    status=st.sampled_from(STATUSES),
    talk_seconds=st.one_of(st.none(), st.integers(min_value=0, max_value=4000)),
    reason=st.sampled_from(["", "wrong PIN", "number unreachable"]),
    has_recording=st.booleans(),
)
lifetimes = st.builds(
    Lifetime,
    created_at=st.one_of(st.none(), st.just(CREATED)),
    expires_at=st.one_of(
        st.none(),
        st.integers(min_value=5, max_value=600).map(lambda m: CREATED + timedelta(minutes=m)),
    ),
    deleted_at=st.one_of(
        st.none(),
        st.integers(min_value=1, max_value=600).map(lambda m: CREATED + timedelta(minutes=m)),
    ),
)

SIDE_SENTENCE = re.compile(r"called (?:back )?(?:Agent |Customer )?(once|(\d+) times)")
OUTSIDE_SENTENCE = re.compile(r"^(\d+) calls? (before|after)")
LISTED = re.compile(r"(once|\d+ times): (.*)\.$")
BREAKDOWN = re.compile(r"\(((?:\d+ [^,()]+(?:, )?)+)\)")


def counted(sentence: str) -> int:
    if match := SIDE_SENTENCE.search(sentence):
        return 1 if match.group(1) == "once" else int(match.group(2))
    if match := OUTSIDE_SENTENCE.search(sentence):
        return int(match.group(1))
    return 0


@settings(max_examples=300, deadline=None)
@given(lifetime=lifetimes, calls=st.lists(facts, max_size=14), unmatched=st.integers(0, 3))
def test_the_counts_in_the_sentences_always_equal_the_rows(lifetime, calls, unmatched):
    now = CREATED + timedelta(hours=20)
    summary = case_summary(
        lifetime=lifetime,
        calls=calls,
        now=now,
        zone=IST,
        a_label="Agent",
        b_label="Customer",
        unmatched=unmatched,
    )
    assert sum(counted(s) for s in summary.sentences) == len(calls)
    for sentence in summary.sentences:
        total = counted(sentence)
        if listed := LISTED.search(sentence):
            assert len(listed.group(2).split(", ")) == total, sentence
        elif breakdown := BREAKDOWN.search(sentence):
            parts = breakdown.group(1).split(", ")
            assert sum(int(part.split(" ")[0]) for part in parts) == total, sentence
    # Calls outside the lifetime are called out as such, each one.
    before = [c for c in calls if lifetime.place(c.start) == "before"]
    after = [c for c in calls if lifetime.place(c.start) == "after"]
    outside = {
        m.group(2): int(m.group(1)) for m in map(OUTSIDE_SENTENCE.search, summary.sentences) if m
    }
    assert outside.get("before", 0) == len(before)
    assert outside.get("after", 0) == len(after)
    if lifetime.created_at is not None and before:
        assert any("before the allocation was created" in s for s in summary.sentences)
    # No calls in the lifetime is said in words.
    if len(before) + len(after) == len(calls):
        assert summary.sentences[0].startswith("No call")
    assert summary.outcome == (
        "no calls"
        if not calls
        else f"1 call: {summary.outcome.split(': ', 1)[1]}"
        if len(calls) == 1
        else f"{len(calls)} calls, last: {summary.outcome.split('last: ', 1)[1]}"
    )
    assert (summary.unmatched_sentence != "") == bool(unmatched)


@given(lifetime=lifetimes, calls=st.lists(facts, max_size=8))
def test_the_ticket_holds_the_same_story_with_zoned_times(lifetime, calls):
    summary = case_summary(
        lifetime=lifetime,
        calls=calls,
        now=CREATED + timedelta(hours=20),
        zone=IST,
        a_label="Agent",
        b_label="Customer",
    )
    for sentence in summary.sentences:
        zoned = re.sub(r"(\d\d:\d\d)", r"\1 IST", sentence)
        # "13:30 to 14:30, expired" lifetimes in the ticket carry the zone on each time too.
        assert zoned in summary.ticket
