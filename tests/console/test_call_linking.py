"""An unmatched call's page: its candidate allocations with why each did or did not take it, a
button to link it for people with `calls.link_call` (audited, and the page says who and when),
and every hostile link request a clear 4xx. /health/ leads to the list of unmatched calls;
admin offers the candidates first, by order ID."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from calls.models import Call, LinkState
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

VN = "+914071000041"
CALLER = "+917700000009"


@pytest.fixture
def stray():
    """A call on VN whose custom field names neither of the two orders live at its start, and
    an order that ended before it."""
    now = timezone.now()
    for order in ("100002", "100004"):
        allocation = AllocationFactory(
            greenpin_id=f"gp_{order}",
            virtual_number=VN,
            order_id=order,
            custom_field=f"order_id={order}",
        )
        PartyFactory(allocation=allocation, side="A", number="+919811100001")
    AllocationFactory(
        greenpin_id="gp_100001",
        virtual_number=VN,
        order_id="100001",
        custom_field="order_id=100001",
        created_at=now - timedelta(hours=3),
        expires_at=now - timedelta(hours=2),
    )
    return CallFactory(
        sid="stray1",
        allocation=None,
        link_state=LinkState.NO_CANDIDATE,
        to_number=VN,
        from_number=CALLER,
        custom_field="order_id=100999",
        start_time=now - timedelta(minutes=20),
    )


def _link_url(sid: str = "stray1") -> str:
    return reverse("calls:link", args=[sid])


def _pk(greenpin_id: str) -> int:
    return AllocationFactory._meta.model.objects.get(greenpin_id=greenpin_id).pk


def test_the_page_lists_the_candidates_with_why_each_did_not_take_it(supervisor_client, stray):
    page = supervisor_client.get(reverse("calls:detail", args=["stray1"])).content.decode()

    assert "Which allocation took this call?" in page
    for order in ("100002", "100004", "100001"):
        assert f"order {order}" in page
    assert page.count("Custom field differs: the call carries") == 3
    assert page.count("Outside its lifetime") == 1
    # A button for each allocation live at its start, none for the one that had ended.
    assert page.count('name="allocation"') == 2
    assert f'value="{_pk("gp_100001")}"' not in page
    assert "Link to order 100002</button>" in page
    assert "Link to order 100004</button>" in page
    assert "Link to order 100001" not in page


def test_an_agent_sees_the_reasons_but_no_button(staff_client, stray):
    page = staff_client.get(reverse("calls:detail", args=["stray1"])).content.decode()

    assert "Custom field differs" in page
    assert "Link to order" not in page
    assert 'name="allocation"' not in page


def test_a_supervisor_links_it_audited_and_the_page_says_who_and_when(supervisor_client, stray):
    response = supervisor_client.post(_link_url(), {"allocation": _pk("gp_100004")}, follow=True)

    assert response.redirect_chain == [("/calls/stray1/", 302)]
    page = response.content.decode()
    assert "Linked to order 100004." in page
    assert "Through <a" in page
    assert "order 100004</a>" in page
    assert "linked by hand by boss" in page
    assert "Which allocation took this call?" not in page
    call = Call.objects.get(sid="stray1")
    assert (call.allocation.greenpin_id, call.link_state) == ("gp_100004", LinkState.MANUAL)
    assert call.linked_by.username == "boss"
    (entry,) = AccessLog.objects.filter(action=AccessLog.Action.LINK_CALL)
    assert (entry.user.username, entry.object_id) == ("boss", "stray1")
    assert entry.detail == "linked to allocation gp_100004 (order 100004)"


def test_supervisors_hold_the_permission_and_agents_do_not():
    supervisor = Group.objects.get(name="Supervisor").permissions.values_list("codename", flat=True)
    support = Group.objects.get(name="Support").permissions.values_list("codename", flat=True)
    assert "link_call" in supervisor
    assert "link_call" not in support


# --- hostile link requests: a clear 4xx, never a 5xx, nothing linked --------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "-1",
        "+1",
        " 1",
        "1.0",
        "1e3",
        "0",
        "0x1",
        "\u0661",  # an Arabic-Indic digit one: isdigit() says yes
        "9" * 19,
        "9" * 400,
        "1\x00",
        "1;DROP TABLE calls_call",
        "<script>alert(1)</script>",
    ],
)
def test_a_bad_allocation_id_is_a_400_and_links_nothing(supervisor_client, stray, value):
    response = supervisor_client.post(_link_url(), {"allocation": value})

    assert response.status_code == 400
    assert "Choose one of the allocations listed." in response.content.decode()
    assert Call.objects.get(sid="stray1").allocation is None
    assert not AccessLog.objects.filter(action=AccessLog.Action.LINK_CALL).exists()


def test_a_missing_or_repeated_field_is_a_400(supervisor_client, stray):
    assert supervisor_client.post(_link_url(), {}).status_code == 400
    repeated = supervisor_client.post(
        _link_url(), {"allocation": ["nope", str(_pk("gp_100002"))]}
    )  # the last value counts, as Django reads forms
    assert repeated.status_code in (302, 400)


@pytest.mark.parametrize("target", ["foreign", "ended", "deleted_row"])
def test_an_allocation_the_call_cannot_have_gone_through_is_a_400(supervisor_client, stray, target):
    ids = {
        "foreign": AllocationFactory(virtual_number="+914071000099").pk,
        "ended": _pk("gp_100001"),
        "deleted_row": 10**15,
    }
    response = supervisor_client.post(_link_url(), {"allocation": ids[target]})

    assert response.status_code == 400
    assert "cannot have taken this call" in response.content.decode()
    assert Call.objects.get(sid="stray1").allocation is None


def test_a_call_already_linked_is_a_409(supervisor_client, stray):
    assert supervisor_client.post(_link_url(), {"allocation": _pk("gp_100002")}).status_code == 302

    again = supervisor_client.post(_link_url(), {"allocation": _pk("gp_100004")})

    assert again.status_code == 409
    assert "already linked" in again.content.decode()
    assert Call.objects.get(sid="stray1").allocation.greenpin_id == "gp_100002"
    assert AccessLog.objects.filter(action=AccessLog.Action.LINK_CALL).count() == 1


def test_a_call_linked_by_the_rule_is_a_409(supervisor_client):
    allocation = AllocationFactory()
    CallFactory(sid="linked1", allocation=allocation)
    other = AllocationFactory()
    assert supervisor_client.post(_link_url("linked1"), {"allocation": other.pk}).status_code == 409


def test_without_the_permission_it_is_a_403(staff_client, stray):
    response = staff_client.post(_link_url(), {"allocation": _pk("gp_100002")})
    assert response.status_code == 403
    assert Call.objects.get(sid="stray1").allocation is None


def test_anonymous_visitors_are_sent_to_log_in(client, stray):
    response = client.post(_link_url(), {"allocation": _pk("gp_100002")})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_only_post_links(supervisor_client, stray):
    assert supervisor_client.get(_link_url()).status_code == 405
    assert supervisor_client.put(_link_url()).status_code == 405


@pytest.mark.parametrize("sid", ["nope", "%00", "a" * 300, "..%2f..", "stray1%0D%0A"])
def test_an_unknown_or_hostile_sid_is_a_404(supervisor_client, stray, sid):
    assert supervisor_client.post(f"/calls/{sid}/link/", {"allocation": "1"}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(django_user_model, stray):
    csrf_client = Client(enforce_csrf_checks=True)
    boss = django_user_model.objects.create_user(username="boss2")
    boss.groups.add(Group.objects.get(name="Supervisor"))
    csrf_client.force_login(boss)

    response = csrf_client.post(_link_url(), {"allocation": _pk("gp_100002")})

    assert response.status_code == 403
    assert Call.objects.get(sid="stray1").allocation is None


# --- /health/ and admin ------------------------------------------------------------------------


def test_health_leads_to_the_list_of_unmatched_calls(supervisor_client, stray):
    health = supervisor_client.get(reverse("health")).content.decode()
    assert '<a href="/calls/?link=unmatched">1</a>' in health

    listed = supervisor_client.get("/calls/?link=unmatched").content.decode()
    assert "/calls/stray1/" in listed


def test_admin_offers_the_candidates_first_by_order_id(admin_client, stray):
    page = admin_client.get(
        reverse("admin:calls_call_change", args=[Call.objects.get(sid="stray1").pk])
    ).content.decode()

    could = page.index("Could have taken it")
    others = page.index("Other allocations")
    assert could < page.index("order 100002 · gp_100002 (custom field differs)") < others
    assert could < page.index("order 100004 · gp_100004 (custom field differs)") < others
    assert others < page.index("order 100001 · gp_100001 (outside its lifetime")
    assert 'name="allocation_0"' not in page  # no raw ID box
    assert "vForeignKeyRawIdAdminField" not in page


def test_admin_links_by_order_audited_and_keeps_pull_claims_read_only(admin_client, stray):
    call = Call.objects.get(sid="stray1")
    response = admin_client.post(
        reverse("admin:calls_call_change", args=[call.pk]),
        {
            "allocation": _pk("gp_100002"),
            "pull_claim": "stolen",
            "pull_claimed_until": "2099-01-01 00:00:00",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.allocation.greenpin_id == "gp_100002"
    assert call.linked_by.username == "admin"
    assert (call.pull_claim, call.pull_claimed_until) == ("", None)
    assert AccessLog.objects.filter(action="link_call", object_id="stray1").exists()


def test_admin_refuses_an_allocation_it_does_not_offer(admin_client, stray):
    call = Call.objects.get(sid="stray1")
    response = admin_client.post(
        reverse("admin:calls_call_change", args=[call.pk]),
        {
            "allocation": AllocationFactory(virtual_number="+914071000099").pk,
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert Call.objects.get(sid="stray1").allocation is None


def test_the_admin_list_names_the_allocation_by_its_order(admin_client, stray):
    allocation = AllocationFactory(greenpin_id="gp_listed", order_id="55555")
    CallFactory(allocation=allocation)
    page = admin_client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert "order 55555 · gp_listed" in page


def test_the_call_page_costs_the_same_queries_for_two_candidates_or_forty(supervisor_client, stray):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert supervisor_client.get("/calls/stray1/").status_code == 200
        return len(queries)

    count()
    few = count()
    for n in range(38):
        allocation = AllocationFactory(virtual_number=VN, custom_field=f"order_id=2{n:05d}")
        PartyFactory(allocation=allocation, side="B", number=f"+9188{n:08d}")
    assert count() == few
