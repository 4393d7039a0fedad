"""The audit trail is written from plain values: who (a person or nobody) and from where."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from audit.models import AccessLog
from audit.services import access_log_record

pytestmark = pytest.mark.django_db


def test_it_records_the_person_and_their_address(django_user_model):
    agent = django_user_model.objects.create_user("agent", password="x")

    entry = access_log_record(
        user=agent,
        ip_address="203.0.113.9",
        action=AccessLog.Action.REVEAL_PIN,
        object_type="allocation",
        object_id="gp_1",
    )

    entry.refresh_from_db()
    assert (entry.user, entry.ip_address, entry.object_id) == (agent, "203.0.113.9", "gp_1")


def test_someone_not_logged_in_is_recorded_as_nobody_without_an_address():
    entry = access_log_record(
        user=AnonymousUser(),
        ip_address="",
        action=AccessLog.Action.EXPORT,
        object_type="search",
        object_id="(all)",
        detail="x" * 5000,
    )

    entry.refresh_from_db()
    assert entry.user is None
    assert entry.ip_address is None
    assert len(entry.detail) == 1000
