"""One way to write a time, everywhere: `30 Nov 2026, 14:02 IST`, the viewer's zone named when
it is not the deployment's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from console.templatetags.console import local_time
from tests.factories import AllocationFactory, CallFactory

MOMENT = datetime(2026, 11, 30, 8, 32, 7, tzinfo=UTC)


def test_a_time_is_day_month_year_clock_and_zone():
    assert local_time(MOMENT) == "30 Nov 2026, 14:02 IST"
    assert local_time(MOMENT, "seconds") == "30 Nov 2026, 14:02:07 IST"
    assert local_time(None) == "—"


def test_a_viewer_in_another_zone_sees_its_name():
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert local_time(MOMENT) == "30 Nov 2026, 09:32 CET (Europe/Berlin)"
    with timezone.override(ZoneInfo("Asia/Dubai")):
        # Zones without a letter abbreviation are still unambiguous.
        assert local_time(MOMENT) == "30 Nov 2026, 12:32 +04 (Asia/Dubai)"


def test_admin_writes_times_the_same_way():
    with translation.override("en-gb"):
        shown = formats.localize(timezone.template_localtime(MOMENT))
    assert shown == "30 Nov 2026, 14:02 IST"


@pytest.mark.django_db
def test_the_audit_trail_and_admin_lists_use_the_one_format(supervisor_client, admin_client):
    from audit.models import AccessLog

    AccessLog.objects.create(action="export", object_type="calls", object_id="x", at=MOMENT)
    page = supervisor_client.get(reverse("audit:list")).content.decode()
    assert "30 Nov 2026, 14:02:07 IST" in page

    CallFactory(sid="c_time", allocation=None, start_time=MOMENT)
    page = admin_client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert "30 Nov 2026, 14:02 IST" in page
    assert "a.m." not in page


@pytest.mark.django_db
def test_search_results_carry_the_year_and_the_zone(staff_client):
    AllocationFactory(greenpin_id="gp_t1", created_at=MOMENT)
    AllocationFactory(greenpin_id="gp_t2", created_at=MOMENT)
    page = staff_client.get(reverse("console:search")).content.decode()
    assert "30 Nov 2026, 14:02 IST" in page
