"""What every partner API view shares: API-key auth, scopes, per-key throttle, Idempotency-Key."""

from django.conf import settings
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .. import idempotency
from ..auth import HasScope, PartnerKeyAuthentication, PartnerKeyThrottle
from ..errors import PayloadTooLarge

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class PartnerAPIMixin:
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [PartnerKeyThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    required_scopes: dict[str, str] = {}
    _idempotency_record = None

    @property
    def partner(self):
        return self.request.auth.partner

    def filter_queryset(self, queryset):
        """Filters narrow a list; what a client may see at all is get_queryset's. So one object is
        found without them, and a list asked with no filter builds no filter set (django-filter
        deep-copies every filter per request: a third of a room PATCH's time)."""
        if getattr(self, "action", None) != "list":
            return queryset
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and not set(self.request.query_params) & set(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(queryset)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:  # DRF's parsers read the stream without Django's check
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        key = request.headers.get("Idempotency-Key")
        if request.method in WRITE_METHODS and key is not None:
            self._idempotency_record = idempotency.begin(
                partner=request.auth.partner,
                key=key,
                method=request.method,
                path=request.path,
                body=request._request.body,
            )

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            record = exc.record
            return Response(
                record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
            )
        return super().handle_exception(exc)

    def raise_uncaught_exception(self, exc):
        if self._idempotency_record is not None:
            idempotency.forget(self._idempotency_record)
        super().raise_uncaught_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        if record is not None:
            rendered = JSONRenderer().render(response.data) if response.data is not None else None
            idempotency.finish(record, status_code=response.status_code, rendered=rendered)
        return response
