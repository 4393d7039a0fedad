"""What each log line is about: the request and user, or the Celery task, carried in a context
variable so every logger picks it up without being handed it; and the JSON formatter.

The web process and the workers share Django's LOGGING (see `greenpin_admin/celery.py`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_context: ContextVar[dict[str, Any] | None] = ContextVar("greenpin_log_context", default=None)

# A proxy's request ID is kept only if it is plainly an ID: anything else could forge or
# break log lines, and a fresh one is made instead.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The webhook's URL carries its secret; Django logs the path of every 4xx and 5xx.
_WEBHOOK_SECRET = re.compile(r"(/webhooks/exotel/)[^/\s\"']+")


def log_context_set(**values: Any) -> object:
    """Add `values` to every log line of this request or task; returns a token for reset."""
    return _context.set({**(_context.get() or {}), **values})


def log_context_reset(token: object) -> None:
    _context.reset(token)  # type: ignore[arg-type]


def log_context_clear(**kwargs: Any) -> None:
    _context.set(None)


request_finished.connect(log_context_clear, dispatch_uid="greenpin_log_context_clear")


class ContextFilter(logging.Filter):
    """Copies the request or task context onto each record, and hides the webhook secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if isinstance(record.msg, str) and "/webhooks/exotel/" in record.msg:
            record.msg = _WEBHOOK_SECRET.sub(r"\1…", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _WEBHOOK_SECRET.sub(r"\1…", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, then the context fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        # Django attaches the request object to its request log lines: its repr is the path
        # (the webhook's carries the secret) and nothing the context fields do not say better.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)


class RequestContextMiddleware:
    """Gives each request an ID (the proxy's X-Request-ID when it is a plain ID) that every log
    line of the request carries and the response echoes; adds the user once known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        # A fresh context, kept after the chain returns: Django logs a 4xx or 5xx once the
        # middleware is done. `request_finished` clears it.
        _context.set({"request_id": request_id})
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        # Authentication has run by now; a view's log lines say who asked.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            log_context_set(user_id=user.pk)
