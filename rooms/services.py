"""Writes with the hotel's rules. Every staff action leaves an audit entry; every change that the
room phone should reflect goes to the PBX seam (rooms.phone) in the same transaction."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotelpbx.core.audit import audit_record
from hotelpbx.core.timeutil import hotel_today

from .errors import (
    InvalidTransition,
    NotPermitted,
    Overbooked,
    RoomHeld,
    RoomNotAvailable,
    RoomNotReady,
    RoomRuleError,
    StayStateError,
)
from .models import (
    NOTES_MAX,
    Guest,
    HousekeepingStatus,
    PhoneClass,
    Room,
    RoomMove,
    RoomStatusChange,
    RoomStatusTarget,
    RoomType,
    ServiceState,
    StatusSource,
    Stay,
    StayStatus,
)
from .phone import PhoneChange, phone_sync
from .rules import housekeeping_refusal, inspection_refusal, is_housekeeping_supervisor
from .selectors import full_nights, hold_conflict, hold_description
from .signals import (
    room_status_changed,
    stay_cancelled,
    stay_changed,
    stay_checked_in,
    stay_checked_out,
    stay_dates_changed,
    stay_moved,
)

# ----------------------------------------------------------------------------------------------------
# Room status
# ----------------------------------------------------------------------------------------------------


# Housekeeping moves a room dirty -> clean -> inspected; any used or re-checked room goes back to dirty.
HOUSEKEEPING_TRANSITIONS: dict[str, set[str]] = {
    HousekeepingStatus.DIRTY: {HousekeepingStatus.CLEAN},
    HousekeepingStatus.CLEAN: {HousekeepingStatus.INSPECTED, HousekeepingStatus.DIRTY},
    HousekeepingStatus.INSPECTED: {HousekeepingStatus.DIRTY},
}


def _refuse_housekeeping(current: str, target: str) -> str:
    if current == target:
        return f"The room is already {current}."
    if current == HousekeepingStatus.DIRTY and target == HousekeepingStatus.INSPECTED:
        return "A dirty room must be cleaned before it can be inspected."
    if current == HousekeepingStatus.INSPECTED and target == HousekeepingStatus.CLEAN:
        return "The room is already inspected; mark it dirty first if it needs cleaning again."
    return f"A room cannot go from {current} to {target}."


def _record_status_change(room: Room, before: str, after: str, *, by, source: str, reason: str = "") -> None:
    RoomStatusChange.objects.create(
        room=room,
        from_status=before,
        to_status=after,
        reason=reason,
        changed_by=by if getattr(by, "is_authenticated", False) else None,
        source=source,
    )


def room_set_status(
    *,
    room: Room,
    status: str,
    by=None,
    source: str = StatusSource.DESK,
    reason: str = "",
    until: date | None = None,
) -> Room:
    """Change a room's housekeeping or service status; valid transitions only, history kept."""
    if status not in RoomStatusTarget.values:
        raise InvalidTransition(f"Unknown room status {status!r}.")
    target = RoomStatusTarget(status)
    reason = (reason or "").strip()
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if target.is_housekeeping:
            before = room.housekeeping_status
            if status not in HOUSEKEEPING_TRANSITIONS[before]:
                raise InvalidTransition(_refuse_housekeeping(before, status))
            room.housekeeping_status = status
            room.save(update_fields=["housekeeping_status", "updated_at"])
            change = PhoneChange.HOUSEKEEPING
        elif target.takes_out_of_service:
            before = room.service_state
            if before == status:
                raise InvalidTransition(f"The room is already {ServiceState(status).label.lower()}.")
            if not reason:
                raise RoomRuleError("Say why the room is taken out of service (a reason is required).")
            if until is not None and until < hotel_today():
                raise RoomRuleError("The 'until' date is in the past.")
            if room.is_occupied:
                raise InvalidTransition(
                    "The room is occupied: move the guest or check them out before taking it out of service."
                )
            room.service_state, room.service_reason, room.service_until = status, reason, until
            room.save(update_fields=["service_state", "service_reason", "service_until", "updated_at"])
            change = PhoneChange.SERVICE
        else:  # back in service: maintenance leaves a room that must be cleaned
            before = room.service_state
            if before == ServiceState.IN_SERVICE:
                raise InvalidTransition("The room is already in service.")
            room.service_state, room.service_reason, room.service_until = ServiceState.IN_SERVICE, "", None
            room.housekeeping_status = HousekeepingStatus.DIRTY
            room.save(
                update_fields=[
                    "service_state",
                    "service_reason",
                    "service_until",
                    "housekeeping_status",
                    "updated_at",
                ]
            )
            change = PhoneChange.SERVICE
        _record_status_change(room, before, status, by=by, source=source, reason=reason)
        audit_record(
            actor=by,
            action="room.status",
            source=source,
            room=room,
            obj=room,
            summary=f"Room {room.number}: {before} -> {status}" + (f" ({reason})" if reason else ""),
        )
        phone_sync(room, change=change)
        room_status_changed.send(
            Room, room=room, from_status=before, to_status=status, field=change, source=source
        )
    return room


