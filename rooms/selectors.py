"""Reads for the pages. Each returns everything its page shows in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx import selectors as pbx_selectors

from .models import Guest, HousekeepingStatus, Room, RoomMove, RoomType, ServiceState, Stay, StayStatus


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


def board_rooms(
    filters: BoardFilters | None = None, *, today: date | None = None, annotate: bool = True
) -> list[Room]:
    """Rooms for the board with their in-house stay and flags; 3 queries whatever the size."""
    filters = filters or BoardFilters()
    today = today or hotel_today()
    rooms: QuerySet[Room] = Room.objects.select_related("room_type").prefetch_related(_in_house_prefetch())
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
            | Q(stays__status=StayStatus.IN_HOUSE, stays__guest__last_name__icontains=q)
        ).distinct()
    result = list(rooms.order_by("floor", "number"))
    for room in result:
        stay = room.in_house_stays[0] if room.in_house_stays else None
        room.stay = stay
        room.departing_today = bool(stay and stay.departure <= today)
    if annotate:
        annotate_sync_state(result)
    return result


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


def rooms_by_floor(rooms: list[Room]) -> list[tuple[int, list[Room]]]:
    floors: dict[int, list[Room]] = {}
    for room in rooms:
        floors.setdefault(room.floor, []).append(room)
    return sorted(floors.items())


def board_counts(rooms: list[Room]) -> dict[str, int]:
    occupied = sum(1 for r in rooms if r.stay)
    return {
        "total": len(rooms),
        "occupied": occupied,
        "vacant": len(rooms) - occupied,
        "dirty": sum(1 for r in rooms if r.housekeeping_status == HousekeepingStatus.DIRTY),
        "out": sum(1 for r in rooms if r.service_state != ServiceState.IN_SERVICE),
        "departing": sum(1 for r in rooms if r.departing_today),
    }


def floors() -> list[int]:
    return list(Room.objects.order_by("floor").values_list("floor", flat=True).distinct())


def room_types() -> QuerySet[RoomType]:
    return RoomType.objects.all()


def arrivals_today(today: date | None = None) -> QuerySet[Stay]:
    today = today or hotel_today()
    return (
        Stay.objects.filter(status=StayStatus.RESERVED, arrival__lte=today, departure__gt=today)
        .select_related("guest", "room", "room_type")
        .order_by("arrival", "guest__last_name")
    )


def departures_today(today: date | None = None) -> QuerySet[Stay]:
    today = today or hotel_today()
    return (
        Stay.objects.filter(status=StayStatus.IN_HOUSE, departure__lte=today)
        .select_related("guest", "room", "room__room_type")
        .order_by("room__number")
    )


def in_house(today: date | None = None) -> QuerySet[Stay]:
    return (
        Stay.objects.filter(status=StayStatus.IN_HOUSE)
        .select_related("guest", "room", "room__room_type")
        .order_by("room__number")
    )


def guest_search(query: str, *, limit: int = 50) -> QuerySet[Guest]:
    query = (query or "").strip()
    guests = Guest.objects.all()
    if query:
        terms = query.split()
        for term in terms:
            guests = guests.filter(
                Q(last_name__icontains=term)
                | Q(first_name__icontains=term)
                | Q(email__icontains=term)
                | Q(phone__icontains=term)
                | Q(document_number__iexact=term)
            )
    return guests.prefetch_related(
        Prefetch(
            "stays", queryset=Stay.objects.select_related("room").order_by("-arrival"), to_attr="recent_stays"
        )
    ).order_by("last_name", "first_name")[:limit]


def room_suggestions(*, adults: int = 1, room_type: RoomType | None = None, limit: int = 12) -> list[Room]:
    """Vacant, in-service rooms that fit the party: ready rooms first, the asked-for type first."""
    occupied = Stay.objects.filter(status=StayStatus.IN_HOUSE).values("room_id")
    rooms = (
        Room.objects.filter(service_state=ServiceState.IN_SERVICE, room_type__capacity__gte=adults)
        .exclude(pk__in=occupied)
        .select_related("room_type")
    )
    readiness = {HousekeepingStatus.INSPECTED: 0, HousekeepingStatus.CLEAN: 1, HousekeepingStatus.DIRTY: 2}
    ranked = sorted(
        rooms,
        key=lambda r: (
            0 if room_type is None or r.room_type_id == room_type.pk else 1,
            readiness[r.housekeeping_status],
            r.room_type.capacity,
            r.floor,
            r.number,
        ),
    )
    return ranked[:limit]


def room_history(room: Room, *, limit: int = 50):
    """Status changes, stays and moves of one room, newest first."""
    changes = room.status_changes.select_related("changed_by")[:limit]
    stays = room.stays.select_related("guest").order_by("-arrival")[:limit]
    moves = (room.moves_in.all() | room.moves_out.all()).select_related(
        "stay__guest", "from_room", "to_room"
    )[:limit]
    return {"status_changes": list(changes), "stays": list(stays), "moves": list(moves)}


def housekeeping_rooms(*, floor: int | None = None, today: date | None = None) -> list[Room]:
    """Rooms for the tablet: departures and dirty rooms first, then by number."""
    rooms = board_rooms(BoardFilters(floor=floor), today=today)

    def priority(room: Room) -> tuple:
        if room.departing_today:
            rank = 0
        elif room.housekeeping_status == HousekeepingStatus.DIRTY:
            rank = 1
        elif room.housekeeping_status == HousekeepingStatus.CLEAN:
            rank = 2
        else:
            rank = 3
        return (rank, room.floor, room.number)

    return sorted(rooms, key=priority)


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
