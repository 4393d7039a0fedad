from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from allocations.models import Allocation
from audit.models import AccessLog
from calls.models import Call, CallEvent
from sync.retention import purge_expired
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_retention_purges_exactly_what_is_past_its_age(settings):
    settings.CALL_EVENT_RETENTION_DAYS = 30
    settings.ACCESS_LOG_RETENTION_DAYS = 90
    settings.ENDED_ALLOCATION_RETENTION_DAYS = 60
    now = timezone.now()

    def ago(days: float):
        return now - timedelta(days=days)

    for n, days in enumerate([29.9, 30.1, 45]):
        CallEvent.objects.create(
            call_sid=f"c{n}", fingerprint=f"f{n}", shape="voice", payload={}, received_at=ago(days)
        )
    for n, days in enumerate([89, 91]):
        AccessLog.objects.create(action="export", object_type="x", object_id=str(n), at=ago(days))
    kept_active = AllocationFactory(greenpin_id="gp_active", expires_at=ago(-1))
    kept_recent = AllocationFactory(greenpin_id="gp_recent", status="expired", expires_at=ago(59))
    gone = AllocationFactory(greenpin_id="gp_old", status="expired", expires_at=ago(61))
    gone_deleted = AllocationFactory(
        greenpin_id="gp_deleted", status="deleted", expires_at=ago(-5), deleted_at=ago(70)
    )
    CallFactory(sid="call-kept", allocation=kept_recent)
    CallFactory(sid="call-gone", allocation=gone)
    CallFactory(sid="call-gone-2", allocation=gone_deleted)

    counts = purge_expired(now=now)

    assert sorted(CallEvent.objects.values_list("call_sid", flat=True)) == ["c0"]
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == ["0"]
    assert set(Allocation.objects.values_list("greenpin_id", flat=True)) == {
        kept_active.greenpin_id,
        kept_recent.greenpin_id,
    }
    assert list(Call.objects.values_list("sid", flat=True)) == ["call-kept"]
    assert counts["call events"] == 2
    assert counts["ended allocations"] == 2


def test_the_purge_command_reports_what_it_deleted(capsys):
    call_command("purge")
    assert "call events deleted" in capsys.readouterr().out
