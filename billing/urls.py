from django.urls import path

from hotelpbx.core.policy import DESK, EVERY_ROLE, MANAGERS

from . import views

app_name = "billing"

urlpatterns = [
    path("stays/<int:stay_pk>/folio/", views.folio_page, name="folio"),
]

PAGE_POLICY = {
    "billing:folio": DESK,
}
_ = (EVERY_ROLE, MANAGERS)
