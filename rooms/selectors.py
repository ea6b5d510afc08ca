"""Reads for the pages. Each returns everything its page shows in a fixed number of queries."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx import selectors as pbx_selectors

from .board_tiles import Tile, room_url_pattern
from .models import Guest, HousekeepingStatus, Room, RoomMove, RoomType, ServiceState, Stay, StayStatus
from .search import fold, fold_terms


def _name_matches(query: str, prefix: str = "") -> Q:
    """Every word of the query is in the guest's folded name (accents and case ignored)."""
    condition = Q()
    for term in fold_terms(query):
        condition &= Q(**{f"{prefix}search_name__contains": term})
    return condition


def _in_house_prefetch() -> Prefetch:
    return Prefetch(
        "stays",
        queryset=Stay.objects.filter(status=StayStatus.IN_HOUSE).select_related("guest"),
        to_attr="in_house_stays",
    )


@dataclass(frozen=True)
class BoardFilters:
    floor: int | None = None
    occupancy: str = ""  # "", "vacant", "occupied"
    housekeeping: str = ""  # "", dirty, clean, inspected
    service: str = ""  # "", "out" (out of order or out of service)
    room_type: str = ""  # RoomType.code
    departing: bool = False
    query: str = ""  # room number or guest name


def _board_filtered(rooms: QuerySet[Room], filters: BoardFilters, today: date) -> QuerySet[Room]:
    """The rooms the board's filters let through (the same rules for the tiles and for the tablet)."""
    if filters.floor is not None:
        rooms = rooms.filter(floor=filters.floor)
    if filters.housekeeping:
        rooms = rooms.filter(housekeeping_status=filters.housekeeping)
    if filters.service == "out":
        rooms = rooms.exclude(service_state=ServiceState.IN_SERVICE)
    if filters.room_type:
        rooms = rooms.filter(room_type__code=filters.room_type)
    in_house = Q(stays__status=StayStatus.IN_HOUSE)
    if filters.occupancy == "occupied":
        rooms = rooms.filter(in_house)
    elif filters.occupancy == "vacant":
        rooms = rooms.exclude(pk__in=Stay.objects.filter(status=StayStatus.IN_HOUSE).values("room_id"))
    if filters.departing:
        rooms = rooms.filter(stays__status=StayStatus.IN_HOUSE, stays__departure__lte=today)
    if filters.query:
        q = filters.query.strip()
        rooms = rooms.filter(
            Q(number__istartswith=q)
            | (Q(stays__status=StayStatus.IN_HOUSE) & _name_matches(q, "stays__guest__"))
        ).distinct()
    return rooms


def board_rooms(
    filters: BoardFilters | None = None, *, today: date | None = None, annotate: bool = True
) -> list[Room]:
    """Rooms for the board with their in-house stay and flags; 3 queries whatever the size."""
    filters = filters or BoardFilters()
    today = today or hotel_today()
    rooms: QuerySet[Room] = Room.objects.select_related("room_type", "housekeeper").prefetch_related(
        _in_house_prefetch()
    )
    result = list(_board_filtered(rooms, filters, today).order_by("floor", "number"))
    for room in result:
        stay = room.in_house_stays[0] if room.in_house_stays else None
        room.stay = stay
        room.departing_today = bool(stay and stay.departure <= today)
    if annotate:
        annotate_sync_state(result)
        annotate_holds(result, today=today)
    return result


@dataclass(frozen=True)
class BoardTiles:
    floors: list[tuple[int, list[Tile]]]  # the rooms shown, by floor
    shown: int
    counts: dict[str, int]  # the whole hotel's, whatever the filters


