"""The small things an agent trips over: reveals that say how long they last and can be
hidden, a refresh that never claims to run after it failed, a banner in the agent's words,
a readable custom field, the order ID's copy and link, date filters, the profile menu, and
admin's name."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.allocation_views import refresh_pending
from console.services import REVEAL_SECONDS, REVEAL_SESSION_KEY
from exotel.models import ProviderState
from tests.factories import AllocationFactory, PartyFactory

pytestmark = pytest.mark.django_db


def page_of(client, greenpin_id: str = "gp_1") -> str:
    response = client.get(reverse("allocations:detail", args=[greenpin_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def order():
    allocation = AllocationFactory(
        greenpin_id="gp_1", pin="0482", custom_field="order_id=ORD%2F4254&city=HYD"
    )
    allocation.order_id = "ORD/4254"
    allocation.save()
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800054321")
    return allocation


# --- reveals ------------------------------------------------------------------------------


def test_a_revealed_pin_says_how_long_it_stays_and_can_be_hidden(staff_client, order):
    staff_client.post(reverse("allocations:reveal", args=["gp_1", "pin"]))
    page = page_of(staff_client)
    assert "0482" in page
    assert re.search(r'visible for <span class="reveal-left">(4:5\d|5:00)</span>', page)
    assert 'data-reveal-seconds="' in page
    assert 'action="/allocations/gp_1/hide/pin/"' in page

    response = staff_client.post(reverse("allocations:hide", args=["gp_1", "pin"]))
    assert response.status_code == 302
    assert "0482" not in page_of(staff_client)


def test_the_countdown_starts_from_what_is_left(staff_client, order):
    staff_client.post(reverse("allocations:reveal", args=["gp_1", "pin"]))
    session = staff_client.session
    grants = session[REVEAL_SESSION_KEY]
    grants["allocation:gp_1:pin"] = time.time() - (REVEAL_SECONDS - 75)
    session[REVEAL_SESSION_KEY] = grants
    session.save()
    assert re.search(r'visible for <span class="reveal-left">1:1[45]<', page_of(staff_client))


def test_revealed_numbers_have_copy_buttons_and_the_reveal_sits_beside_them(
    supervisor_client, order
):
    page = page_of(supervisor_client)
    numbers = page[page.index("party-numbers") :]
    assert numbers.index("Show full numbers") < numbers.index("Created")

    supervisor_client.post(reverse("allocations:reveal", args=["gp_1", "numbers"]))
    page = page_of(supervisor_client)
    assert 'data-copy="+919900012345"' in page
    assert 'data-copy="+918800054321"' in page
    assert 'action="/allocations/gp_1/hide/numbers/"' in page


@pytest.mark.parametrize("what", ["everything", "PIN", "", "pin/../numbers", "numbers%00"])
def test_hiding_something_that_is_not_revealable_is_a_404(staff_client, order, what):
    response = staff_client.post(f"/allocations/gp_1/hide/{what}/")
    assert response.status_code == 404


def test_hiding_needs_a_post_and_an_allowed_person(staff_client, order):
    assert staff_client.get("/allocations/gp_1/hide/pin/").status_code == 405
    assert staff_client.post("/allocations/gp_nope/hide/pin/").status_code == 404
    response = Client().post("/allocations/gp_1/hide/pin/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- refreshing --------------------------------------------------------------------------


def test_a_failed_refresh_is_said_without_a_spinner_and_a_reload_keeps_it_so(
    staff_client, order, settings
):
    now = timezone.now()
    order.last_synced_at = now - timedelta(hours=1)  # stale
    order.last_sync_attempt_at = now - timedelta(seconds=10)
    order.last_sync_error = "HTTP 503: service unavailable"
    order.save()

    for query in ("", "?refreshing=1", f"?refreshing={int((now.timestamp() - 30) * 1000)}"):
        page = staff_client.get(f"/allocations/gp_1/{query}").content.decode()
        assert "Last refresh failed" in page
        assert "Refreshing from Exotel" not in page
        assert "data-refreshing" not in page


def test_refresh_now_shows_the_spinner_until_the_attempt_lands(supervisor_client, order):
    order.last_sync_attempt_at = timezone.now() - timedelta(minutes=5)
    order.last_sync_error = "HTTP 503: service unavailable"
    order.save()
    response = supervisor_client.post(reverse("allocations:refresh", args=["gp_1"]))
    page = supervisor_client.get(response["Location"]).content.decode()
    assert "Refreshing from Exotel" in page
    assert "Last refresh failed" not in page  # not both at once

    order.last_sync_attempt_at = timezone.now()
    order.save()
    page = supervisor_client.get(response["Location"]).content.decode()
    assert "Refreshing from Exotel" not in page  # a reload after it landed
    assert "Last refresh failed" in page


@pytest.mark.parametrize(
    "requested", ["", "1", "-5", "abc", "9" * 40, "1e309", "NaN", "0x10", "١٢٣", "\x00"]
)
def test_a_hostile_refreshing_parameter_claims_nothing(requested):
    allocation = AllocationFactory.build(
        last_sync_attempt_at=timezone.now(), last_synced_at=timezone.now()
    )
    assert not refresh_pending(
        allocation=allocation, stale=False, requested=requested, now=timezone.now()
    )


# --- the Exotel banner --------------------------------------------------------------------


def test_agents_read_that_exotel_is_unreachable_and_admins_read_which_settings(
    staff_client, admin_client, order
):
    since = timezone.now() - timedelta(hours=1)
    ProviderState.objects.update_or_create(
        api="calls",
        defaults={
            "auth_failed_at": timezone.now(),
            "last_success_at": since,
            "last_error": "401: check EXOTEL_API_KEY and EXOTEL_API_TOKEN",
        },
    )
    agent = page_of(staff_client)
    assert "Exotel is unreachable</strong>; data may be stale since" in agent
    assert "EXOTEL_" not in agent

    admin = page_of(admin_client)
    assert "EXOTEL_API_KEY and EXOTEL_API_TOKEN" in admin
    assert "Exotel refused our credentials" in admin


# --- custom field and order ID -----------------------------------------------------------


def test_the_custom_field_reads_decoded_and_the_order_id_copies(staff_client, order):
    page = page_of(staff_client)
    assert "order_id=ORD/4254&amp;city=HYD" in page
    assert "ORD%2F4254" not in page
    assert 'data-copy="ORD/4254"' in page
    assert "Open in the order system" not in page  # no ORDER_URL_TEMPLATE


@pytest.mark.parametrize(
    ("order_id", "href"),
    [
        ("ORD/4254", "https://shop.example/orders/ORD%2F4254"),
        ("12345", "https://shop.example/orders/12345"),
        ('"><script>x', "https://shop.example/orders/%22%3E%3Cscript%3Ex"),
        ("../../admin?x=1#y", "https://shop.example/orders/..%2F..%2Fadmin%3Fx%3D1%23y"),
        ("javascript:alert(1)", "https://shop.example/orders/javascript%3Aalert%281%29"),
    ],
)
def test_an_order_id_links_to_the_order_system_and_cannot_move_the_link(
    staff_client, order, settings, order_id, href
):
    settings.ORDER_URL_TEMPLATE = "https://shop.example/orders/{order_id}"
    order.order_id = order_id
    order.save()
    page = page_of(staff_client)
    assert f'href="{href}"' in page


@pytest.mark.parametrize(
    "template",
    ["javascript:alert(1)//{order_id}", "https://shop.example/orders/", "/orders/{order_id}"],
)
def test_a_bad_order_url_template_fails_the_check(settings, template):
    settings.ORDER_URL_TEMPLATE = template
    with pytest.raises(SystemCheckError, match="ORDER_URL_TEMPLATE"):
        call_command("check")


# --- filters, menu, profile, admin -------------------------------------------------------


def test_date_filters_name_both_dates_without_a_stray_dash(supervisor_client):
    for url in ("/calls/", "/audit/"):
        page = supervisor_client.get(url).content.decode()
        assert 'for=""' not in page
        assert "</label>\n-" not in page
        assert ">-<" not in page
        assert 'class="date-range-to">to<' in page
        for preset in ("Today", "Last 7 days", "Last 30 days"):
            assert f">{preset}</a>" in page


def test_the_caller_filter_names_the_sides_by_their_labels(supervisor_client, settings):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    page = supervisor_client.get("/calls/").content.decode()
    assert '<option value="A">Delivery agent</option>' in page
    assert '<option value="B">Customer</option>' in page


@pytest.mark.parametrize("value", ["A", "B", "other", "C", "<b>", "", "A' OR 1=1"])
def test_the_caller_filter_takes_any_value_without_failing(supervisor_client, order, value):
    assert supervisor_client.get("/calls/", {"caller": value}).status_code == 200


def test_the_profile_is_in_the_menu_and_its_zones_are_searchable(staff_client):
    page = staff_client.get("/").content.decode()
    assert 'href="/accounts/profile/">Your settings' in page

    page = staff_client.get("/accounts/profile/").content.decode()
    assert 'list="time-zone-options"' in page
    options = page[page.index('<datalist id="time-zone-options">') :]
    assert options.index("Asia/Kolkata") < options.index("Africa/Abidjan")
    assert options.index("Europe/London") < options.index("Africa/Abidjan")
    assert "<select" not in page
    assert (
        staff_client.post("/accounts/profile/", {"time_zone": "Europe/London"}).status_code == 302
    )


def test_admin_is_branded_and_lists_access_logs_once(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Django administration" not in page
    assert "GreenPin Admin" in page
    assert page.count(">Access logs<") == 1
    assert ">Audit trail<" in page


def test_admin_names_the_parties_by_their_labels(admin_client, settings, order):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    page = admin_client.get(f"/admin/allocations/allocation/{order.pk}/change/").content.decode()
    assert "Delivery agent" in page
    assert "Customer" in page
    assert "(from)" not in page
    assert "(to)" not in page


def test_search_results_name_the_parties_by_their_labels(staff_client, settings):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    AllocationFactory(greenpin_id="gp_s1")
    AllocationFactory(greenpin_id="gp_s2")
    page = staff_client.get("/").content.decode()
    assert "Delivery agent → Customer" in page
    assert "(A → B)" not in page
