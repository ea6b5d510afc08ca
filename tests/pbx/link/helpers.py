from hotelpbx.pbx.commands import drain_extension
from hotelpbx.pbx.models import CommandStatus, PbxCommand


def drain_all() -> dict[str, str]:
    """What a worker does for every extension with open commands (the sweeper's job, synchronously)."""
    outcomes = {}
    for extension in (
        PbxCommand.objects.filter(status__in=[CommandStatus.PENDING, CommandStatus.SENDING])
        .order_by("extension")
        .values_list("extension", flat=True)
        .distinct()
    ):
        outcomes[extension] = drain_extension(extension)
    return outcomes


def applied_paths(emu, extension: str | None = None) -> list[str]:
    """The state-changing API calls the PBX applied (optionally for one extension)."""
    result = []
    for op in emu.applied:
        body = op.get("body") or {}
        target = str(body.get("number") or body.get("extid") or "")
        members = str(body.get("extensions", ""))
        if extension is None or extension in target.split(",") or extension in members.split(","):
            result.append(op["path"])
    return result
