from __future__ import annotations

import hmac
import json
import logging
import math
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from audit.models import AccessLog
from audit.services import access_log_record
from console.services import REVEALS, revealed
from exotel import call_api
from exotel.errors import ExotelError
from sync.metrics import webhook_delivery_observed

from .events import MalformedEvent
from .selectors import call_event_list_for_call, call_get_for_page
from .services import call_event_ingest

logger = logging.getLogger(__name__)


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


class CallDetailView(PermissionRequiredMixin, DetailView):
    """One call with its event timeline (when Exotel sent each event, when we received it)."""

    permission_required = "calls.view_call"
    template_name = "calls/detail.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        return call_get_for_page(sid=self.kwargs["sid"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        call = self.object
        context["events"] = call_event_list_for_call(call=call)
        context["can_play"] = self.request.user.has_perm("calls.play_recording")
        # Numbers revealed on the call's allocation page are revealed here too.
        context["revealed"] = (
            revealed(
                request=self.request,
                object_type="allocation",
                object_id=call.allocation.greenpin_id,
            )
            if call.allocation
            else dict.fromkeys(REVEALS, False)
        )
        return context


class CallRecordingView(PermissionRequiredMixin, View):
    """The recording, streamed from Exotel with `Range` passed through so seeking works.

    The provider's URL and credentials never reach the browser; each play is audited.
    """

    permission_required = "calls.play_recording"
    raise_exception = True

    def get(self, request: HttpRequest, sid: str) -> HttpResponseBase:
        call = call_get_for_page(sid=sid)
        if not call.recording_url:
            return HttpResponse(
                "The recording is not available yet.\n", status=404, content_type="text/plain"
            )
        range_header = _plain_range(request.headers.get("Range"))
        if not call_api.recording_origin_allowed(call.recording_url):
            access_log_record(
                request=request,
                action=AccessLog.Action.RECORDING_REFUSED,
                object_type="call",
                object_id=call.sid,
                detail="recording URL outside RECORDING_ALLOWED_ORIGINS; not fetched",
            )
            return HttpResponse(
                "This recording's address is not allowed.\n", status=502, content_type="text/plain"
            )
        try:
            stream = call_api.open_recording(call.recording_url, range_header=range_header)
        except ExotelError as error:
            logger.warning("recording of %s could not be fetched: %s", call.sid, error)
            status = 404 if error.kind == "not_found" else 502
            return HttpResponse(
                "The recording could not be fetched from Exotel.\n",
                status=status,
                content_type="text/plain",
            )
        if _serves_the_start(stream.status, stream.headers.get("Content-Range", "")):
            access_log_record(
                request=request,
                action=AccessLog.Action.PLAY_RECORDING,
                object_type="call",
                object_id=call.sid,
            )
        response = StreamingHttpResponse(stream.chunks(), status=stream.status)
        for name, value in stream.headers.items():
            response[name] = value
        response["Cache-Control"] = "private, no-store"
        # A fixed name: the SID comes from outside and has no business in a header.
        response["Content-Disposition"] = 'inline; filename="recording"'
        return response


# One range, in the only spelling players send; anything else asks for the whole file.
_RANGE = re.compile(r"bytes=[0-9]{1,15}-[0-9]{0,15}|bytes=-[0-9]{1,15}")


def _plain_range(header: str | None) -> str | None:
    return header if header and _RANGE.fullmatch(header) else None


def _serves_the_start(status: int, content_range: str) -> bool:
    # A play is audited when the bytes served include the first one, whatever the request
    # said: a player asks for the start when it begins playing, later ranges are seeks.
    if status == 200:
        return True
    return re.match(r"bytes 0+-", content_range.strip(), re.IGNORECASE) is not None
