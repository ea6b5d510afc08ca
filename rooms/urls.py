from django.urls import path

from . import housekeeping_views, views

app_name = "rooms"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/partial/", views.board_partial, name="board_partial"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("departures/", views.departures, name="departures"),
    path("in-house/", views.in_house, name="in_house"),
    path("guests/", views.guest_search, name="guest_search"),
    path("guests/<int:pk>/", views.guest_detail, name="guest_detail"),
    path("rooms/<str:number>/", views.room_detail, name="room_detail"),
    path("rooms/<str:number>/status/", views.room_status, name="room_status"),
    path("rooms/<str:number>/dnd/", views.room_dnd, name="room_dnd"),
    path("check-in/", views.walk_in, name="walk_in"),
    path("check-in/rooms/", views.room_suggestions, name="room_suggestions"),
    path("stays/<int:pk>/", views.stay_detail, name="stay_detail"),
    path("stays/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("stays/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("stays/<int:pk>/move/", views.room_move, name="room_move"),
    path("housekeeping/", housekeeping_views.housekeeping, name="housekeeping"),
    path("housekeeping/partial/", housekeeping_views.housekeeping_partial, name="housekeeping_partial"),
    path(
        "housekeeping/rooms/<str:number>/status/",
        housekeeping_views.set_status,
        name="housekeeping_set_status",
    ),
]
