"""Reactions to rooms' changes that billing needs (rooms never imports billing), and what billing tells
whoever listens (billing imports no listener)."""

from django.db import transaction
from django.dispatch import Signal

from rooms.models import StayStatus


def rate_calls_waiting_for_stay(sender, instance, **kwargs) -> None:
    """A stay entered after its guest already phoned (a late check-in entry): rate those calls now."""
    if instance.status != StayStatus.IN_HOUSE or instance.checked_in_at is None:
        return
    from .models import CallRecord
    from .rating import Reason
    from .services import calls_rate_pending_for_stay

    if (
        instance.room_id
        and CallRecord.objects.filter(reason=Reason.NO_STAY, room_id=instance.room_id).exists()
    ):
        transaction.on_commit(lambda: calls_rate_pending_for_stay(instance))


# sender: the FolioLine model; kwargs: lines (newly posted lines, sent in the transaction that posted
# them; a repeated idempotency key posts nothing and sends nothing)
charge_posted = Signal()

# sender: the FolioLine model; kwargs: line (the voided line), reversal (the line that voids it); sent in
# the transaction that posted the reversal, once per voided line (a line is voided at most once)
charge_voided = Signal()

# sender: the CallRecord model; kwargs: records (rated), lines ({record id: its new charge line}, none for
# a call not charged), rerated (False the first time a record is rated with its stay, True when a manager
# re-rates it); sent in the transaction that rated them, once per rating (a CDR the PBX sends again is
# not rated again); a batch of CDRs is one signal
call_rated = Signal()
