"""Production settings, login throttling, CSRF and browser-side protections."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "greenpin.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "PRODUCTION": "true", "ALLOWED_HOSTS": "greenpin.example.com"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("forged_proxy_header", [False, True])
def test_the_sixth_failed_login_is_locked_out(django_user_model, forged_proxy_header):
    django_user_model.objects.create_user(username="agent", password="the-right-passphrase")
    client = Client()

    def log_in(password: str, attempt: int):
        headers = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{attempt}"} if forged_proxy_header else {}
        return client.post(
            "/accounts/login/", {"username": "agent", "password": password}, **headers
        )

    for attempt in range(5):
        assert log_in("wrong", attempt).status_code == 200  # the form again, with an error
    sixth = log_in("wrong", 5)
    then_right = log_in("the-right-passphrase", 6)

    assert sixth.status_code == 429
    assert "Too many failed logins" in sixth.content.decode()
    assert then_right.status_code == 429


def test_only_the_webhook_and_the_token_api_are_csrf_exempt():
    """The API is exempt as DRF makes every view, and needs no CSRF token: it authenticates
    by a bearer token that a browser never sends by itself, never by the session cookie (the
    schema reads a session only for GET)."""
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.views import APIView

    exempt = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and getattr(
                pattern.callback, "csrf_exempt", False
            ):
                exempt.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    webhook = ["webhooks/exotel/<str:secret>/", "webhooks/exotel/<str:secret>"]
    assert [path for path in exempt if not path.startswith("api/")] == webhook
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    for pattern in api.url_patterns:
        view = getattr(pattern.callback, "view_class", None)
        if view is None or not issubclass(view, APIView):
            continue
        session = any(issubclass(a, SessionAuthentication) for a in view.authentication_classes)
        unsafe = {"post", "put", "patch", "delete"} & set(dir(view))
        assert not (session and unsafe), pattern


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_no_framing(staff_client):
    response = staff_client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_a_login_lasts_twelve_hours_by_default(django_user_model):
    django_user_model.objects.create_user(username="agent", password="the-right-passphrase")
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "the-right-passphrase"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600
    assert client.session.get_expiry_age() == 12 * 3600


def test_the_test_run_hashes_passwords_with_a_fast_hasher():
    """Only the tests: logins in the suite would otherwise spend most of their time in PBKDF2."""
    from django.contrib.auth.hashers import get_hasher

    assert get_hasher().algorithm == "md5"
