from .models import AuditEntry


def audit_record(*, actor, action: str, summary: str, source: str = "", room=None, obj=None, **data):
    """Write one audit entry. Call inside the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        source=source,
        room_number=getattr(room, "number", "") or "",
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:255],
        data={k: (v if isinstance(v, (int, float, bool, type(None))) else str(v)) for k, v in data.items()},
    )
