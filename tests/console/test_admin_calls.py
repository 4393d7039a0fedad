from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import Call, LinkState
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


def test_admins_list_unmatched_calls(admin_client):
    CallFactory(sid="c-linked", allocation=AllocationFactory())
    CallFactory(sid="c-none", allocation=None, link_state=LinkState.NO_CANDIDATE)
    CallFactory(sid="c-many", allocation=None, link_state=LinkState.AMBIGUOUS)

    response = admin_client.get(reverse("admin:calls_call_changelist"), {"match": "unmatched"})

    assert {call.sid for call in response.context["cl"].result_list} == {"c-none", "c-many"}


def test_an_admin_links_a_call_by_hand_and_the_rule_never_undoes_it(admin_client):
    allocation = AllocationFactory(greenpin_id="gp_1")
    call = CallFactory(sid="c1", allocation=None, link_state=LinkState.AMBIGUOUS)

    response = admin_client.post(
        reverse("admin:calls_call_change", args=[call.pk]),
        {"allocation": allocation.pk, "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.allocation, call.link_state) == (allocation, LinkState.MANUAL)

    admin_client.post(
        reverse("admin:calls_call_changelist"),
        {"action": "relink", "_selected_action": [call.pk]},
    )
    call.refresh_from_db()
    assert (call.allocation, call.link_state) == (allocation, LinkState.MANUAL)


def test_mirrored_call_fields_are_read_only(admin_client):
    call = CallFactory(sid="c1", status="busy", allocation=None)
    admin_client.post(
        reverse("admin:calls_call_change", args=[call.pk]),
        {"status": "completed", "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
    )
    assert Call.objects.get(sid="c1").status == "busy"


def test_the_changelist_runs_a_constant_number_of_queries(admin_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse("admin:calls_call_changelist"))
        return len(queries)

    CallFactory(allocation=AllocationFactory())
    count()  # the first page of a session also loads what later pages find cached
    small = count()
    for _ in range(30):
        CallFactory(allocation=AllocationFactory())
    assert count() == small