def board_tiles(filters: BoardFilters | None = None, *, today: date | None = None) -> BoardTiles:
    """What the front desk's board shows, as plain values (rooms/board_tiles.py renders them).

    Rows, not model instances: a 1,000-room board built 1,000 Rooms, Stays and Guests per refresh and
    that was most of its cost. Five queries whatever the size (six with a filter)."""
    filters = filters or BoardFilters()
    today = today or hotel_today()
    rows = list(
        Room.objects.order_by("floor", "number").values_list(
            "id", "number", "floor", "extension", "room_type__code", "housekeeping_status",
            "service_state", "service_reason", "service_until", "dnd", "phone_status",
        )
    )  # fmt: skip
    stays: dict[int, tuple[str, bool, date]] = {}
    in_house = Stay.objects.filter(status=StayStatus.IN_HOUSE, room__isnull=False).order_by("arrival", "id")
    for room_id, last_name, vip, departure in in_house.values_list(
        "room_id", "guest__last_name", "guest__vip", "departure"
    ):
        stays.setdefault(room_id, (last_name, vip, departure))  # the first, as Room.current_stay()
    shown_ids = None
    if filters != BoardFilters():
        shown_ids = set(_board_filtered(Room.objects.all(), filters, today).values_list("id", flat=True))
    shown = [row for row in rows if shown_ids is None or row[0] in shown_ids]
    holds = _hold_texts(today)
    sync = pbx_selectors.sync_states(None)  # only open or failed commands: few, whatever the size
    url = room_url_pattern()
    floors: dict[int, list[Tile]] = {}
    vacant, in_sync = (None, False, None), ("in_sync", "")
    for room_id, number, floor, extension, code, hk, service, reason, until, dnd, phone in shown:
        guest, vip, departure = stays.get(room_id, vacant)
        state, message = sync.get(extension, in_sync)
        # positional, in Tile's field order: four times cheaper than keywords, a thousand times a board
        tile = Tile(
            url, number, code, hk, service, reason, until, dnd, phone,
            guest, bool(vip), departure is not None and departure <= today,
            holds.get(room_id, ""), state, message,
        )  # fmt: skip
        floors.setdefault(floor, []).append(tile)
    dirty, in_service = HousekeepingStatus.DIRTY.value, ServiceState.IN_SERVICE.value  # plain str: cheaper ==
    counts = {
        "total": len(rows),
        "occupied": sum(1 for row in rows if row[0] in stays),
        "dirty": sum(1 for row in rows if row[5] == dirty),
        "out": sum(1 for row in rows if row[6] != in_service),
        "departing": sum(1 for stay in stays.values() if stay[2] <= today),
    }
    counts["vacant"] = counts["total"] - counts["occupied"]
    return BoardTiles(floors=sorted(floors.items()), shown=len(shown), counts=counts)


# ----------------------------------------------------------------------------------------------------
# Held rooms: a room assigned to a reservation is kept for that guest
# ----------------------------------------------------------------------------------------------------


def upcoming_holds(today: date | None = None) -> dict[int, Stay]:
    """Room id -> the nearest reservation (arriving today or later, or due and not yet in) holding it."""
    today = today or hotel_today()
    holds: dict[int, Stay] = {}
    reservations = (
        Stay.objects.filter(status=StayStatus.RESERVED, room__isnull=False, departure__gt=today)
        .select_related("guest")
        .order_by("arrival", "eta", "id")
    )
    for stay in reservations:
        holds.setdefault(stay.room_id, stay)
    return holds


def annotate_holds(rooms: list[Room], *, today: date | None = None) -> None:
    """Set `room.held_for` (the reservation holding it, or None) on each room; one query."""
    today = today or hotel_today()
    holds = upcoming_holds(today)
    for room in rooms:
        room.held_for = holds.get(room.pk)
        room.hold_text = hold_description(room.held_for, today=today) if room.held_for else ""
        room.arrival_text = arrival_description(room.held_for, today=today) if room.held_for else ""
        room.arrival_today = bool(room.held_for and room.held_for.arrival <= today)


def hold_conflict(
    room: Room, arrival: date, departure: date, *, excluding: Stay | int | None = None
) -> Stay | None:
    """Another reservation holding this room on some night between `arrival` and `departure`, or None."""
    exclude_pk = getattr(excluding, "pk", excluding)
    return (
        Stay.objects.filter(
            status=StayStatus.RESERVED, room=room, arrival__lt=departure, departure__gt=arrival
        )
        .exclude(pk=exclude_pk)
        .select_related("guest")
        .order_by("arrival", "id")
        .first()
    )


