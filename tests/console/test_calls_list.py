"""`/calls/`: every call with filters, its columns, its count and its picture."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from calls.models import Call
from console.models import Profile
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
A_NUMBER, B_NUMBER = "+919900012345", "+918800054321"


def at(day: int, hour: int = 12, zone=IST) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=zone)


@pytest.fixture
def order():
    allocation = AllocationFactory(
        greenpin_id="gp_list", order_id="777", virtual_number="+914071000009"
    )
    PartyFactory(allocation=allocation, side="A", number=A_NUMBER)
    PartyFactory(allocation=allocation, side="B", number=B_NUMBER)
    return allocation


def sids(client, **params) -> list[str]:
    response = client.get("/calls/", params)
    assert response.status_code == 200
    return [row.record.sid for row in response.context["table"].page.object_list]


def test_every_call_newest_first(supervisor_client, order):
    CallFactory(sid="c_old", allocation=order, start_time=at(20))
    CallFactory(sid="c_new", allocation=order, start_time=at(21))
    CallFactory(sid="c_unlinked", allocation=None, link_state="no_candidate", start_time=at(19))
    assert sids(supervisor_client) == ["c_new", "c_old", "c_unlinked"]


def test_status_is_repeatable_and_in_progress_covers_every_unfinished_status(
    supervisor_client, order
):
    for status in ("completed", "failed", "busy", "no-answer", "ringing", "answered"):
        CallFactory(sid=f"c_{status}", allocation=order, status=status)
    assert set(sids(supervisor_client, status=["failed", "busy"])) == {"c_failed", "c_busy"}
    assert set(sids(supervisor_client, status="in-progress")) == {"c_ringing", "c_answered"}


def test_an_unknown_status_is_a_clear_error_and_lists_nothing(supervisor_client, order):
    CallFactory(allocation=order)
    response = supervisor_client.get("/calls/", {"status": "exploded"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "Some filters could not be used" in page
    assert list(response.context["table"].page.object_list) == []


def test_direction_link_and_recording_filters(supervisor_client, order):
    CallFactory(sid="c_in", allocation=order, direction="inbound")
    CallFactory(sid="c_out", allocation=order, direction="outbound-dial", recording_url="")
    CallFactory(sid="c_lost", allocation=None, link_state="ambiguous", direction="inbound")
    CallFactory(sid="c_pending", allocation=None, link_state="pending")
    assert set(sids(supervisor_client, direction="outbound-dial")) == {"c_out"}
    assert set(sids(supervisor_client, link="unmatched")) == {"c_lost"}
    assert set(sids(supervisor_client, link="linked")) == {"c_in", "c_out"}
    assert "c_out" not in sids(supervisor_client, has_recording="yes")
    assert sids(supervisor_client, has_recording="no") == ["c_out"]


def test_dates_are_inclusive_days_in_the_viewers_time_zone(
    supervisor_client, order, django_user_model
):
    # 23:30 on the 20th in New York is the 21st in India.
    new_york = ZoneInfo("America/New_York")
    CallFactory(
        sid="c_late", allocation=order, start_time=datetime(2026, 11, 20, 23, 30, tzinfo=new_york)
    )
    CallFactory(
        sid="c_next", allocation=order, start_time=datetime(2026, 11, 21, 0, 30, tzinfo=new_york)
    )
    params = {"started_after": "2026-11-20", "started_before": "2026-11-20"}

    assert sids(supervisor_client, **params) == []  # Asia/Kolkata: both are on the 21st

    user = django_user_model.objects.get(username="boss")
    Profile.objects.update_or_create(user=user, defaults={"time_zone": "America/New_York"})
    supervisor_client.session.flush()
    supervisor_client.force_login(user)
    assert sids(supervisor_client, **params) == ["c_late"]


def test_q_finds_a_number_in_any_format_a_sid_and_an_order(supervisor_client, order):
    CallFactory(sid="c_from_a", allocation=order, from_number=A_NUMBER)
    CallFactory(
        sid="c_other",
        allocation=None,
        from_number="+917700011111",
        to_number="+914071000001",
        order_id="888",
    )
    assert sids(supervisor_client, q="099000 12345") == ["c_from_a"]
    assert sids(supervisor_client, q="+91 40 7100 0009") == ["c_from_a"]  # the virtual number
    assert sids(supervisor_client, q="c_other") == ["c_other"]
    assert sids(supervisor_client, q="777") == ["c_from_a"]  # the allocation's order
    assert sids(supervisor_client, q="888") == ["c_other"]  # the call's own order


def test_talk_time_at_least_and_at_most(supervisor_client, order):
    for seconds in (0, 30, 90):
        CallFactory(
            sid=f"c_{seconds}", allocation=order, talk_duration=seconds, duration=seconds + 10
        )
    assert set(sids(supervisor_client, talk_min="30")) == {"c_30", "c_90"}
    assert set(sids(supervisor_client, talk_min="1", talk_max="60")) == {"c_30"}


def test_a_row_says_who_called_whom_masked_the_outcome_and_the_order(
    supervisor_client, order, settings
):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    CallFactory(
        allocation=order,
        from_number=B_NUMBER,
        status="no-answer",
        talk_duration=0,
        duration=25,
        recording_url="",
    )
    page = supervisor_client.get("/calls/").content.decode()
    assert "Customer called Delivery agent" in page
    assert "+91 88XXX XX321 → +91 99XXX XX345" in page
    assert A_NUMBER not in page
    assert "+91 99000 12345" not in page
    assert "rang, nobody answered" in page
    assert "No recording: the call was not answered." in page
    assert '<a href="/allocations/gp_list/">777</a>' in page
    assert "25 s" in page  # it rang 25 s


def test_an_unlinked_call_has_no_labels_and_says_unmatched(supervisor_client):
    CallFactory(allocation=None, link_state="no_candidate", status="in-progress", recording_url="")
    page = supervisor_client.get("/calls/").content.decode()
    assert "+91 99XXX XX345" in page
    assert "unmatched" in page
    assert "No recording yet: the call is in progress." in page


def test_the_count_stops_at_a_thousand(supervisor_client):
    start = timezone.now() - timedelta(hours=1)
    Call.objects.bulk_create(
        Call(sid=f"c_bulk{n}", status="completed", start_time=start) for n in range(1001)
    )
    page = supervisor_client.get("/calls/").content.decode()
    assert "1,000+ calls match" in page
    Call.objects.filter(sid="c_bulk0").delete()
    assert "1000 calls match" in supervisor_client.get("/calls/").content.decode()


def test_sortable_by_talk_time(supervisor_client, order):
    CallFactory(sid="c_long", allocation=order, talk_duration=300, duration=310)
    CallFactory(sid="c_short", allocation=order, talk_duration=5, duration=15)
    assert sids(supervisor_client, sort="talk_duration") == ["c_short", "c_long"]
    assert sids(supervisor_client, sort="-talk_duration") == ["c_long", "c_short"]


def test_the_same_number_of_queries_for_one_call_and_for_a_full_page(
    supervisor_client, django_assert_num_queries
):
    def queries_for_page() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert (
                supervisor_client.get("/calls/", {"q": "777", "status": "completed"}).status_code
                == 200
            )
        return len(captured)

    first = AllocationFactory(order_id="777")
    PartyFactory(allocation=first, side="A", number=A_NUMBER)
    CallFactory(allocation=first)
    queries_for_page()  # the first request of a session reads its time zone
    one = queries_for_page()
    for n in range(30):
        allocation = AllocationFactory(order_id="777")
        PartyFactory(allocation=allocation, side="A", number=f"+9199000{n:05d}")
        PartyFactory(allocation=allocation, side="B", number=f"+9188000{n:05d}")
        CallFactory(allocation=allocation, from_number=f"+9199000{n:05d}")
    many = queries_for_page()
    assert one == many
    with django_assert_num_queries(many):
        supervisor_client.get("/calls/", {"q": "777", "status": "completed"})


def test_an_agent_may_list_calls_but_not_export_them(staff_client, order):
    CallFactory(allocation=order)
    page = staff_client.get("/calls/").content.decode()
    assert "Export these calls" not in page
    assert staff_client.get("/calls/export.csv").status_code == 403


def test_the_fixed_paths_come_before_a_calls_own_page(supervisor_client, order):
    CallFactory(sid="export", allocation=order)
    assert supervisor_client.get("/calls/export/").status_code == 200  # the call's page
    assert supervisor_client.get("/calls/export.csv")["Content-Type"].startswith("text/csv")


def test_presets_keep_the_other_filters(supervisor_client):
    response = supervisor_client.get("/calls/", {"status": "failed"})
    today = timezone.localdate()
    first = (today - timedelta(days=6)).isoformat()
    week = f"started_after={first}&amp;started_before={today.isoformat()}"
    assert f'href="?status=failed&amp;{week}">Last 7 days</a>' in response.content.decode()


def test_the_search_links_to_the_calls_of_its_allocations(supervisor_client, order):
    other = AllocationFactory(status="expired")
    CallFactory(sid="c_mine", allocation=order)
    CallFactory(sid="c_other", allocation=other)
    page = supervisor_client.get("/", {"status": "active"}).content.decode()
    assert '<a href="/calls/?in_search=status%3Dactive">Calls of these allocations</a>' in page
    assert sids(supervisor_client, in_search="status=active") == ["c_mine"]
    assert sids(supervisor_client, in_search="q=777&status=active") == ["c_mine"]
    assert sids(supervisor_client, in_search="status=nonsense") == []


def test_a_number_searched_in_the_calls_list_is_audited_and_throttled(supervisor_client, settings):
    from audit.models import AccessLog

    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 2
    assert supervisor_client.get("/calls/", {"q": "99000 12345"}).status_code == 200
    carried = {"in_search": "q=08800054321"}
    assert supervisor_client.get("/calls/", carried).status_code == 200
    searched = AccessLog.objects.filter(action="search_number").values_list("object_id", flat=True)
    assert sorted(searched) == [B_NUMBER, A_NUMBER]
    assert supervisor_client.get("/calls/export.csv", {"q": "1"}).status_code == 429
    assert supervisor_client.get("/calls/").status_code == 200  # no search, no limit
