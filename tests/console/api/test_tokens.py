"""Tokens: made by a command that shows them once, stored hashed, counted at each use,
revoked in admin; `Authorization: Bearer` or a 401 that says how to authenticate."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from console.api.services import api_token_create
from console.models import ApiToken

pytestmark = pytest.mark.django_db

LIST = "/api/v1/allocations/?order_id=43101"


def test_the_command_prints_the_token_as_its_last_line_and_stores_only_its_hash():
    out = io.StringIO()
    call_command(
        "create_api_token", "order-system", "--scope", "track", "--scope", "read", stdout=out
    )

    token = out.getvalue().splitlines()[-1]
    row = ApiToken.objects.get()
    assert token.startswith(f"gpa_{row.key_id}_")
    assert len(token) > 50
    assert row.name == "order-system"
    assert row.scopes == ["track", "read"]
    assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiToken.objects.values()))


@pytest.mark.parametrize(
    "args",
    [
        ["x", "--scope", "admin"],
        ["x"],
        ["", "--scope", "read"],
        ["   ", "--scope", "read"],
    ],
)
def test_the_command_refuses_an_unknown_scope_no_scope_and_no_name(args):
    with pytest.raises(CommandError):
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_long_or_odd_name_is_kept_as_text(api_as, admin_client):
    api_as("read", name="<script>alert(1)</script>" + "x" * 300)

    row = ApiToken.objects.get()
    listing = admin_client.get("/admin/console/apitoken/").content.decode()

    assert len(row.name) == 100
    assert "<script>alert(1)" not in listing


def test_two_tokens_never_share_a_key_or_a_secret():
    tokens = {api_token_create(name="x", scopes=["read"])[1] for _ in range(20)}
    assert len(tokens) == 20
    assert ApiToken.objects.values("key_id").distinct().count() == 20


def test_each_request_counts_one_use_of_its_token(api_as):
    api = api_as("read")
    for _ in range(3):
        assert api.get(LIST).status_code == 200

    row = ApiToken.objects.get()
    assert row.use_count == 3
    assert row.last_used_at is not None


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge():
    response = Client().get(LIST)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer gpa_000000000000_" + "x" * 43,
        "Bearer not-a-token",
        "Bearer ",
        "Bearer a b",
        "Bearer gpa_zzzzzzzzzzzz_" + "x" * 43,
        "Bearer gpa_" + "0" * 12,
        "Bearer \u00e9\u00e9\u00e9",
        "Bearer " + "x" * 5000,
        "Bearer gpa_' OR 1=1 --_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_a_wrong_token_is_a_401_with_the_challenge(header):
    response = Client().get(LIST, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", ""])
def test_another_scheme_is_no_token_at_all(header):
    response = Client().get(LIST, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_token_with_its_secret_changed_is_refused(api_as):
    api = api_as("read")
    forged = api.token[:-4] + ("aaaa" if not api.token.endswith("aaaa") else "bbbb")

    response = Client().get(LIST, HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert response.status_code == 401
    assert ApiToken.objects.get().use_count == 0


def test_a_revoked_token_no_longer_opens_the_api(api_as, admin_client):
    api = api_as("read")
    assert api.get(LIST).status_code == 200
    row = ApiToken.objects.get()

    response = admin_client.post(
        "/admin/console/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api.get(LIST).status_code == 401


def test_admin_lists_tokens_without_their_secrets_and_cannot_make_one(api_as, admin_client):
    api = api_as("read", name="helpdesk")

    listing = admin_client.get("/admin/console/apitoken/")
    add = admin_client.get("/admin/console/apitoken/add/")

    assert listing.status_code == 200
    body = listing.content.decode()
    assert "helpdesk" in body
    assert api.token not in body
    assert ApiToken.objects.get().secret_hash not in body
    assert add.status_code == 403


def test_a_token_without_the_scope_gets_a_403_that_names_it(api_as):
    reader = api_as("read")
    tracker = api_as("track")

    refused_track = reader.track({"greenpin_ids": ["gp_1"]})
    refused_read = tracker.get(LIST)

    assert refused_track.status_code == 403
    assert "track" in refused_track.json()["detail"]
    assert refused_read.status_code == 403
    assert "read" in refused_read.json()["detail"]


def test_a_console_login_does_not_open_the_api(staff_client):
    """The API acts for integrations only: a person's session is no token (and so a page
    cannot be made to send the API a request with the person's cookies)."""
    assert staff_client.get(LIST).status_code == 401
