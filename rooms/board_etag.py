"""The board's validator: a refresh when nothing changed is answered 304 Not Modified.

A 1,000-room board costs far more to render than its fingerprint: three aggregate queries over what the
board shows. The rooms (status, DND, service: Room.updated_at; the phone: phone_status_at), the stays that
occupy or hold them (Stay.updated_at, how many), the PBX link's open and failed commands (the phone set-up
marks), the hotel's day (departing today, arriving today), the filters asked for and who asks. Changes go
through the services, which save (and so move updated_at); a bare QuerySet.update() would not be seen.
"""

import hashlib

from django.db.models import Count, Max, Q

from hotelpbx.core.timeutil import hotel_today
from hotelpbx.pbx.models import CommandStatus, PbxCommand

from .models import Room, Stay, StayStatus


def board_etag(request) -> str:
    # the PBX's reports of a phone's state update phone_status_at without a save (rooms/pbx_handlers.py)
    rooms = Room.objects.aggregate(n=Count("id"), changed=Max("updated_at"), phone=Max("phone_status_at"))
    stays = Stay.objects.filter(status__in=[StayStatus.RESERVED, StayStatus.IN_HOUSE]).aggregate(
        n=Count("id"), last=Max("id"), changed=Max("updated_at")
    )
    open_or_failed = [CommandStatus.PENDING, CommandStatus.SENDING, CommandStatus.FAILED]
    commands = PbxCommand.objects.filter(status__in=open_or_failed).aggregate(
        n=Count("id"), last=Max("id"), failed=Count("id", filter=Q(status=CommandStatus.FAILED))
    )
    parts = [
        hotel_today().isoformat(),
        request.GET.urlencode(),
        str(getattr(request.user, "pk", "")),
        *(str(v) for v in rooms.values()),
        *(str(v) for v in stays.values()),
        *(str(v) for v in commands.values()),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
