"""Django admin for every app, one module each; importing them registers them."""

from django.contrib import admin

from . import allocations, api_tokens, audit, calls

admin.site.site_header = "GreenPin Admin"
admin.site.site_title = "GreenPin Admin"
admin.site.index_title = "Administration"

__all__ = ["allocations", "api_tokens", "audit", "calls"]
