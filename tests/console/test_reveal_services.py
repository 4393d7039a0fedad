"""Reveals are granted and read from plain values (the session, the person, their address),
and every grant is in the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore

from audit.models import AccessLog
from console.services import reveal_grant, revealed

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(django_user_model):
    user = django_user_model.objects.create_user("sup", password="x")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_pin", "view_full_number"])
    )
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def test_a_granted_reveal_is_seen_in_the_same_session_only(supervisor):
    session = SessionStore()

    reveal_grant(
        session=session,
        user=supervisor,
        ip_address="198.51.100.7",
        what="pin",
        object_type="allocation",
        object_id="gp_1",
    )

    shown = revealed(session=session, user=supervisor, object_type="allocation", object_id="gp_1")
    assert shown == {"pin": True, "numbers": False}
    other = revealed(
        session=SessionStore(), user=supervisor, object_type="allocation", object_id="gp_1"
    )
    assert other == {"pin": False, "numbers": False}
    entry = AccessLog.objects.get()
    assert (entry.user, entry.ip_address, entry.action) == (
        supervisor,
        "198.51.100.7",
        AccessLog.Action.REVEAL_PIN,
    )


def test_a_reveal_without_the_permission_any_more_shows_nothing(supervisor, django_user_model):
    session = SessionStore()
    reveal_grant(
        session=session,
        user=supervisor,
        ip_address=None,
        what="numbers",
        object_type="allocation",
        object_id="gp_1",
    )
    supervisor.user_permissions.clear()
    demoted = django_user_model.objects.get(pk=supervisor.pk)

    shown = revealed(session=session, user=demoted, object_type="allocation", object_id="gp_1")

    assert shown == {"pin": False, "numbers": False}
