from __future__ import annotations

from django.contrib import admin, messages

from console.api.services import api_token_revoke
from console.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by `manage.py create_api_token` (the only place the token is ever
    shown); here they are listed and revoked."""

    list_display = (
        "name",
        "key_id",
        "scopes",
        "created_at",
        "last_used_at",
        "use_count",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "=key_id")
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Read-only: a token's scopes never change; make a new one and revoke this.
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke(self, request, queryset) -> None:
        revoked = api_token_revoke(token_ids=queryset.values_list("pk", flat=True))
        messages.success(request, f"{revoked} token(s) revoked; they no longer open the API.")
