from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def test_times_show_in_the_viewers_own_time_zone_named_when_not_the_default(staff_client):
    AllocationFactory(greenpin_id="gp_1", created_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "15 Jan 2026, 15:00 IST" in page  # the default, TIME_ZONE: no name needed
    assert "(Asia/Kolkata)" not in page

    response = staff_client.post(reverse("console:profile"), {"time_zone": "Europe/Berlin"})
    assert response.status_code == 302

    page = staff_client.get(reverse("allocations:detail", args=["gp_1"])).content.decode()
    assert "15 Jan 2026, 10:30 CET (Europe/Berlin)" in page


def test_an_unknown_time_zone_is_refused(staff_client):
    response = staff_client.post(reverse("console:profile"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "../../etc/passwd", "Asia/Kolkata\x00", "", "x" * 500, "asia/kolkata"]
)
def test_a_hostile_time_zone_is_refused_and_changes_nothing(staff_client, name):
    from console.models import Profile

    response = staff_client.post(reverse("console:profile"), {"time_zone": name})
    assert response.status_code == 200
    assert not Profile.objects.exists()


def test_a_time_zone_database_update_is_not_a_model_change(tmp_path):
    """The zones come from the machine's tz database, which changes without a code change."""
    script = (
        "import zoneinfo; "
        "zoneinfo.available_timezones = lambda: {'UTC', 'Asia/Kolkata', 'Europe/Berlin'}; "
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'makemigrations', '--check', '--dry-run'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "greenpin_admin.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_zone_added_to_the_tz_database_can_be_chosen(staff_client, monkeypatch):
    import zoneinfo

    known = zoneinfo.available_timezones()
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: {*known, "Etc/GMT-14"})
    response = staff_client.post(reverse("console:profile"), {"time_zone": "Etc/GMT-14"})
    assert response.status_code == 302
