"""Wake-up alarms on the PBX, named by the caller's own key: the PBX numbers its alarms (`wakeupid`)
itself and answers a create without the number, so the link remembers which alarm carries which key.

Applying twice leaves the PBX as once: a known alarm is updated; an unknown one is created, unless the
extension already has an alarm at that time (the PBX allows one per time: a create that went through
before its worker died), which is then taken over.
"""

from __future__ import annotations

from .client import PbxClient
from .errors import PbxPermanentError
from .models import PbxAlarm

NOTHING_THERE = "10021"  # wakeupcall/delete: no such alarm


def _alarm_args(payload: dict) -> dict:
    return {
        "type": payload.get("kind", "onetime"),
        "repeats": int(payload.get("repeats", 3)),
        "interval": int(payload.get("interval_minutes", 5)),
        "prompt": payload.get("prompt") or None,
        "weekdays": payload.get("weekdays"),
    }


def apply_set(number: str, payload: dict, client: PbxClient) -> None:
    key, time_hhmm = payload["alarm_key"], payload["time"]
    args = _alarm_args(payload)
    alarms = {str(a.get("wakeupid")): a for a in client.wakeup_query(number)}
    known = PbxAlarm.objects.filter(extension=number, alarm_key=key).first()
    if known is not None and known.wakeupid in alarms:
        wakeupid = known.wakeupid
        client.wakeup_update(number, wakeupid, time_hhmm, **args)
    else:
        at_that_time = next((i for i, a in alarms.items() if a.get("time") == time_hhmm), None)
        if at_that_time is not None:
            wakeupid = at_that_time
            client.wakeup_update(number, wakeupid, time_hhmm, **args)
        else:
            client.wakeup_create(number, time_hhmm, **args)
            created = [
                str(a.get("wakeupid")) for a in client.wakeup_query(number) if a.get("time") == time_hhmm
            ]
            if not created:
                raise PbxPermanentError(
                    f"the PBX took the alarm at {time_hhmm} but does not list it", path="wakeupcall/create"
                )
            wakeupid = created[0]
    PbxAlarm.objects.update_or_create(extension=number, alarm_key=key, defaults={"wakeupid": wakeupid})


def apply_remove(number: str, payload: dict, client: PbxClient) -> None:
    known = PbxAlarm.objects.filter(extension=number, alarm_key=payload["alarm_key"]).first()
    if known is None:
        return
    try:
        client.wakeup_delete(number, known.wakeupid)
    except PbxPermanentError as exc:
        if exc.errno != NOTHING_THERE:
            raise
    known.delete()


def forget(number: str) -> None:
    """The extension's alarms were all deleted (a check-out): no key names a PBX alarm any more."""
    PbxAlarm.objects.filter(extension=number).delete()
