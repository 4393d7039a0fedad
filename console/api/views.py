"""The API's endpoints: thin, as every view here. Each reads through selectors or writes
through services, and needs one scope of the token (`required_scope`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.selectors import allocation_get_for_page
from audit.models import AccessLog
from calls.selectors import call_get_for_page, call_list_for_allocation
from exotel.ids import ID_PATTERN as EXOTEL_ID_PATTERN
from exotel.ids import is_exotel_id

from ..view_helpers import who
from .pagination import NewestFirst
from .selectors import allocation_list_for_api
from .serializers import (
    AllocationDetailSerializer,
    AllocationFilterSerializer,
    AllocationSerializer,
    CallSerializer,
    ErrorSerializer,
    FieldErrorsSerializer,
    TrackResponseSerializer,
    TrackSerializer,
)
from .services import REVEAL_ACTIONS, api_access_record, api_track

ID_PATTERN = rf"^{EXOTEL_ID_PATTERN.pattern}$"


# The document's examples. The schemathesis run (`tests/api_fuzz.py`) fills its database with
# rows of exactly these, so that its examples find something.
EXAMPLE_GREENPIN_ID = "gp_7f3k9q2m"
EXAMPLE_CALL_SID = "c_7f3k9q2m0001"
EXAMPLE_ORDER_ID = "43101"
EXAMPLE_PHONE = "+91 99000 12345"


def _example(value: str) -> list[OpenApiExample]:
    return [OpenApiExample(value, value=value)]


def _id_in_path(name: str, description: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        pattern=ID_PATTERN,
        description=description,
        examples=_example(example),
    )


# The latest calls an allocation's answer lists; its page in the console has all of them.
DETAIL_CALLS = 100

_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, "No token, or not a valid one (`WWW-Authenticate`)."),
    403: OpenApiResponse(ErrorSerializer, "The token lacks the scope this needs."),
    429: OpenApiResponse(ErrorSerializer, "Too many requests for this token (`Retry-After`)."),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: OpenApiResponse(FieldErrorsSerializer, "Bad input: what was wrong, per field."),
        404: OpenApiResponse(ErrorSerializer, "Not mirrored."),
        415: OpenApiResponse(ErrorSerializer, "The body is not `application/json`."),
    }
    return {**_ERRORS, **{code: described[code] for code in codes}}


@login_not_required
def no_such_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a JSON 404, whoever asks (the API's paths end with a
    slash, and an ID with a `/` in it is no ID)."""
    return JsonResponse({"detail": "No such endpoint."}, status=404)


@method_decorator(login_not_required, name="dispatch")
class TokenView(APIView):
    """What every endpoint shares: the token, not a login, opens it."""

    required_scope: ClassVar[str] = "read"

    @property
    def throttle_scope(self) -> str:
        """Each scope has its rate (API_THROTTLE_TRACK, API_THROTTLE_READ)."""
        return self.required_scope

    @property
    def reveal(self) -> bool:
        return self.request.auth.has_scope("reveal")

    def audit(self, *, action: str, object_type: str, object_ids: list[str]) -> None:
        if object_ids:
            api_access_record(
                token=self.request.auth,
                ip_address=who(self.request)["ip_address"],
                action=action,
                object_type=object_type,
                object_ids=object_ids,
            )

    def audit_reveal(
        self, *, object_type: str, object_ids: list[str], actions=REVEAL_ACTIONS
    ) -> None:
        """With `reveal`, full numbers (and PINs) are shown: each object is in the audit
        trail, as a reveal on the console's pages is."""
        if self.reveal:
            for action in actions:
                self.audit(action=action, object_type=object_type, object_ids=object_ids)


class TrackView(TokenView):
    required_scope = "track"

    @extend_schema(
        operation_id="allocations_track",
        summary="Track allocations (scope: track)",
        description="Start mirroring these allocations. New ones are fetched from Exotel by a "
        "worker at once, within the deployment's request budget; the order system calls this "
        "right after it creates an allocation. Nothing is tracked when any ID is malformed.",
        request=TrackSerializer,
        examples=[
            OpenApiExample(
                "the allocation just created",
                value={"greenpin_ids": [EXAMPLE_GREENPIN_ID]},
                request_only=True,
            )
        ],
        responses={202: TrackResponseSerializer, **_errors(400, 415)},
        tags=["allocations"],
    )
    def post(self, request: Request) -> Response:
        body = TrackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcomes = api_track(greenpin_ids=body.validated_data["greenpin_ids"])
        results = [{"greenpin_id": o.greenpin_id, "result": o.result} for o in outcomes]
        return Response({"results": results}, status=status.HTTP_202_ACCEPTED)