def room_staff_set_status(
    *,
    room: Room,
    status: str,
    by=None,
    housekeeping: bool = False,
    reason: str = "",
    until: date | None = None,
) -> Room:
    """A member of staff asks for a room status, from the desk, the tablet or the API. Housekeeping's
    requests are recorded as from the tablet and may not take a room out of service or put it back
    (rules.housekeeping_refusal: raises NotPermitted), nor mark it inspected when the hotel keeps that
    for supervisors (HOUSEKEEPING_INSPECTION); the change itself is `room_set_status`."""
    if housekeeping and (refusal := housekeeping_refusal(room, status)):
        raise NotPermitted(refusal)
    if housekeeping and (refusal := inspection_refusal(status, supervisor=is_housekeeping_supervisor(by))):
        raise NotPermitted(refusal)
    source = StatusSource.TABLET if housekeeping else StatusSource.DESK
    return room_set_status(room=room, status=status, by=by, source=source, reason=reason, until=until)


def room_set_dnd(*, room: Room, dnd: bool, by=None, source: str = StatusSource.DESK) -> Room:
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if room.dnd == dnd:
            return room
        room.dnd = dnd
        room.save(update_fields=["dnd", "updated_at"])
        audit_record(
            actor=by,
            action="room.dnd",
            source=source,
            room=room,
            obj=room,
            summary=f"Room {room.number}: do-not-disturb {'on' if dnd else 'off'}",
        )
        phone_sync(room, change=PhoneChange.DND)
        room_status_changed.send(
            Room,
            room=room,
            from_status=str(not dnd).lower(),
            to_status=str(dnd).lower(),
            field="dnd",
            source=source,
        )
    return room


def rooms_mark_occupied_dirty() -> int:
    """Nightly: every occupied room needs service tomorrow. Returns how many rooms changed."""
    changed = 0
    occupied = Room.objects.filter(stays__status=StayStatus.IN_HOUSE).exclude(
        housekeeping_status=HousekeepingStatus.DIRTY
    )
    for room in occupied:
        try:
            room_set_status(room=room, status=RoomStatusTarget.DIRTY, source=StatusSource.SYSTEM)
            changed += 1
        except InvalidTransition:
            continue  # turned dirty meanwhile
    return changed


# ----------------------------------------------------------------------------------------------------
# Guests and stays
# ----------------------------------------------------------------------------------------------------


def guest_create(*, by=None, **fields) -> Guest:
    guest = Guest(**fields)
    guest.full_clean()
    with transaction.atomic():
        guest.save()
        audit_record(actor=by, action="guest.create", obj=guest, summary=f"Guest {guest.full_name} created")
    return guest


GUEST_FIELDS = ("first_name", "last_name", "language", "vip", "email", "phone", "document_number")


