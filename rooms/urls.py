from django.urls import path

from hotelpbx.core import policy

from .views import board, check_in, guests, housekeeping, reservations, rooms, stays

app_name = "rooms"

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/partial/", board.board_partial, name="board_partial"),
    path("arrivals/", stays.arrivals, name="arrivals"),
    path("departures/", stays.departures, name="departures"),
    path("in-house/", stays.in_house, name="in_house"),
    path("guests/", guests.guest_search, name="guest_search"),
    path("guests/<int:pk>/", guests.guest_detail, name="guest_detail"),
    path("rooms/<str:number>/", rooms.room_detail, name="room_detail"),
    path("rooms/<str:number>/status/", rooms.room_status, name="room_status"),
    path("rooms/<str:number>/dnd/", rooms.room_dnd, name="room_dnd"),
    path("check-in/", check_in.walk_in, name="walk_in"),
    path("check-in/rooms/", check_in.room_suggestions, name="room_suggestions"),
    path("stays/<int:pk>/", stays.stay_detail, name="stay_detail"),
    path("stays/<int:pk>/check-in/", check_in.check_in, name="check_in"),
    path("stays/<int:pk>/check-out/", stays.check_out, name="check_out"),
    path("stays/<int:pk>/move/", stays.room_move, name="room_move"),
    path("reservations/new/", reservations.reservation_new, name="reservation_new"),
    path("stays/<int:pk>/edit/", reservations.reservation_edit, name="reservation_edit"),
    path("stays/<int:pk>/cancel/", reservations.reservation_cancel, name="reservation_cancel"),
    path("stays/<int:pk>/departure/", reservations.change_departure, name="change_departure"),
    path("timeline/", reservations.timeline, name="timeline"),
    path("stays/<int:pk>/notes/", reservations.stay_notes, name="stay_notes"),
    path("stays/<int:pk>/card/", reservations.registration_card, name="registration_card"),
    path("rooms/<str:number>/notes/", reservations.room_notes, name="room_notes"),
    path("housekeeping/", housekeeping.housekeeping, name="housekeeping"),
    path("housekeeping/partial/", housekeeping.housekeeping_partial, name="housekeeping_partial"),
    path("housekeeping/rooms/<str:number>/assign/", housekeeping.assign, name="housekeeping_assign"),
    path(
        "housekeeping/rooms/<str:number>/status/",
        housekeeping.set_status,
        name="housekeeping_set_status",
    ),
]

# the desk's pages beyond today
for _name in (
    "reservation_new",
    "reservation_edit",
    "reservation_cancel",
    "change_departure",
    "timeline",
    "stay_notes",
    "registration_card",
    "room_notes",
):
    policy.register(f"rooms:{_name}", policy.DESK)
# a supervisor may be in housekeeping; the service checks who may assign
policy.register("rooms:housekeeping_assign", policy.EVERY_ROLE)
