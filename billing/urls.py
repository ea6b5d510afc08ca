from django.urls import path

from hotelpbx.core.policy import DESK, EVERY_ROLE, MANAGERS

from . import house_pages, views

app_name = "billing"

urlpatterns = [
    path("stays/<int:stay_pk>/folio/", views.folio_page, name="folio"),
    path("stays/<int:stay_pk>/folio/payment/", views.folio_payment, name="folio_payment"),
    path("stays/<int:stay_pk>/folio/charge/", views.folio_charge, name="folio_charge"),
    path("stays/<int:stay_pk>/folio/minibar/", views.folio_minibar, name="folio_minibar"),
    path("stays/<int:stay_pk>/folio/room-nights/", views.folio_room_nights, name="folio_room_nights"),
    path("stays/<int:stay_pk>/folio/lines/<int:line_pk>/void/", views.folio_void, name="folio_void"),
    path("stays/<int:stay_pk>/folio/check-out/", views.folio_check_out, name="folio_check_out"),
    path("stays/<int:stay_pk>/folio/invoice/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/", views.invoice_page, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("minibar/rooms/<str:number>/", views.minibar_tablet, name="minibar_tablet"),
    path("late-charges/", views.late_charges, name="late_charges"),
    path("house-accounts/", house_pages.house_accounts, name="house_accounts"),
    path("house-accounts/<int:pk>/", house_pages.house_account, name="house_account"),
    path("house-accounts/<int:pk>/charge/", house_pages.house_account_charge, name="house_account_charge"),
    path("house-accounts/<int:pk>/payment/", house_pages.house_account_payment, name="house_account_payment"),
    path(
        "house-accounts/<int:pk>/lines/<int:line_pk>/void/",
        house_pages.house_account_void,
        name="house_account_void",
    ),
    path("tariffs/", views.tariffs, name="tariffs"),
    path("tariffs/<str:name>/v<int:version>.yaml", views.tariff_export, name="tariff_export"),
    path("calls/", views.calls, name="calls"),
    path("calls/uncharged/", views.uncharged_calls, name="uncharged_calls"),
    path("calls/<int:pk>/rerate/", views.call_rerate, name="call_rerate"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:report>.csv", views.report_csv, name="report_csv"),
]

# Who may open which page (registered into hotelpbx.core.policy when the app is ready).
PAGE_POLICY = {
    "billing:folio": DESK,
    "billing:folio_payment": DESK,
    "billing:folio_charge": DESK,
    "billing:folio_minibar": DESK,
    "billing:folio_room_nights": DESK,
    "billing:folio_void": DESK,
    "billing:folio_check_out": DESK,
    "billing:invoice_issue": DESK,
    "billing:invoice": DESK,
    "billing:invoice_pdf": DESK,
    "billing:minibar_tablet": EVERY_ROLE,
    "billing:late_charges": DESK,
    "billing:house_accounts": DESK,
    "billing:house_account": DESK,
    "billing:house_account_charge": DESK,
    "billing:house_account_payment": DESK,
    "billing:house_account_void": DESK,
    "billing:tariffs": MANAGERS,
    "billing:tariff_export": MANAGERS,
    "billing:calls": DESK,
    "billing:uncharged_calls": MANAGERS,
    "billing:call_rerate": MANAGERS,
    "billing:reports": MANAGERS,
    "billing:report_csv": MANAGERS,
}
