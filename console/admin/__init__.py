"""Django admin for every app, one module each; importing them registers them."""

from . import allocations, api_tokens, audit, calls

__all__ = ["allocations", "api_tokens", "audit", "calls"]