def _arrival_when(arrival: date, eta, today: date) -> str:
    when = "today" if arrival <= today else f"{arrival:%a} {arrival.day} {arrival:%b}"
    return when + (f" at {eta:%H:%M}" if eta else "")


def arrival_description(stay: Stay, *, today: date | None = None) -> str:
    """'Arrival today at 14:00 (VIP)': what housekeeping reads, without the guest's name."""
    when = _arrival_when(stay.arrival, stay.eta, today or hotel_today())
    return f"Arrival {when}" + (" (VIP)" if stay.guest.vip else "")


def _hold_words(last_name: str, vip: bool, arrival: date, eta, today: date) -> str:
    return f"Held for {last_name}{' (VIP)' if vip else ''}, arriving {_arrival_when(arrival, eta, today)}"


def hold_description(stay: Stay, *, today: date | None = None) -> str:
    """'Held for Müller (VIP), arriving today at 14:00' — what the desk and the tablet read."""
    return _hold_words(stay.guest.last_name, stay.guest.vip, stay.arrival, stay.eta, today or hotel_today())


def _hold_texts(today: date) -> dict[int, str]:
    """Room id -> hold_description of the reservation holding it (upcoming_holds' choice), from rows."""
    texts: dict[int, str] = {}
    rows = (
        Stay.objects.filter(status=StayStatus.RESERVED, room__isnull=False, departure__gt=today)
        .order_by("arrival", "eta", "id")
        .values_list("room_id", "guest__last_name", "guest__vip", "arrival", "eta")
    )
    for room_id, last_name, vip, arrival, eta in rows:
        if room_id not in texts:
            texts[room_id] = _hold_words(last_name, vip, arrival, eta, today)
    return texts


def annotate_sync_state(rooms: list[Room]) -> None:
    """Sets `room.pbx_sync` = (state, message): in_sync / pending / failed, in two queries."""
    states = pbx_selectors.sync_states([room.extension for room in rooms])
    for room in rooms:
        room.pbx_sync = states.get(room.extension) or ("in_sync", "")


def rooms_with_stay(extensions: list[str] | None = None) -> list[Room]:
    """Rooms with their in-house stay and guest (for the phone seam): those with these extensions, or
    all with None; 2 queries."""
    rooms = Room.objects.prefetch_related(_in_house_prefetch()).order_by("floor", "number")
    if extensions is not None:
        rooms = rooms.filter(extension__in=extensions)
    return list(rooms)


def floors() -> list[int]:
    return list(Room.objects.order_by("floor").values_list("floor", flat=True).distinct())


def room_types() -> QuerySet[RoomType]:
    return RoomType.objects.all()


def in_house(today: date | None = None, *, query: str = "") -> QuerySet[Stay]:
    """Guests in house by room; `query` is a room number's start or words of the guest's name."""
    stays = Stay.objects.filter(status=StayStatus.IN_HOUSE)
    query = (query or "").strip()
    if query:
        stays = stays.filter(Q(room__number__istartswith=query) | _name_matches(query, "guest__"))
    return stays.select_related("guest", "room", "room__room_type").order_by("room__number")


def in_house_stays_of(
    guest: Guest | None = None,
    *,
    first_name: str = "",
    last_name: str = "",
    arrival: date | None = None,
    departure: date | None = None,
) -> list[Stay]:
    """In-house stays of this guest, or of a guest with the same name (accents and case ignored):
    a walk-in or a reservation for someone already in house is worth a second look. With dates, only
    the in-house stays that overlap them (a guest in house booking next month's stay is not news)."""
    stays = Stay.objects.filter(status=StayStatus.IN_HOUSE).select_related("guest", "room")
    if arrival is not None and departure is not None:
        stays = stays.filter(arrival__lt=departure, departure__gt=arrival)
    if guest is not None:
        return list(stays.filter(guest=guest))
    name = fold(f"{first_name} {last_name}")
    if not fold(last_name):
        return []
    return list(stays.filter(guest__search_name=name))


