"""Django admin for every app, one module each; importing them registers them."""

from . import allocations, audit, calls

__all__ = ["allocations", "audit", "calls"]
