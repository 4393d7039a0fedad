from __future__ import annotations

import logging
import re

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views import View
from django.views.generic import DetailView

from audit.models import AccessLog
from audit.services import access_log_record
from calls.models import RecordingProblem
from calls.selectors import (
    call_event_list_for_call,
    call_get_for_page,
    call_link_candidates,
    call_recording_state,
)
from calls.services import CallLinkRefused, call_recording_record_fetch
from exotel import recordings
from exotel.errors import ExotelError

from .call_outcomes import call_failure_reason, call_talk_text
from .call_parties import call_parties, side_label, who_called_whom
from .services import REVEALS, call_link_audited, revealed
from .view_helpers import or_404, who

logger = logging.getLogger(__name__)


class CallDetailView(PermissionRequiredMixin, DetailView):
    """One call with its event timeline (when Exotel sent each event, when we received it)."""

    permission_required = "calls.view_call"
    template_name = "console/call.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        return or_404(call_get_for_page(sid=self.kwargs["sid"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        call = self.object
        context["events"] = call_event_list_for_call(call=call)
        parties = call_parties(call)
        context.update(
            parties=parties,
            who=who_called_whom(parties),
            caller_label=side_label(parties.caller_side),
            callee_label=side_label(parties.callee_side),
            reason=call_failure_reason(call, parties),
            talk=call_talk_text(call),
        )
        context["can_play"] = self.request.user.has_perm("calls.play_recording")
        if call.allocation is None:
            context["candidates"] = call_link_candidates(call=call)
            context["can_link"] = self.request.user.has_perm("calls.link_call")
        # Numbers revealed on the call's allocation page are revealed here too.
        context["revealed"] = (
            revealed(
                session=self.request.session,
                user=self.request.user,
                object_type="allocation",
                object_id=call.allocation.greenpin_id,
            )
            if call.allocation
            else dict.fromkeys(REVEALS, False)
        )
        return context


class CallLinkView(CallDetailView):
    """POST: link an unlinked call to one of its possible allocations, by hand, audited. A
    refusal is the call page again with the reason, as a 400 (not a possible allocation) or
    409 (already linked)."""

    raise_exception = True
    http_method_names = ["post"]

    def get_permission_required(self) -> tuple[str, ...]:
        return ("calls.view_call", "calls.link_call")

    def post(self, request: HttpRequest, sid: str) -> HttpResponseBase:
        call = self.object = self.get_object()
        allocation_id = _row_id(request.POST.get("allocation", ""))
        try:
            if allocation_id is None:
                raise CallLinkRefused(
                    CallLinkRefused.NOT_POSSIBLE, "Choose one of the allocations listed."
                )
            linked = call_link_audited(call=call, allocation_id=allocation_id, **who(request))
        except CallLinkRefused as refused:
            status = 409 if refused.reason == CallLinkRefused.ALREADY_LINKED else 400
            call.refresh_from_db()
            context = self.get_context_data(object=call, link_error=str(refused))
            return self.render_to_response(context, status=status)
        allocation = linked.allocation
        assert allocation is not None
        messages.success(
            request,
            f"Linked to {f'order {allocation.order_id}' if allocation.order_id else allocation}.",
        )
        return redirect(linked)


def _row_id(text: str) -> int | None:
    # A row ID as a form sends it: digits only, within a database integer.
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None


class CallRecordingView(PermissionRequiredMixin, View):
    """The recording, streamed from Exotel with `Range` passed through so seeking works.

    The provider's URL and credentials never reach the browser; each play is audited.
    """

    permission_required = "calls.play_recording"
    raise_exception = True

    def get(self, request: HttpRequest, sid: str) -> HttpResponseBase:
        call = or_404(call_get_for_page(sid=sid))
        if not call.recording_url:
            return HttpResponse(
                "The recording is not available yet.\n", status=404, content_type="text/plain"
            )
        range_header = _plain_range(request.headers.get("Range"))
        try:
            stream = recordings.open_recording(call.recording_url, range_header=range_header)
        except recordings.RecordingRefused:
            call_recording_record_fetch(call=call, problem=RecordingProblem.REFUSED)
            access_log_record(
                **who(request),
                action=AccessLog.Action.RECORDING_REFUSED,
                object_type="call",
                object_id=call.sid,
                detail=(
                    "recording URL outside RECORDING_ALLOWED_ORIGINS and "
                    "RECORDING_ALLOWED_PATH_PREFIXES; not fetched"
                ),
            )
            return HttpResponse(
                "This recording's address is not allowed.\n", status=502, content_type="text/plain"
            )
        except ExotelError as error:
            logger.warning("recording of %s could not be fetched: %s", call.sid, error)
            not_found = error.kind == "not_found"
            call_recording_record_fetch(
                call=call,
                problem=RecordingProblem.NOT_FOUND if not_found else RecordingProblem.EXOTEL_ERROR,
                error=error,
            )
            # Not a play: nothing of the recording was served.
            return HttpResponse(
                "The recording could not be fetched from Exotel.\n",
                status=404 if not_found else 502,
                content_type="text/plain",
            )
        call_recording_record_fetch(call=call)
        if _serves_the_start(stream.status, stream.headers.get("Content-Range", "")):
            access_log_record(
                **who(request),
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


class CallRecordingStatusView(PermissionRequiredMixin, View):
    """Why a recording cannot be played, in the words the page uses: what the player asks
    for when it fails to load, after the stream has noted the failure on the call."""

    permission_required = "calls.view_call"
    raise_exception = True

    def get(self, request: HttpRequest, sid: str) -> HttpResponseBase:
        call = or_404(call_get_for_page(sid=sid))
        state = call_recording_state(call=call)
        message = render_to_string(
            "console/includes/recording_message.html",
            {"call": call, "recording": state, "after_failed_load": True},
            request=request,
        )
        response = JsonResponse(
            {
                "state": state.kind,
                "offer_player": state.offer_player,
                "message": " ".join(message.split()),
            }
        )
        response["Cache-Control"] = "private, no-store"
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
