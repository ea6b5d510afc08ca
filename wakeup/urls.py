from django.urls import path

from . import views

app_name = "wakeup"

urlpatterns = [
    path("", views.board, name="board"),
    path("partial/", views.board_partial, name="board_partial"),
    path("new/", views.create, name="create"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/cancel-all/", views.cancel_all, name="cancel_all"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("report/", views.report, name="report"),
    path("stays/<int:pk>/", views.stay_panel, name="stay_panel"),
]
