"""`Authorization: Bearer <token>`: a token made by `manage.py create_api_token`."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..models import ApiToken
from .services import api_token_use

REALM = "GreenPin Admin API"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """The request acts as its token, not as a person: `request.auth` is the `ApiToken`,
    `request.user` stays anonymous (no session, no CSRF, no person's permissions)."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None  # no credentials: 401 with the challenge, from the permission check
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after 'Bearer ', one word.")
        try:
            offered = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This token is not valid.") from None
        token = api_token_use(token=offered)
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not valid (or was revoked).")
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) without credentials, with this challenge.
        return f'Bearer realm="{REALM}"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes the tokens."""

    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py create_api_token NAME --scope …`.",
        }
