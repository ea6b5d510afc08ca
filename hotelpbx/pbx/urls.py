from django.urls import path

from . import pages, views

app_name = "pbx"

urlpatterns: list = [
    # PBX_EVENTS_URL without its trailing slash: APPEND_SLASH cannot redirect a POST, and the PBX would
    # resend forever. Same name, so the policy table treats it alike; reverse() gives the last one.
    path("events/<str:token>", views.report_webhook, name="events"),
    path("events/<str:token>/", views.report_webhook, name="events"),
    path("", pages.status, name="status"),
    path("badge/", pages.badge, name="badge"),
    path("commands/<int:pk>/resend/", pages.resend, name="resend"),
    path("reconcile/", pages.reconcile_now, name="reconcile"),
    path("backfill/", pages.backfill_now, name="backfill"),
    path("guard/reset/", pages.reset_guard_now, name="reset_guard"),
]
