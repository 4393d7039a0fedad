from __future__ import annotations

import pytest
from django.urls import reverse

from allocations.models import Allocation
from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", ["gp_abc123xyz", "12345", "+914071000009", "+919900012345"])
def test_admins_find_an_allocation_by_any_identifier(admin_client, term):
    allocation = AllocationFactory(
        greenpin_id="gp_abc123xyz", order_id="12345", virtual_number="+914071000009"
    )
    PartyFactory(allocation=allocation, number="+919900012345")
    AllocationFactory()

    response = admin_client.get(reverse("admin:allocations_allocation_changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [allocation]


def test_mirrored_fields_are_read_only(admin_client):
    allocation = AllocationFactory(pin="0482")
    response = admin_client.post(
        reverse("admin:allocations_allocation_change", args=[allocation.pk]),
        {"pin": "9999", "parties-TOTAL_FORMS": "0", "parties-INITIAL_FORMS": "0"},
    )
    # The change form has no field for the PIN: the post saves and the PIN stays.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:allocations_allocation_changelist")
    allocation.refresh_from_db()
    assert allocation.pin == "0482"
    form = admin_client.get(reverse("admin:allocations_allocation_change", args=[allocation.pk]))
    assert 'name="pin"' not in form.content.decode()


def test_the_refresh_action_refreshes_from_exotel(
    admin_client, standin, eager_celery, django_capture_on_commit_callbacks
):
    standin.add_allocation(greenpin_id="gp_1", pin="7777")
    allocation = AllocationFactory(greenpin_id="gp_1", pin="0000")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:allocations_allocation_changelist"),
            {"action": "refresh_now", "_selected_action": [allocation.pk]},
            follow=True,
        )

    assert "Queued 1 allocation" in response.content.decode()
    assert Allocation.objects.get(greenpin_id="gp_1").pin == "7777"


def test_adding_in_admin_tracks_and_fetches_the_id(
    admin_client, standin, eager_celery, django_capture_on_commit_callbacks
):
    standin.add_allocation(greenpin_id="gp_new", pin="1234")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:allocations_allocation_add"), {"greenpin_id": "gp_new"})

    assert Allocation.objects.get(greenpin_id="gp_new").pin == "1234"


def test_admins_find_a_number_typed_with_spaces(admin_client):
    allocation = AllocationFactory()
    PartyFactory(allocation=allocation, number="+919900012345")
    AllocationFactory()

    response = admin_client.get(
        reverse("admin:allocations_allocation_changelist"), {"q": "+91 99000 12345"}
    )

    assert list(response.context["cl"].result_list) == [allocation]
