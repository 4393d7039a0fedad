from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db


def test_times_show_in_the_viewers_own_time_zone_with_the_offset(staff_client):
    AllocationFactory(greenpin_id="gp_1", created_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "15 Jan 2026, 15:00 IST (+05:30)" in page  # the default, TIME_ZONE

    response = staff_client.post(reverse("console:profile"), {"time_zone": "Europe/Berlin"})
    assert response.status_code == 302

    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "15 Jan 2026, 10:30 CET (+01:00)" in page


def test_an_unknown_time_zone_is_refused(staff_client):
    response = staff_client.post(reverse("console:profile"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