def guest_search(query: str, *, limit: int = 50) -> QuerySet[Guest]:
    query = (query or "").strip()
    guests = Guest.objects.all()
    if query:
        terms = query.split()
        for term in terms:
            guests = guests.filter(
                Q(search_name__contains=fold(term))
                | Q(email__icontains=term)
                | Q(phone__icontains=term)
                | Q(document_number__iexact=term)
            )
    return guests.prefetch_related(
        Prefetch(
            "stays", queryset=Stay.objects.select_related("room").order_by("-arrival"), to_attr="recent_stays"
        )
    ).order_by("last_name", "first_name")[:limit]


def room_history(room: Room, *, limit: int = 50):
    """Status changes, stays and moves of one room, newest first."""
    changes = room.status_changes.select_related("changed_by")[:limit]
    stays = room.stays.select_related("guest").order_by("-arrival")[:limit]
    moves = (room.moves_in.all() | room.moves_out.all()).select_related(
        "stay__guest", "from_room", "to_room"
    )[:limit]
    return {"status_changes": list(changes), "stays": list(stays), "moves": list(moves)}


def housekeeping_rooms(*, floor: int | None = None, today: date | None = None, user=None) -> list[Room]:
    """Rooms for the tablet, in the order the work matters now: vacant dirty rooms needed for today's
    arrivals, other vacant dirty rooms, departures still occupied, other dirty rooms, rooms to inspect,
    then the rest. The rooms assigned to `user` today come first ("my rooms")."""
    today = today or hotel_today()
    rooms = board_rooms(BoardFilters(floor=floor), today=today)

    def priority(room: Room) -> tuple:
        dirty = room.housekeeping_status == HousekeepingStatus.DIRTY
        vacant = room.stay is None
        if vacant and dirty and room.arrival_today:
            rank = 0
        elif vacant and dirty and room.in_service:
            rank = 1
        elif room.departing_today:
            rank = 2
        elif dirty:
            rank = 3
        elif room.housekeeping_status == HousekeepingStatus.CLEAN:
            rank = 4
        else:
            rank = 5
        return (not room.mine, rank, room.floor, room.number)

    for room in rooms:
        assigned = room.housekeeper_id if room.housekeeper_on == today else None
        room.assignee = room.housekeeper if assigned else None
        room.mine = bool(assigned and user is not None and assigned == getattr(user, "pk", None))
        room.work_rank = priority(room)[1]
    return sorted(rooms, key=priority)


def housekeepers() -> list:
    """Staff who can be given rooms: the members of the Housekeeping group."""
    from django.contrib.auth import get_user_model

    from hotelpbx.core.roles import Role

    return list(
        get_user_model()
        .objects.filter(groups__name=Role.HOUSEKEEPING.label, is_active=True)
        .order_by("first_name", "username")
        .distinct()
    )


# ----------------------------------------------------------------------------------------------------
# Front-desk pages
# ----------------------------------------------------------------------------------------------------


def room_page(number: str, *, today: date | None = None) -> Room | None:
    """One room as the board shows it (stay, departing flag, PBX sync state), or None."""
    today = today or hotel_today()
    room = (
        Room.objects.select_related("room_type")
        .prefetch_related(_in_house_prefetch())
        .filter(number=number)
        .first()
    )
    if room is None:
        return None
    room.stay = room.in_house_stays[0] if room.in_house_stays else None
    room.departing_today = bool(room.stay and room.stay.departure <= today)
    annotate_sync_state([room])
    return room


def stay_page(pk: int) -> Stay | None:
    """A stay with everyone and everything its page names."""
    return (
        Stay.objects.select_related(
            "guest", "room", "room__room_type", "room_type", "checked_in_by", "checked_out_by"
        )
        .prefetch_related(
            Prefetch("moves", queryset=RoomMove.objects.select_related("from_room", "to_room", "moved_by"))
        )
        .filter(pk=pk)
        .first()
    )


