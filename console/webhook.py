"""Exotel's call events arrive here: stored first, answered fast, applied by a task."""

from __future__ import annotations

import hmac
import json
import math

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
    QueryDict,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls.events import MalformedEvent
from calls.services import call_event_ingest
from sync.metrics import webhook_delivery_observed


@csrf_exempt
@login_not_required
@require_POST
def exotel_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """Exotel's call events: stored raw and answered at once; the work happens in a task.

    Exotel signs nothing, so the URL's secret is the authentication, compared in constant
    time. A redelivery (Exotel retries when it does not get a 2xx within 15 s) is answered
    200 too and stores nothing new, so Exotel stops retrying.
    """
    expected = settings.EXOTEL_WEBHOOK_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        webhook_delivery_observed("forbidden")
        return HttpResponseForbidden("bad webhook secret\n", content_type="text/plain")
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        webhook_delivery_observed("too_large")
        return HttpResponse("body too large\n", status=413, content_type="text/plain")
    body = _request_body(request, limit)
    if len(body) > limit:
        webhook_delivery_observed("too_large")
        return HttpResponse("body too large\n", status=413, content_type="text/plain")
    try:
        payload = _payload(body, request.content_type or "")
        event, created = call_event_ingest(payload=payload)
    except (MalformedEvent, ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else error
        webhook_delivery_observed("malformed")
        return HttpResponseBadRequest(f"malformed event: {reason}\n", content_type="text/plain")
    webhook_delivery_observed("accepted" if created else "duplicate")
    return JsonResponse({"accepted": True, "duplicate": not created, "event": event.pk})


def _payload(body: bytes, content_type: str) -> dict:
    text = body.decode("utf-8")
    if content_type == "application/json" or text.lstrip().startswith("{"):
        # NaN, Infinity and numbers too large for a float are not JSON any store accepts.
        payload = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
        if not isinstance(payload, dict):
            raise MalformedEvent("the JSON body is not an object")
    else:
        form = QueryDict(text)
        payload = {key: vals[-1] if len(vals) == 1 else vals for key, vals in form.lists()}
    # PostgreSQL's jsonb cannot hold NUL, and no genuine event contains one.
    if "\\u0000" in json.dumps(payload):
        raise MalformedEvent("the body contains a NUL character")
    return payload


def _not_a_number(word: str) -> float:
    raise MalformedEvent(f"{word} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise MalformedEvent(f"{text[:20]} is too large a number")
    return number


def _request_body(request: HttpRequest, limit: int) -> bytes:
    """The body, at most `limit` bytes (and one more to tell it was longer). A chunked body
    declares no length, so Django reads it as empty: it is read from the server's decoded
    input stream instead."""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if chunked and not request.META.get("CONTENT_LENGTH"):
        return request.META["wsgi.input"].read(limit + 1)
    return request.read(limit + 1)
