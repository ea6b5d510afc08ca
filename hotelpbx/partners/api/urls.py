from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import schema  # noqa: F401  (registers the security scheme)
from .folio import CallRecordViewSet, FolioView, MinibarItemViewSet, PostingView
from .views import ApiNotFoundView, PbxStatusView, PingView, RoomViewSet, StayViewSet, WebhookEndpointViewSet
from .wakeups import WakeupViewSet

app_name = "api"

router = SimpleRouter()
router.register("rooms", RoomViewSet, basename="room")
router.register("stays", StayViewSet, basename="stay")
router.register("wakeups", WakeupViewSet, basename="wakeup")
router.register("call-records", CallRecordViewSet, basename="call_record")
router.register("minibar-items", MinibarItemViewSet, basename="minibar_item")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema_v1"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/pbx/status/", PbxStatusView.as_view(), name="pbx_status"),
    re_path(r"^v1/stays/(?P<pk>\d{1,18})/folio/$", FolioView.as_view(), name="stay_folio"),
    re_path(r"^v1/stays/(?P<pk>\d{1,18})/postings/$", PostingView.as_view(), name="stay_postings"),
    path("v1/ping/", PingView.as_view(), name="ping"),
    path("v1/", include(router.urls)),
    re_path(r"^.*$", ApiNotFoundView.as_view(), name="not_found"),
]