class AllocationListView(TokenView, generics.ListAPIView):
    serializer_class = AllocationSerializer
    pagination_class = NewestFirst

    @extend_schema(
        operation_id="allocations_list",
        summary="Find allocations (scope: read)",
        description="Allocations with this order ID, GreenPin ID or phone number (a party's "
        "or the virtual number, in any common format): exactly one of the three. Newest "
        "first, a page at a time (`next` holds the cursor of the next page). Numbers and "
        "PINs are masked unless the token has the `reveal` scope. A search by phone number "
        "is in the audit trail.",
        parameters=[
            OpenApiParameter(
                "order_id",
                str,
                description="The order system's reference.",
                examples=_example(EXAMPLE_ORDER_ID),
            ),
            OpenApiParameter(
                "greenpin_id",
                str,
                description="Exotel's ID of the allocation.",
                examples=_example(EXAMPLE_GREENPIN_ID),
            ),
            OpenApiParameter(
                "phone",
                str,
                description="Any common format: `+91 99000 12345`, `099000 12345`, …",
                examples=_example(EXAMPLE_PHONE),
            ),
        ],
        responses={200: AllocationSerializer(many=True), **_errors(400)},
        tags=["allocations"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = AllocationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if "phone" in query.validated_data:
            self.audit(
                action=AccessLog.Action.SEARCH_NUMBER,
                object_type="phone",
                object_ids=[query.validated_data["phone"]],
            )
        return allocation_list_for_api(**query.validated_data)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "reveal": self.reveal}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.audit_reveal(object_type="allocation", object_ids=[a.greenpin_id for a in page or []])
        return page


class AllocationDetailView(TokenView):
    @extend_schema(
        operation_id="allocations_retrieve",
        summary="One allocation with its parties and calls (scope: read)",
        description=f"Its latest {DETAIL_CALLS} calls, newest first (`more_calls` says when "
        "it has more). Numbers and the PIN are masked unless the token has `reveal`.",
        parameters=[
            _id_in_path("greenpin_id", "Exotel's ID of the allocation.", EXAMPLE_GREENPIN_ID)
        ],
        responses={200: AllocationDetailSerializer, **_errors(404)},
        tags=["allocations"],
    )
    def get(self, request: Request, greenpin_id: str) -> Response:
        # An ID of another shape is in no row: no need to ask the database.
        found = (
            allocation_get_for_page(greenpin_id=greenpin_id) if is_exotel_id(greenpin_id) else None
        )
        if found is None:
            raise NotFound("No allocation with this GreenPin ID is mirrored.")
        calls = list(call_list_for_allocation(allocation=found)[: DETAIL_CALLS + 1])
        for call in calls:
            call.allocation = found  # known already: no query per call for its GreenPin ID
        self.audit_reveal(object_type="allocation", object_ids=[found.greenpin_id])
        context = {
            "request": request,
            "reveal": self.reveal,
            "calls": calls,
            "calls_limit": DETAIL_CALLS,
        }
        return Response(AllocationDetailSerializer(found, context=context).data)


class CallDetailView(TokenView):
    @extend_schema(
        operation_id="calls_retrieve",
        summary="One call (scope: read)",
        description="Numbers are masked unless the token has `reveal`. `recording_url` is the "
        "console's stream, for a person logged in to the console; Exotel's address is never "
        "given out.",
        parameters=[_id_in_path("sid", "Exotel's call SID.", EXAMPLE_CALL_SID)],
        responses={200: CallSerializer, **_errors(404)},
        tags=["calls"],
    )
    def get(self, request: Request, sid: str) -> Response:
        call = call_get_for_page(sid=sid) if is_exotel_id(sid) else None
        if call is None:
            raise NotFound("No call with this SID is mirrored.")
        self.audit_reveal(
            object_type="call", object_ids=[call.sid], actions=[AccessLog.Action.REVEAL_NUMBER]
        )
        context = {"request": request, "reveal": self.reveal}
        return Response(CallSerializer(call, context=context).data)