def guest_stays(guest: Guest) -> QuerySet[Stay]:
    return guest.stays.select_related("room", "room_type").order_by("-arrival", "-id")


def _room_at(stay: Stay, moment) -> int | None:
    """The room a stay held at a moment, from its moves (prefetched, oldest first)."""
    moves = stay.moves_by_time
    if not moves:
        return stay.room_id
    room_id = moves[0].from_room_id
    for move in moves:
        if move.moved_at <= moment:
            room_id = move.to_room_id
    return room_id


def stay_in_room_at(room: Room, moment) -> Stay | None:
    """The stay that held the room at that moment, room moves included (who made a call from it)."""
    from datetime import timedelta

    from .models import RoomMove

    if moment is None:
        return None
    # reports carry whole seconds: a call in the second of the check-in belongs to that stay
    candidates = (
        Stay.objects.filter(checked_in_at__lt=moment + timedelta(seconds=1))
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=moment))
        .filter(Q(room=room) | Q(moves__from_room=room) | Q(moves__to_room=room))
        .distinct()
        .prefetch_related(
            Prefetch("moves", queryset=RoomMove.objects.order_by("moved_at"), to_attr="moves_by_time")
        )
        .order_by("-checked_in_at")
    )
    return next((stay for stay in candidates if _room_at(stay, moment) == room.pk), None)


# ----------------------------------------------------------------------------------------------------
# The room picker
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickerFilters:
    floor: int | None = None
    room_type: str = ""  # RoomType.code
    feature: str = ""


@dataclass
class RoomPicker:
    """Rooms for one guest's dates and party. `rooms` are the choices (pickable first), each with
    `fit` ('' booked type, 'Upgrade', 'Downgrade', 'Other type'), `problem` (why it cannot be picked)
    and `warning` (not ready, may be confirmed); `held` are rooms kept for another reservation,
    each with `held_for` and `hold_text`."""

    rooms: list[Room]
    held: list[Room]
    more: int = 0

    @property
    def best(self) -> Room | None:
        return next((r for r in self.rooms if not r.problem and not r.warning), None)


_FIT_ORDER = {"": 0, "Upgrade": 1, "Other type": 2, "Downgrade": 3}


def _fit(room: Room, booked: RoomType | None) -> str:
    if booked is None or room.room_type_id == booked.pk:
        return ""
    rate, booked_rate = Decimal(str(room.room_type.rack_rate)), Decimal(str(booked.rack_rate))
    if rate > booked_rate:
        return "Upgrade"
    if rate < booked_rate:
        return "Downgrade"
    return "Other type"


def _picker_problem(room: Room, arrival: date, today: date, in_house: Stay | None) -> tuple[str, str]:
    """(why the room cannot be picked, a warning the desk may confirm) for a stay from `arrival`."""
    from .services import room_readiness_problem  # the rule lives with the writes

    if in_house is not None and (arrival <= today or in_house.departure > arrival):
        return f"Occupied by {in_house.guest.last_name} until {in_house.departure:%-d %b}", ""
    back_before_arrival = room.service_until is not None and room.service_until < arrival
    if not room.in_service and (arrival <= today or not back_before_arrival):
        reason = f": {room.service_reason}" if room.service_reason else ""
        return f"{room.get_service_state_display()}{reason}", ""
    if arrival <= today:
        problem = room_readiness_problem(room)
        if problem:
            from django.conf import settings

            if settings.CHECKIN_ROOM_READINESS == "warn":
                return "", problem.replace(f"Room {room.number} is", "Not ready:")
            return problem.replace(f"Room {room.number} is", "Not ready:"), ""
    return "", ""


