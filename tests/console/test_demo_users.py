from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_demo_logins_get_their_role():
    call_command(
        "create_demo_user",
        "agent",
        "--group",
        "Support",
        "--password",
        "pw-demo-1",
        stdout=io.StringIO(),
    )
    call_command(
        "create_demo_user", "admin", "--superuser", "--password", "pw-demo-1", stdout=io.StringIO()
    )

    agent = get_user_model().objects.get(username="agent")
    assert agent.has_perm("allocations.view_pin")
    assert not agent.has_perm("allocations.view_full_number")
    assert get_user_model().objects.get(username="admin").is_superuser
    assert agent.check_password("pw-demo-1")


def test_an_unknown_group_is_a_clear_error():
    with pytest.raises(CommandError, match="no group 'Agents'"):
        call_command("create_demo_user", "x", "--group", "Agents", "--password", "pw")