def guest_update(*, guest: Guest, by=None, **changes) -> Guest:
    """Correct a guest's details. The phone of a room the guest is in shows the new name; whoever
    listens hears that the guest's open stays changed."""
    unknown = set(changes) - set(GUEST_FIELDS)
    if unknown:
        raise ValueError(f"Not a guest field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        guest = Guest.objects.select_for_update().get(pk=guest.pk)
        changed = [name for name, value in changes.items() if getattr(guest, name) != value]
        if not changed:
            return guest
        for name in changed:
            setattr(guest, name, changes[name])
        guest.full_clean()
        guest.save()
        summary = f"Guest {guest.full_name}: {', '.join(changed)} changed"
        audit_record(actor=by, action="guest.update", obj=guest, summary=summary)
        open_stays = guest.stays.filter(status__in=(StayStatus.RESERVED, StayStatus.IN_HOUSE))
        for stay in open_stays.select_related("room"):
            if stay.status == StayStatus.IN_HOUSE and {"first_name", "last_name"} & set(changed):
                phone_sync(stay.room, change=PhoneChange.GUEST)
            stay_changed.send(Stay, stay=stay, changed=["guest"])
    return guest


def _validate_dates(arrival: date, departure: date) -> None:
    if departure <= arrival:
        raise RoomRuleError("The departure date must be after the arrival date.")


def stay_reserve(
    *,
    guest: Guest,
    arrival: date,
    departure: date,
    room_type: RoomType | None = None,
    room: Room | None = None,
    adults: int = 1,
    phone_class: str = PhoneClass.NATIONAL,
    sharers=(),
    by=None,
    hold_override: str = "",
    overbook_reason: str = "",
    check_overbooking: bool = True,
    eta=None,
    notes: str = "",
) -> Stay:
    """A reservation. A room kept for another reservation on those nights needs `hold_override`; a room
    type already full on some night needs `overbook_reason` (both audited). A walk-in, standing at the
    desk in front of a free room, passes check_overbooking=False."""
    _validate_dates(arrival, departure)
    if phone_class not in PhoneClass.values:
        raise RoomRuleError(f"Unknown class of phone service {phone_class!r}.")
    with transaction.atomic():
        if room is not None:
            _respect_holds(
                room, arrival, departure, stay=None, guest_name=guest.full_name, override=hold_override, by=by
            )
        booked_type = room.room_type if room else room_type
        if check_overbooking and booked_type is not None:
            _refuse_overbooking(
                booked_type,
                arrival,
                departure,
                stay=None,
                guest_name=guest.full_name,
                reason=overbook_reason,
                by=by,
            )
        stay = Stay.objects.create(
            guest=guest,
            arrival=arrival,
            departure=departure,
            room=room,
            room_type=room_type or (room.room_type if room else None),
            adults=adults,
            phone_class=phone_class,
            eta=eta,
            notes=notes or "",
        )
        if sharers:
            stay.sharers.set(sharers)
        audit_record(
            actor=by,
            action="stay.reserve",
            room=room,
            obj=stay,
            summary=f"Reservation for {guest.full_name}, {arrival} to {departure}",
        )
    return stay


def room_readiness_problem(room: Room) -> str | None:
    """Why the room is not ready for a guest under CHECKIN_ROOM_READINESS, or None."""
    policy = settings.CHECKIN_ROOM_READINESS
    if policy == "require_inspected" and room.housekeeping_status != HousekeepingStatus.INSPECTED:
        return f"Room {room.number} is {room.housekeeping_status}; only inspected rooms may be checked into."
    if room.housekeeping_status == HousekeepingStatus.DIRTY:
        return f"Room {room.number} is dirty."
    if policy == "warn" and room.housekeeping_status != HousekeepingStatus.INSPECTED:
        return f"Room {room.number} is clean but not inspected."
    return None


def _ensure_room_can_take_guest(room: Room, *, confirm_not_ready: bool) -> None:
    if not room.in_service:
        raise RoomNotAvailable(
            f"Room {room.number} is {room.get_service_state_display().lower()}"
            + (f" ({room.service_reason})" if room.service_reason else "")
            + "; choose another room."
        )
    if room.is_occupied:
        raise RoomNotAvailable(f"Room {room.number} is occupied; choose another room.")
    problem = room_readiness_problem(room)
    if problem is None:
        return
    if settings.CHECKIN_ROOM_READINESS == "warn":
        if not confirm_not_ready:
            raise RoomNotReady(problem + " Confirm to check in anyway.", confirmable=True)
        return
    raise RoomNotReady(problem + " Choose a ready room or ask housekeeping.")


def _respect_holds(
    room: Room, arrival: date, departure: date, *, stay: Stay | None, guest_name: str, override: str, by
) -> None:
    """A room kept for another reservation on these nights is refused, unless the desk says why it takes
    it anyway (audited; the other reservation's check-in will then say its room was taken)."""
    other = hold_conflict(room, arrival, departure, excluding=stay)
    if other is None:
        return
    held = hold_description(other)
    if not (override or "").strip():
        refusal = f"Room {room.number} is {held[0].lower()}{held[1:]}. Choose another room"
        raise RoomHeld(
            f"{refusal}, or give a reason to take it anyway.", held_for=other, api_message=f"{refusal}."
        )
    audit_record(
        actor=by,
        action="room.hold_override",
        room=room,
        obj=other,
        summary=f"Room {room.number} ({held[0].lower()}{held[1:]}) given to {guest_name}: {override.strip()}",
    )


def _nights_text(nights: list[date]) -> str:
    shown = ", ".join(f"{n:%a} {n.day} {n:%b}" for n in nights[:3])
    return shown + (f" and {len(nights) - 3} more night(s)" if len(nights) > 3 else "")


def _refuse_overbooking(
    room_type: RoomType,
    arrival: date,
    departure: date,
    *,
    stay: Stay | None,
    guest_name: str,
    reason: str,
    by,
) -> None:
    """Every room of the type taken on some night: refused, unless the desk gives a reason (audited)."""
    full = full_nights(room_type, arrival, departure, excluding=stay)
    if not full:
        return
    if not (reason or "").strip():
        refusal = (
            f"Every {room_type.name} room is taken on {_nights_text(full)}. "
            "Choose other dates or another room type"
        )
        raise Overbooked(f"{refusal}, or give a reason to overbook.", api_message=f"{refusal}.")
    audit_record(
        actor=by,
        action="stay.overbook",
        obj=stay,
        summary=f"{room_type.code} overbooked on {_nights_text(full)} for {guest_name}: {reason.strip()}",
    )


def _new_voicemail_pin() -> str:
    return f"{secrets.randbelow(10**4):04d}"


def stay_check_in(
    *,
    stay: Stay,
    room: Room | None = None,
    by=None,
    confirm_not_ready: bool = False,
    source: str = StatusSource.DESK,
    phone_class: str | None = None,
    hold_override: str = "",
    _holds_checked: bool = False,
) -> Stay:
    """Reserved stay -> in house in a vacant, in-service, ready room. A fresh voicemail PIN is made.
    `phone_class` changes the booked class of phone service at the desk. A room kept for another
    reservation needs `hold_override`, the reason to take it anyway."""
    with transaction.atomic():
        stay = Stay.objects.select_for_update().get(pk=stay.pk)
        if stay.status != StayStatus.RESERVED:
            raise StayStateError(
                f"This stay is {stay.get_status_display().lower()}; only reservations check in."
            )
        if stay.arrival > hotel_today():
            # an in-house stay arriving later would miss from today's lists and its nights' checks
            raise StayStateError(
                f"{stay.guest.full_name} is booked to arrive on {stay.arrival:%a} {stay.arrival.day} "
                f"{stay.arrival:%b}. To check in early, first change the reservation's arrival to today."
            )
        room = room or stay.room
        if room is None:
            raise RoomRuleError("Choose a room for this guest.")
        room = Room.objects.select_for_update().get(pk=room.pk)
        _ensure_room_can_take_guest(room, confirm_not_ready=confirm_not_ready)
        if not _holds_checked:
            _respect_holds(
                room,
                hotel_today(),
                stay.departure,
                stay=stay,
                guest_name=stay.guest.full_name,
                override=hold_override,
                by=by,
            )
        stay.room = room
        stay.room_type = stay.room_type or room.room_type
        stay.status = StayStatus.IN_HOUSE
        stay.checked_in_at = timezone.now()
        stay.checked_in_by = by if getattr(by, "is_authenticated", False) else None
        stay.voicemail_pin = _new_voicemail_pin()
        if phone_class is not None:
            if phone_class not in PhoneClass.values:
                raise RoomRuleError(f"Unknown class of phone service {phone_class!r}.")
            stay.phone_class = phone_class
        try:
            with transaction.atomic():
                stay.save()
        except IntegrityError as exc:  # another desk checked someone into this room a moment ago
            raise RoomNotAvailable(f"Room {room.number} was just taken; choose another room.") from exc
        # occupancy is derived from stays; saving the room dates its change for incremental readers
        room.dnd = False
        room.save(update_fields=["dnd", "updated_at"])
        audit_record(
            actor=by,
            action="stay.check_in",
            source=source,
            room=room,
            obj=stay,
            summary=f"{stay.guest.full_name} checked in to room {room.number}",
        )
        phone_sync(room, change=PhoneChange.CHECK_IN)
        stay_checked_in.send(Stay, stay=stay)
    return stay


def stay_walk_in(
    *,
    room: Room,
    departure: date,
    guest: Guest | None = None,
    new_guest: dict | None = None,
    phone_class: str = PhoneClass.NATIONAL,
    adults: int = 1,
    by=None,
    confirm_not_ready: bool = False,
    hold_override: str = "",
) -> Stay:
    """A guest without a reservation, checked in today: an existing `guest`, or a new one made from the
    `new_guest` fields (Guest.full_clean: raises ValidationError). The guest, the stay and the check-in are
    one transaction, so a refused check-in leaves neither a new guest nor a reservation behind."""
    if (guest is None) == (new_guest is None):
        raise ValueError("Give either an existing guest or the fields of a new one.")
    with transaction.atomic():
        if guest is None:
            guest = guest_create(by=by, **new_guest)
        stay = stay_reserve(
            guest=guest,
            arrival=hotel_today(),
            departure=departure,
            room=room,
            adults=adults,
            phone_class=phone_class,
            by=by,
            hold_override=hold_override,
            check_overbooking=False,
        )
        # the reservation just made checked the hold (and audited any override)
        return stay_check_in(
            stay=stay, room=room, by=by, confirm_not_ready=confirm_not_ready, _holds_checked=True
        )


def _close_stay_room(stay: Stay, room: Room, *, by, source: str) -> None:
    """The room a guest leaves turns vacant-dirty and its phone is reset."""
    before = room.housekeeping_status
    room.dnd = False
    room.housekeeping_status = HousekeepingStatus.DIRTY
    room.save(update_fields=["dnd", "housekeeping_status", "updated_at"])
    if before != HousekeepingStatus.DIRTY:
        _record_status_change(
            room, before, HousekeepingStatus.DIRTY, by=by, source=source, reason="guest departed"
        )


# Check-out guards: other apps (billing: the folio must be settled) register a callable here. Each is
# called as guard(stay=..., by=...) inside the check-out transaction with the stay row locked, and refuses
# by raising RoomRuleError. Rooms imports no app that registers one.
CHECK_OUT_GUARDS: list = []


def register_check_out_guard(guard) -> None:
    if guard not in CHECK_OUT_GUARDS:
        CHECK_OUT_GUARDS.append(guard)


def stay_check_out(
    *, stay: Stay, by=None, source: str = StatusSource.DESK, early_departure_reason: str = ""
) -> Stay:
    """In house -> checked out, exactly once even when two desks press the button together."""
    with transaction.atomic():
        stay = Stay.objects.select_for_update().select_related("guest").get(pk=stay.pk)
        if stay.status != StayStatus.IN_HOUSE:
            when = f" at {timezone.localtime(stay.checked_out_at):%H:%M}" if stay.checked_out_at else ""
            raise StayStateError(f"This stay is already {stay.get_status_display().lower()}{when}.")
        room = Room.objects.select_for_update().get(pk=stay.room_id)
        for guard in CHECK_OUT_GUARDS:
            guard(stay=stay, by=by)
        today = hotel_today()
        stay.status = StayStatus.CHECKED_OUT
        stay.checked_out_at = timezone.now()
        stay.checked_out_by = by if getattr(by, "is_authenticated", False) else None
        if today < stay.departure:
            stay.early_departure = True
            # the stay keeps at least one night: a same-day departure still counts as one
            stay.departure = max(today, stay.arrival + timedelta(days=1))
            if early_departure_reason:
                stay.notes = (
                    stay.notes + "\n" if stay.notes else ""
                ) + f"Early departure: {early_departure_reason}"
        stay.save()
        _close_stay_room(stay, room, by=by, source=source)
        audit_record(
            actor=by,
            action="stay.check_out",
            source=source,
            room=room,
            obj=stay,
            summary=f"{stay.guest.full_name} checked out of room {room.number}"
            + (" (early departure)" if stay.early_departure else ""),
        )
        phone_sync(room, change=PhoneChange.CHECK_OUT)
        stay_checked_out.send(sender=Stay, stay=stay, room=room, by=by)
    return stay


def stay_depart_early(*, stay: Stay, reason: str, by=None) -> Stay:
    """A guest leaves before the planned departure: check out now and record why."""
    if not (reason or "").strip():
        raise RoomRuleError("Give a reason for the early departure.")
    if stay.departure <= hotel_today():
        raise StayStateError("This guest is due to leave today or is overdue; use a normal check-out.")
    return stay_check_out(stay=stay, by=by, early_departure_reason=reason.strip())


def stay_cancel(*, stay: Stay, reason: str = "", by=None) -> Stay:
    with transaction.atomic():
        stay = Stay.objects.select_for_update().get(pk=stay.pk)
        if stay.status != StayStatus.RESERVED:
            raise StayStateError(
                f"Only reservations can be cancelled; this stay is {stay.get_status_display()}."
            )
        stay.status = StayStatus.CANCELLED
        stay.save(update_fields=["status", "updated_at"])
        audit_record(actor=by, action="stay.cancel", obj=stay, summary=f"Reservation cancelled: {reason}")
        stay_cancelled.send(Stay, stay=stay)
    return stay


def stay_move(
    *,
    stay: Stay,
    to_room: Room,
    by=None,
    reason: str = "",
    confirm_not_ready: bool = False,
    hold_override: str = "",
) -> Stay:
    """Move an in-house guest: old room vacant-dirty, new room occupied, history kept, phones follow."""
    with transaction.atomic():
        stay = Stay.objects.select_for_update().select_related("guest").get(pk=stay.pk)
        if stay.status != StayStatus.IN_HOUSE:
            raise StayStateError("Only an in-house guest can be moved to another room.")
        if stay.room_id == to_room.pk:
            raise RoomRuleError("The guest is already in that room; pick a different one.")
        old_room = Room.objects.select_for_update().get(pk=stay.room_id)
        new_room = Room.objects.select_for_update().get(pk=to_room.pk)
        _ensure_room_can_take_guest(new_room, confirm_not_ready=confirm_not_ready)
        _respect_holds(
            new_room,
            hotel_today(),
            stay.departure,
            stay=stay,
            guest_name=stay.guest.full_name,
            override=hold_override,
            by=by,
        )
        stay.room = new_room
        try:
            with transaction.atomic():
                stay.save(update_fields=["room", "updated_at"])
        except IntegrityError as exc:
            raise RoomNotAvailable(f"Room {new_room.number} was just taken; choose another room.") from exc
        RoomMove.objects.create(
            stay=stay,
            from_room=old_room,
            to_room=new_room,
            reason=reason,
            moved_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _close_stay_room(stay, old_room, by=by, source=StatusSource.DESK)
        audit_record(
            actor=by,
            action="stay.move",
            room=new_room,
            obj=stay,
            summary=f"{stay.guest.full_name} moved from room {old_room.number} to {new_room.number}"
            + (f" ({reason})" if reason else ""),
        )
        new_room.save(update_fields=["updated_at"])  # now occupied
        phone_sync(old_room, change=PhoneChange.CHECK_OUT)
        phone_sync(new_room, change=PhoneChange.CHECK_IN)
        stay_moved.send(sender=Stay, stay=stay, from_room=old_room, to_room=new_room, by=by)
    return stay


# ----------------------------------------------------------------------------------------------------
# Reservations beyond today: change, extend, shorten
# ----------------------------------------------------------------------------------------------------

RESERVATION_FIELDS = ("arrival", "departure", "room_type", "room", "adults", "phone_class", "eta", "notes")


def stay_update_reservation(
    *, stay: Stay, by=None, hold_override: str = "", overbook_reason: str = "", **changes
) -> Stay:
    """Change a reservation (dates, room type or room, party, class of phone service, arrival time,
    notes). The same rules as a new reservation: held rooms and full room types need a reason."""
    unknown = set(changes) - set(RESERVATION_FIELDS)
    if unknown:
        raise ValueError(f"Not a reservation field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        stay = (
            Stay.objects.select_for_update(of=("self",))
            .select_related("guest", "room", "room_type")
            .get(pk=stay.pk)
        )
        if stay.status != StayStatus.RESERVED:
            raise StayStateError(
                f"This stay is {stay.get_status_display().lower()}; only a reservation can be changed here."
            )
        before = {name: getattr(stay, name) for name in RESERVATION_FIELDS}
        for name, value in changes.items():
            setattr(stay, name, value)
        stay.notes = stay.notes or ""
        _validate_dates(stay.arrival, stay.departure)
        if stay.phone_class not in PhoneClass.values:
            raise RoomRuleError(f"Unknown class of phone service {stay.phone_class!r}.")
        if stay.room is not None and stay.room_type is None:
            stay.room_type = stay.room.room_type
        dates_changed = (stay.arrival, stay.departure) != (before["arrival"], before["departure"])
        if stay.room is not None and (dates_changed or stay.room != before["room"]):
            _respect_holds(
                stay.room,
                stay.arrival,
                stay.departure,
                stay=stay,
                guest_name=stay.guest.full_name,
                override=hold_override,
                by=by,
            )
        booked_type = stay.room.room_type if stay.room else stay.room_type
        type_changed = booked_type != (before["room"].room_type if before["room"] else before["room_type"])
        if booked_type is not None and (dates_changed or type_changed):
            _refuse_overbooking(
                booked_type,
                stay.arrival,
                stay.departure,
                stay=stay,
                guest_name=stay.guest.full_name,
                reason=overbook_reason,
                by=by,
            )
        stay.save()
        changed = [name for name in RESERVATION_FIELDS if getattr(stay, name) != before[name]]
        audit_record(
            actor=by,
            action="stay.update",
            room=stay.room,
            obj=stay,
            summary=f"Reservation of {stay.guest.full_name} changed: {', '.join(changed) or 'nothing'}",
        )
        if dates_changed:
            stay_dates_changed.send(
                sender=Stay, stay=stay, before=(before["arrival"], before["departure"]), by=by
            )
        if changed:
            stay_changed.send(Stay, stay=stay, changed=changed)
    return stay


def stay_change_departure(
    *, stay: Stay, departure: date, by=None, hold_override: str = "", overbook_reason: str = ""
) -> Stay:
    """Extend or shorten a stay. An in-house guest leaves today at the earliest; extra nights must not
    take the room from another reservation or overbook its type (unless the desk gives a reason)."""
    if stay.status == StayStatus.RESERVED:
        return stay_update_reservation(
            stay=stay,
            departure=departure,
            by=by,
            hold_override=hold_override,
            overbook_reason=overbook_reason,
        )
    with transaction.atomic():
        stay = (
            Stay.objects.select_for_update(of=("self",))
            .select_related("guest", "room__room_type")
            .get(pk=stay.pk)
        )
        if stay.status != StayStatus.IN_HOUSE:
            raise StayStateError(f"This stay is {stay.get_status_display().lower()}; its dates are final.")
        today = hotel_today()
        if departure < today:
            raise RoomRuleError("An in-house guest leaves today at the earliest.")
        if departure <= stay.arrival:
            raise RoomRuleError("The departure date must be after the arrival date.")
        before = stay.departure
        if departure == before:
            raise RoomRuleError(f"The stay already ends on {before:%a} {before.day} {before:%b}.")
        if departure > before:
            extra_from = max(before, today)
            _respect_holds(
                stay.room,
                extra_from,
                departure,
                stay=stay,
                guest_name=stay.guest.full_name,
                override=hold_override,
                by=by,
            )
            _refuse_overbooking(
                stay.room.room_type,
                extra_from,
                departure,
                stay=stay,
                guest_name=stay.guest.full_name,
                reason=overbook_reason,
                by=by,
            )
        stay.departure = departure
        stay.save(update_fields=["departure", "updated_at"])
        verb = "extended" if departure > before else "shortened"
        audit_record(
            actor=by,
            action="stay.change_departure",
            room=stay.room,
            obj=stay,
            summary=f"Stay of {stay.guest.full_name} {verb}: departure {before} -> {departure}",
        )
        stay_dates_changed.send(sender=Stay, stay=stay, before=(stay.arrival, before), by=by)
        stay_changed.send(Stay, stay=stay, changed=["departure"])
    return stay


def stay_set_phone_class(*, stay: Stay, phone_class: str, by=None) -> Stay:
    """Change an in-house guest's class of phone service (a reservation changes it with
    stay_update_reservation); the room phone follows."""
    if phone_class not in PhoneClass.values:
        raise RoomRuleError(f"Unknown class of phone service {phone_class!r}.")
    with transaction.atomic():
        stay = Stay.objects.select_for_update(of=("self",)).select_related("guest", "room").get(pk=stay.pk)
        if stay.status != StayStatus.IN_HOUSE:
            raise StayStateError(
                f"This stay is {stay.get_status_display().lower()}; only an in-house guest's phone changes."
            )
        if stay.phone_class == phone_class:
            return stay
        before, stay.phone_class = stay.phone_class, phone_class
        stay.save(update_fields=["phone_class", "updated_at"])
        audit_record(
            actor=by,
            action="stay.phone_class",
            room=stay.room,
            obj=stay,
            summary=f"Phone of {stay.guest.full_name} in room {stay.room.number}: {before} -> {phone_class}",
        )
        phone_sync(stay.room, change=PhoneChange.GUEST)
        stay_changed.send(Stay, stay=stay, changed=["phone_class"])
    return stay


# ----------------------------------------------------------------------------------------------------
# Housekeeping assignments
# ----------------------------------------------------------------------------------------------------


def room_assign_housekeeper(*, room: Room, housekeeper=None, by=None) -> Room:
    """A supervisor gives a room to a housekeeper for today (None: nobody). Audited."""
    if not is_housekeeping_supervisor(by):
        raise NotPermitted("Only a housekeeping supervisor assigns rooms.")
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        room.housekeeper = housekeeper
        room.housekeeper_on = hotel_today() if housekeeper else None
        room.save(update_fields=["housekeeper", "housekeeper_on", "updated_at"])
        who = (housekeeper.get_full_name() or housekeeper.username) if housekeeper else "nobody"
        audit_record(
            actor=by,
            action="room.assign_housekeeper",
            source=StatusSource.TABLET,
            room=room,
            obj=room,
            summary=f"Room {room.number} assigned to {who} for {hotel_today()}",
        )
    return room


# ----------------------------------------------------------------------------------------------------
# Desk paperwork
# ----------------------------------------------------------------------------------------------------


def stay_set_notes(*, stay: Stay, notes: str, by=None) -> Stay:
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise RoomRuleError(f"Notes are limited to {NOTES_MAX} characters.")
    with transaction.atomic():
        stay = Stay.objects.select_for_update().select_related("guest").get(pk=stay.pk)
        stay.notes = notes
        stay.save(update_fields=["notes", "updated_at"])
        audit_record(
            actor=by, action="stay.notes", obj=stay, summary=f"Notes of {stay.guest.full_name}'s stay"
        )
        stay_changed.send(Stay, stay=stay, changed=["notes"])
    return stay


def room_set_notes(*, room: Room, notes: str, by=None) -> Room:
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise RoomRuleError(f"Notes are limited to {NOTES_MAX} characters.")
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        room.notes = notes
        room.save(update_fields=["notes", "updated_at"])
        audit_record(
            actor=by, action="room.notes", room=room, obj=room, summary=f"Notes of room {room.number}"
        )
    return room
