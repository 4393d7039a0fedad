"""Who may do what: each group and an anonymous visitor against each page and action, and
what each sees of numbers and PINs in pages and exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

PIN = "0482"
A_NUMBER = "+919900012345"
FULL, MASKED = "+91 99000 12345", "+91 99XXX XX345"


@pytest.fixture
def order(standin):
    allocation = AllocationFactory(greenpin_id="gp_1", order_id="12345", pin=PIN)
    PartyFactory(allocation=allocation, side="A", number=A_NUMBER)
    standin.add_call(sid="c1")
    recording = f"{standin.url}/exotelrecordings/ACtest/c1.wav"
    CallFactory(sid="c1", allocation=allocation, from_number=A_NUMBER, recording_url=recording)
    return allocation


def client_for(role: str, django_user_model) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    user = django_user_model.objects.create_user(username=role)
    if role in ("Support", "Supervisor"):
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


ROLES = ["anonymous", "nobody", "Support", "Supervisor"]
# (method, url, expected status for each role in ROLES); 302 for anonymous means "to login"
MATRIX = [
    ("get", "/?q=12345", [302, 403, 302, 302]),
    ("get", "/?q=nothing-matches", [302, 403, 200, 200]),
    ("get", "/allocations/gp_1/", [302, 403, 200, 200]),
    ("get", "/allocations/gp_1/freshness/", [302, 403, 200, 200]),
    ("get", "/calls/c1/", [302, 403, 200, 200]),
    ("get", "/calls/c1/recording/", [302, 403, 200, 200]),
    ("get", "/calls/c1/recording/status/", [302, 403, 200, 200]),
    # c1 is linked already: a supervisor may link calls, but not this one again.
    ("post", "/calls/c1/link/", [302, 403, 403, 400]),
    ("post", "/allocations/gp_1/reveal/pin/", [302, 403, 302, 302]),
    ("post", "/allocations/gp_1/reveal/numbers/", [302, 403, 403, 302]),
    ("post", "/allocations/gp_1/refresh/", [302, 403, 403, 302]),
    ("get", "/export.csv?q=12345", [302, 403, 403, 200]),
    ("get", "/calls/", [302, 403, 200, 200]),
    ("get", "/calls/export.csv", [302, 403, 403, 200]),
    ("get", "/audit/", [302, 403, 403, 200]),
    ("get", "/health/", [302, 403, 403, 200]),
    ("get", "/accounts/profile/", [302, 200, 200, 200]),
    ("get", "/admin/", [302, 302, 302, 302]),
    ("get", "/healthz", [200, 200, 200, 200]),
    ("get", "/lookup/", [302, 403, 200, 200]),
    ("post", "/lookup/", [302, 403, 200, 200]),
    ("get", "/track/", [302, 403, 403, 200]),
    ("post", "/track/", [302, 403, 403, 200]),
    ("get", "/track/status/", [302, 403, 403, 200]),
    # The API answers a token, never a person's session; its document and page, a login.
    ("get", "/api/v1/allocations/?order_id=12345", [401, 401, 401, 401]),
    ("get", "/api/v1/allocations/gp_1/", [401, 401, 401, 401]),
    ("post", "/api/v1/allocations/track/", [401, 401, 401, 401]),
    ("get", "/api/schema/", [401, 200, 200, 200]),
    ("get", "/api/docs/", [302, 200, 200, 200]),
]


@pytest.mark.parametrize(("method", "url", "expected"), MATRIX, ids=[m[1] for m in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(order, django_user_model, method, url, expected, role):
    response = getattr(client_for(role, django_user_model), method)(url)
    assert response.status_code == expected[ROLES.index(role)]
    if role == "anonymous" and response.status_code == 302:
        assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["Support", "Supervisor"])
def test_numbers_and_pins_are_masked_until_revealed(order, django_user_model, role):
    client = client_for(role, django_user_model)
    url = reverse("allocations:detail", args=["gp_1"])

    page = client.get(url).content.decode()
    assert MASKED in page
    assert FULL not in page
    assert PIN not in page
    assert FULL not in client.get(reverse("calls:detail", args=["c1"])).content.decode()
    results = client.get("/", {"q": "12345", "status": "active"}).content.decode()
    assert MASKED in results
    assert FULL not in results

    client.post(reverse("allocations:reveal", args=["gp_1", "pin"]))
    client.post(reverse("allocations:reveal", args=["gp_1", "numbers"]))
    page = client.get(url).content.decode()
    assert PIN in page
    assert (FULL in page) is (role == "Supervisor")
    reveals = set(AccessLog.objects.values_list("action", flat=True))
    expected = {"reveal_pin", "reveal_number"} if role == "Supervisor" else {"reveal_pin"}
    assert reveals == expected


def test_the_export_shows_what_the_exporter_may_see(order, django_user_model):
    supervisor = client_for("Supervisor", django_user_model)
    exporter = client_for("exporter", django_user_model)
    exporter_user = django_user_model.objects.get(username="exporter")
    exporter_user.user_permissions.add(
        Permission.objects.get(codename="view_allocation"),
        Permission.objects.get(codename="export_allocations"),
    )

    def rows(client) -> list[dict]:
        body = b"".join(client.get("/export.csv", {"q": "12345"}).streaming_content)
        assert PIN not in body.decode()
        return list(csv.DictReader(io.StringIO(body.decode())))

    (full,) = rows(supervisor)
    (masked,) = rows(exporter)
    # A leading "+" would start a formula: every such cell is neutralised with a "'".
    assert full["a_party_numbers"] == "'" + A_NUMBER
    assert masked["a_party_numbers"] == "'+91 99XXX XX345"
    assert "pin" not in full
    assert "pin" not in masked
    assert AccessLog.objects.filter(action="export").count() == 2


def test_admin_lists_mask_for_staff_without_the_reveal_permissions(order, django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_allocation"),
        Permission.objects.get(codename="view_call"),
    )
    client = Client()
    client.force_login(staff)

    for url in [
        reverse("admin:allocations_allocation_changelist"),
        reverse("admin:allocations_allocation_change", args=[order.pk]),
        reverse("admin:calls_call_changelist"),
    ]:
        page = client.get(url).content.decode()
        assert "9900012345" not in page
        assert PIN not in page


def test_model_strings_hold_no_pin_or_number(order):
    party = order.parties.get()
    for text in (str(order), str(party), str(order.calls.get())):
        assert PIN not in text
        assert "9900012345" not in text