def room_picker(
    *,
    adults: int = 1,
    room_type: RoomType | None = None,
    arrival: date | None = None,
    departure: date | None = None,
    stay: Stay | None = None,
    filters: PickerFilters | None = None,
    keep: str = "",
    limit: int = 60,
    today: date | None = None,
) -> RoomPicker:
    """Every room that fits the party for these dates, ready ones first, the booked type first; rooms
    that cannot be picked come with the reason. Rooms held for another reservation are set apart.
    A fixed number of queries whatever the size of the hotel."""
    today = today or hotel_today()
    arrival = arrival or today
    departure = departure or arrival + timedelta(days=1)
    filters = filters or PickerFilters()
    rooms = (
        Room.objects.filter(room_type__capacity__gte=adults)
        .select_related("room_type")
        .prefetch_related(_in_house_prefetch())
    )
    if filters.floor is not None:
        rooms = rooms.filter(floor=filters.floor)
    if filters.room_type:
        rooms = rooms.filter(room_type__code=filters.room_type)
    if filters.feature:
        rooms = rooms.filter(features__icontains=filters.feature.strip())
    holds: dict[int, Stay] = {}
    overlapping = (
        Stay.objects.filter(
            status=StayStatus.RESERVED, room__isnull=False, arrival__lt=departure, departure__gt=arrival
        )
        .exclude(pk=getattr(stay, "pk", None))
        .select_related("guest")
        .order_by("arrival", "id")
    )
    for other in overlapping:
        holds.setdefault(other.room_id, other)
    choices, held = [], []
    own_room = getattr(stay, "room_id", None)
    for room in rooms:
        in_house_stay = room.in_house_stays[0] if room.in_house_stays else None
        if in_house_stay is not None and stay is not None and in_house_stay.pk == stay.pk:
            continue  # the guest's own room (a move)
        room.fit = _fit(room, room_type)
        room.problem, room.warning = _picker_problem(room, arrival, today, in_house_stay)
        room.held_for = holds.get(room.pk)
        if room.held_for is not None and room.pk != own_room:
            room.hold_text = hold_description(room.held_for, today=today)
            held.append(room)
        else:
            choices.append(room)
    readiness = {HousekeepingStatus.INSPECTED: 0, HousekeepingStatus.CLEAN: 1, HousekeepingStatus.DIRTY: 2}
    choices.sort(
        key=lambda r: (
            bool(r.problem),
            bool(r.warning),
            _FIT_ORDER[r.fit],
            readiness[r.housekeeping_status],
            r.room_type.capacity,
            r.floor,
            r.number,
        )
    )
    shown = choices[:limit]
    if keep and all(r.number != keep for r in shown):
        shown += [r for r in choices[limit:] if r.number == keep]
    return RoomPicker(rooms=shown, held=held, more=len(choices) - len(shown))


# ----------------------------------------------------------------------------------------------------
# Availability: room types by night, and the rooms x days timeline
# ----------------------------------------------------------------------------------------------------


def _nights(arrival: date, departure: date) -> list[date]:
    return [arrival + timedelta(days=i) for i in range((departure - arrival).days)]


def full_nights(
    room_type: RoomType, arrival: date, departure: date, *, excluding: Stay | int | None = None
) -> list[date]:
    """Nights between the dates on which every room of the type that can take a guest is already
    booked or occupied (one more stay would overbook). Two queries."""
    if departure <= arrival:
        return []
    exclude_pk = getattr(excluding, "pk", excluding)
    stays = (
        Stay.objects.filter(
            status__in=[StayStatus.RESERVED, StayStatus.IN_HOUSE],
            arrival__lt=departure,
            departure__gt=arrival,
        )
        .filter(Q(room__room_type=room_type) | Q(room__isnull=True, room_type=room_type))
        .exclude(pk=exclude_pk)
        .values_list("arrival", "departure")
    )
    rooms = list(Room.objects.filter(room_type=room_type).values_list("service_state", "service_until"))
    # a sweep over the dates where the count of stays or of usable rooms changes, not night by night:
    # the work follows the stays and rooms, not the length of the stay asked (years cost no more)
    booked_delta: dict[date, int] = {}
    for start, end in stays:
        start, end = max(start, arrival), min(end, departure)
        if start < end:
            booked_delta[start] = booked_delta.get(start, 0) + 1
            booked_delta[end] = booked_delta.get(end, 0) - 1
    usable, usable_delta = 0, {}
    last_night = departure - timedelta(days=1)
    for state, until in rooms:
        if state == ServiceState.IN_SERVICE or (until is not None and until < arrival):
            usable += 1
        elif until is not None and until < last_night:  # back in service the night after `until`
            back = until + timedelta(days=1)
            usable_delta[back] = usable_delta.get(back, 0) + 1
    points = sorted({arrival, departure, *booked_delta, *usable_delta})
    booked, full = 0, []
    for start, end in itertools.pairwise(points):
        booked += booked_delta.get(start, 0)
        usable += usable_delta.get(start, 0)
        if booked >= usable:
            full.extend(_nights(start, end))
    return full


