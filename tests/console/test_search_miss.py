"""A search for a GreenPin ID the mirror lacks asks Exotel once, through the guard every
request passes: found, it is mirrored, tracked and opened; otherwise the page says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allocations.models import Allocation
from exotel.models import ProviderState
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db


def search(client, q: str, **extra):
    return client.get(reverse("console:search"), {"q": q, **extra})


def asked(standin) -> int:
    return standin.counts()["by_endpoint"].get("greenpin.get", 0)


def test_an_unmirrored_greenpin_id_is_fetched_tracked_and_opened(staff_client, standin):
    standin.add_allocation(
        greenpin_id="gp_unseen01", pin="0482", from_=["+919900012345"], custom_field="order_id=77"
    )

    response = search(staff_client, "gp_unseen01")

    assert response.status_code == 302
    assert response["Location"] == reverse("allocations:detail", args=["gp_unseen01"])
    allocation = Allocation.objects.get(greenpin_id="gp_unseen01")
    assert (allocation.order_id, allocation.status) == ("77", "active")
    assert allocation.next_sync_at is not None  # tracked: refreshed from now on
    assert asked(standin) == 1
    # Mirrored now: the next search is a plain index lookup.
    assert search(staff_client, "gp_unseen01").status_code == 302
    assert asked(standin) == 1


def test_a_uuid_greenpin_id_is_asked_too(staff_client, standin):
    standin.add_allocation(greenpin_id="0f8fad5b-d9cb-469f-a165-70867728950e")
    response = search(staff_client, "0f8fad5b-d9cb-469f-a165-70867728950e")
    assert response.status_code == 302


def test_exotel_having_none_is_said_and_remembered(staff_client, standin):
    response = search(staff_client, "gp_nosuch")

    assert response.status_code == 200
    assert "Exotel has no allocation gp_nosuch" in response.content.decode()
    assert not Allocation.objects.filter(greenpin_id="gp_nosuch").exists()  # no row for a typo
    search(staff_client, "gp_nosuch")
    assert asked(standin) == 1  # the answer is remembered for a while


@pytest.mark.parametrize(
    ("script", "said"),
    [
        ({"status": 503}, "Exotel did not answer properly"),
        ({"status": 500}, "Exotel did not answer properly"),
        ({"body": "truncated"}, "Exotel did not answer properly"),
        ({"status": 401}, "Exotel is refusing our credentials"),
        ({"status": 403}, "refused to show allocation gp_flaky"),
        ({"status": 429, "retry_after": 30}, "Exotel did not answer properly"),
    ],
    ids=["503", "500", "bad body", "401", "403", "429"],
)
def test_exotel_failing_is_said(staff_client, standin, script, said):
    standin.add_allocation(greenpin_id="gp_flaky")
    standin.script("gp_flaky", [script])

    response = search(staff_client, "gp_flaky")

    assert response.status_code == 200
    assert said in response.content.decode()
    assert not Allocation.objects.filter(greenpin_id="gp_flaky").exists()
    assert asked(standin) == 1  # once: a person is waiting, no retries


def test_an_open_circuit_is_said_without_asking(staff_client, standin):
    standin.add_allocation(greenpin_id="gp_later")
    ProviderState.objects.update_or_create(
        api="greenpin",
        defaults={
            "consecutive_failures": 5,
            "circuit_open_until": timezone.now() + timedelta(minutes=2),
        },
    )

    body = search(staff_client, "gp_later").content.decode()

    assert "Exotel has been failing" in body
    assert asked(standin) == 0


def test_a_spent_request_budget_is_said_without_asking(staff_client, standin, settings):
    from exotel.coordination import coordinator

    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 1
    coordinator().take_request_slot()
    standin.add_allocation(greenpin_id="gp_later")

    body = search(staff_client, "gp_later").content.decode()

    assert "request budget for this minute is spent" in body
    assert asked(standin) == 0


def test_each_person_asks_exotel_a_bounded_number_of_times(staff_client, standin):
    for n in range(10):
        search(staff_client, f"gp_missing{n}")
    body = search(staff_client, "gp_missing10").content.decode()
    assert "Wait a minute" in body
    assert asked(standin) == 10


def test_a_miss_is_throttled_like_any_search(staff_client, standin, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 2
    search(staff_client, "gp_a1")
    search(staff_client, "gp_a2")
    assert search(staff_client, "gp_a3").status_code == 429
    assert asked(standin) == 2


def test_an_order_id_not_mirrored_says_what_to_ask_for(staff_client, standin):
    body = search(staff_client, "ORD-55555").content.decode()

    assert "the order system has not registered" in body
    assert "GreenPin ID" in body
    assert asked(standin) == 0  # an order ID is not asked of Exotel


def test_a_filtered_search_never_asks_exotel(staff_client, standin):
    standin.add_allocation(greenpin_id="gp_filtered")
    response = search(staff_client, "gp_filtered", status="active")
    assert response.status_code == 200
    assert asked(standin) == 0


def test_a_mirrored_id_in_another_case_is_not_asked(staff_client, standin):
    AllocationFactory(greenpin_id="gp_known")
    assert search(staff_client, "GP_KNOWN").status_code == 302
    assert asked(standin) == 0


def test_a_numeric_order_id_not_mirrored_gets_the_same_advice(staff_client, standin):
    body = search(staff_client, "4310155").content.decode()
    assert "No party or virtual number ends with 4310155 either" in body
    assert "the order system has not registered" in body
