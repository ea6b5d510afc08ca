"""The board's validator: a refresh when nothing changed is answered 304 Not Modified.

A 1,000-room board costs far more to render than its fingerprint: aggregates over what the board shows.
The rooms (status, DND, service: Room.updated_at; the phone: phone_status_at), the stays that occupy or
hold them (Stay.updated_at, how many), the PBX link's open and failed commands (the phone set-up marks
and their words: how many, the newest, their retries) and its route gaps (a phone that cannot dial
out), the hotel's day (departing today, arriving today), the filters asked for and who asks. Changes go
through the services, which save (and so move updated_at); a bare QuerySet.update() would not be seen.
Guests and room types have no updated_at: their admin pages touch the active stays and the rooms they
show on instead (rooms/admin.py).

One SQL statement (a cross join of one-row aggregates, the same on SQLite and PostgreSQL): every open
desk asks every few seconds, so the ORM's cost of building three aggregate queries was most of the 304.
"""

import hashlib
from functools import cache

from django.db import connection

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx.models import CommandStatus, PbxCommand, RouteGap

from .models import Room, Stay, StayStatus

_ACTIVE_STAYS = [StayStatus.RESERVED, StayStatus.IN_HOUSE]
_OPEN_OR_FAILED = [CommandStatus.PENDING, CommandStatus.SENDING, CommandStatus.FAILED]


@cache
def _sql() -> str:
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def column(model, field: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(field).column)

    updated, phone_at = column(Room, "updated_at"), column(Room, "phone_status_at")
    stay_id, stay_status = column(Stay, "id"), column(Stay, "status")
    stay_updated = column(Stay, "updated_at")
    command_id, command_status = column(PbxCommand, "id"), column(PbxCommand, "status")
    # a retry moves next_attempt_at (and counts an attempt): the pending mark's words may have changed
    retried, attempts = column(PbxCommand, "next_attempt_at"), column(PbxCommand, "attempts")
    return (
        f"SELECT * FROM "
        f"(SELECT COUNT(*), MAX({updated}), MAX({phone_at}) FROM {table(Room)}) AS rooms, "
        f"(SELECT COUNT(*), MAX({stay_id}), MAX({stay_updated}) FROM {table(Stay)} "
        f"WHERE {stay_status} IN (%s, %s)) AS stays, "
        f"(SELECT COUNT(*), MAX({command_id}), SUM(CASE WHEN {command_status} = %s THEN 1 ELSE 0 END), "
        f"MAX({retried}), SUM({attempts}) "
        f"FROM {table(PbxCommand)} WHERE {command_status} IN (%s, %s, %s)) AS commands, "
        f"(SELECT COUNT(*), MAX({column(RouteGap, 'noted_at')}) FROM {table(RouteGap)}) AS gaps"
    )


def board_etag(request) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [*_ACTIVE_STAYS, CommandStatus.FAILED, *_OPEN_OR_FAILED])
        state = cursor.fetchone()
    parts = [
        hotel_today().isoformat(),
        request.GET.urlencode(),
        str(getattr(request.user, "pk", "")),
        *(str(value) for value in state),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