@dataclass
class TimelineRow:
    room: Room
    cells: list[dict]


def availability_timeline(start: date, days: int = 14, *, floor: int | None = None) -> dict:
    """Rooms x days from `start`: each cell says occupied (in house), reserved, out of order or free,
    with the stay it belongs to. A fixed number of queries whatever the size of the hotel."""
    end = start + timedelta(days=days)
    dates = _nights(start, end)
    rooms = Room.objects.select_related("room_type").order_by("floor", "number")
    if floor is not None:
        rooms = rooms.filter(floor=floor)
    rooms = list(rooms)
    by_room: dict[int, list[Stay]] = {}
    stays = (
        Stay.objects.filter(
            # a guest still in house past the departure day is in the room today (tonight is not for
            # sale until they leave); one leaving today frees tonight, as every hotel sells it
            Q(departure__gt=start) | Q(status=StayStatus.IN_HOUSE),
            status__in=[StayStatus.RESERVED, StayStatus.IN_HOUSE],
            room__isnull=False,
            arrival__lt=end,
        )
        .select_related("guest")
        .order_by("arrival")
    )
    today = hotel_today()
    for stay in stays:
        by_room.setdefault(stay.room_id, []).append(stay)
    rows = []
    for room in rooms:
        cells = []
        for day in dates:
            stay = next(
                (
                    s
                    for s in by_room.get(room.pk, [])
                    if s.arrival <= day < s.departure
                    or (s.status == StayStatus.IN_HOUSE and s.departure < day == today)
                ),
                None,
            )
            out = room.service_state != ServiceState.IN_SERVICE and (
                room.service_until is None or room.service_until >= day
            )
            if stay is not None:
                state = "occupied" if stay.status == StayStatus.IN_HOUSE else "reserved"
            elif out:
                state = "out"
            else:
                state = "free"
            cells.append(
                {"day": day, "state": state, "stay": stay, "starts": stay is not None and stay.arrival == day}
            )
        rows.append(TimelineRow(room=room, cells=cells))
    unassigned = (
        Stay.objects.filter(
            status=StayStatus.RESERVED, room__isnull=True, arrival__lt=end, departure__gt=start
        )
        .select_related("guest", "room_type")
        .order_by("arrival", "id")
    )
    return {"dates": dates, "rows": rows, "unassigned": list(unassigned), "start": start, "end": end}


def arrivals_on(day: date) -> QuerySet[Stay]:
    """Reservations arriving that day; today's list also keeps the late ones from before."""
    today = hotel_today()
    stays = Stay.objects.filter(status=StayStatus.RESERVED)
    stays = stays.filter(arrival__lte=day, departure__gt=day) if day <= today else stays.filter(arrival=day)
    return stays.select_related("guest", "room", "room_type").order_by("arrival", "guest__last_name")


def departures_on(day: date) -> QuerySet[Stay]:
    """Guests leaving that day: in house (today: overdue ones too), or reservations ending then."""
    today = hotel_today()
    if day <= today:
        stays = Stay.objects.filter(status=StayStatus.IN_HOUSE, departure__lte=day)
        if day < today:
            stays = Stay.objects.filter(
                status__in=[StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT], departure=day
            )
    else:
        stays = Stay.objects.filter(status__in=[StayStatus.IN_HOUSE, StayStatus.RESERVED], departure=day)
    return stays.select_related("guest", "room", "room__room_type").order_by("room__number")
