"""The picture above the calls list: calls per day (per hour over one day) stacked by outcome,
the answer rate and the median ring and talk times, drawn as SVG without inline style."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from calls.models import Call
from calls.selectors import call_picture
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


def test_calls_per_day_stacked_by_outcome_with_rates_and_medians():
    CallFactory(
        allocation=None,
        start_time=datetime(2026, 11, 20, 10, tzinfo=IST),
        status="completed",
        duration=40,
        talk_duration=30,
    )
    CallFactory(
        allocation=None,
        start_time=datetime(2026, 11, 20, 11, tzinfo=IST),
        status="completed",
        duration=100,
        talk_duration=90,
    )
    CallFactory(
        allocation=None,
        start_time=datetime(2026, 11, 21, 23, 59, tzinfo=IST),
        status="no-answer",
        duration=25,
        talk_duration=0,
    )
    CallFactory(
        allocation=None,
        start_time=datetime(2026, 11, 21, 9, tzinfo=IST),
        status="ringing",
        duration=None,
        talk_duration=None,
    )
    CallFactory(
        allocation=None, start_time=datetime(2026, 11, 22, 0, 1, tzinfo=IST), status="failed"
    )  # after

    picture = call_picture(
        Call.objects.all(), first_day=date(2026, 11, 20), last_day=date(2026, 11, 21), zone=IST
    )

    assert not picture.hourly
    assert [b.counts for b in picture.buckets] == [
        {"completed": 2},
        {"no-answer": 1, "in-progress": 1},
    ]
    assert picture.total == 4
    assert picture.answer_rate_text == "67% (2 of 3 ended calls)"
    assert picture.median_ring == 10  # rings of 10, 10, 25
    assert picture.median_talk == 30  # talks of 30, 90: the lower middle


def test_one_day_is_drawn_per_hour_in_the_viewers_zone():
    CallFactory(
        allocation=None, start_time=datetime(2026, 11, 20, 9, 59, tzinfo=IST), status="busy"
    )
    CallFactory(
        allocation=None, start_time=datetime(2026, 11, 20, 23, 30, tzinfo=IST), status="busy"
    )
    picture = call_picture(
        Call.objects.all(), first_day=date(2026, 11, 20), last_day=date(2026, 11, 20), zone=IST
    )
    assert picture.hourly
    assert len(picture.buckets) == 24
    assert picture.buckets[9].counts == {"busy": 1}
    assert picture.buckets[23].counts == {"busy": 1}
    assert picture.answer_rate_text == "0% (0 of 2 ended calls)"


def test_no_calls_is_an_empty_picture_not_an_error():
    picture = call_picture(
        Call.objects.all(), first_day=date(2026, 11, 1), last_day=date(2026, 11, 7), zone=IST
    )
    assert picture.total == 0
    assert picture.answer_rate_text == "—"
    assert picture.median_ring is None


def test_a_range_of_years_is_pictured_by_its_last_92_days():
    picture = call_picture(
        Call.objects.all(), first_day=date(1900, 1, 1), last_day=date(9998, 12, 31), zone=IST
    )
    assert picture.clipped
    assert len(picture.buckets) == 92


def test_the_page_draws_the_filtered_calls_as_svg_without_inline_style(supervisor_client):
    CallFactory(
        allocation=None,
        start_time=datetime(2026, 11, 20, 10, tzinfo=IST),
        status="failed",
        recording_url="",
    )
    CallFactory(
        allocation=None, start_time=datetime(2026, 11, 20, 11, tzinfo=IST), status="completed"
    )
    page = supervisor_client.get(
        "/calls/",
        {"started_after": "2026-11-14", "started_before": "2026-11-20", "status": "failed"},
    ).content.decode()
    figure = page[page.index("<figure") : page.index("</figure>")]
    assert "per day, 14 Nov to 20 Nov 2026" in figure
    assert '<rect class="bar bar-failed"' in figure
    assert 'bar-completed" x=' not in figure  # only the filtered calls
    assert "<title>20 Nov: 1 failed</title>" in figure
    assert "style=" not in page
    assert "<script>" not in page
