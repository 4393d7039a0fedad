"""Search must not unmask what masking hides: throttled per person, phone searches audited."""

from __future__ import annotations

import pytest

from audit.models import AccessLog
from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_searching_past_the_limit_is_refused_with_a_clear_message(staff_client, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 5
    PartyFactory(allocation=AllocationFactory(), number="+919522100022")

    answers = [staff_client.get("/", {"q": f"+9195221{n:02d}022"}) for n in range(7)]

    assert [a.status_code for a in answers[:5]] == [302, 200, 200, 200, 200]
    assert [a.status_code for a in answers[5:]] == [429, 429]
    assert "Too many searches" in answers[6].content.decode()
    assert "Wait a minute" in answers[6].content.decode()
    assert AccessLog.objects.filter(action="search_number").count() == 5


def test_the_limit_is_per_person(staff_client, supervisor_client, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(3):
        staff_client.get("/", {"q": "123"})
    assert staff_client.get("/", {"q": "123"}).status_code == 429
    assert supervisor_client.get("/", {"q": "123"}).status_code == 200


def test_a_phone_number_search_is_in_the_audit_trail(staff_client):
    staff_client.get("/", {"q": "095221 00022"})
    staff_client.get("/", {"q": "order-123"})

    (entry,) = AccessLog.objects.all()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "search_number",
        "phone",
        "+919522100022",
    )
    assert entry.user.username == "agent"
