"""Each view needs one scope of the token (`required_scope` on the view)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..models import ApiToken


class HasTokenScope(BasePermission):
    message = "This token does not have the scope this needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False  # no token: DRF answers 401, as a token was authenticated by none
        scope = view.required_scope
        if token.has_scope(scope):
            return True
        self.message = f"This token does not have the '{scope}' scope."
        return False
