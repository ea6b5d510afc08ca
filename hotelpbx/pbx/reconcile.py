"""Reconciliation: compare what every managed extension should be with what the PBX holds, and repair
the differences through the outbox (so repairs keep the per-extension order)."""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import capabilities, commands, plan, route_gaps, routes
from .client import PbxClient, get_client
from .config import PbxConfig
from .desired import DesiredExtension, all_desired, desired_for
from .errors import PbxError, PbxPermanentError
from .models import CommandStatus, JobStatus, LinkJob, PbxCommand
from .session import turn

log = logging.getLogger(__name__)

BATCH = 50


def differences(
    desired: DesiredExtension, actual: dict, route_members: dict[str, set[str]] | None, config: PbxConfig
) -> list[str]:
    """Human-readable drift between the desired state and the PBX's extension/query answer."""
    found = []
    for field, want in plan.extension_fields(desired, config).items():
        if field not in actual:
            continue  # the PBX did not say (v2's field list is only partly documented): no drift
        have = str(actual[field]).strip()
        if field in ("dnd", "hasvoicemail"):
            have = have.lower()
        if field == "vmsecret" and not have.isdigit():
            continue  # a masked PIN ("****") cannot be compared
        if have != want:
            shown = "****" if field == "vmsecret" else f"{have!r} != {want!r}"
            found.append(f"{field}: {shown}")
    if route_members is not None:
        wanted_routes = plan.routes(desired, config)
        for route, members in route_members.items():
            wanted = route in wanted_routes
            if wanted != (desired.number in members):
                found.append(f"route {route}: {'missing' if wanted else 'should not be a member'}")
    return found


def _route_gap(
    wanted: tuple[str, ...], number: str, members: dict[str, set[str]]
) -> tuple[list[str], list[str]]:
    """(missing, extra) routes of the extension among the managed ones."""
    missing = sorted(r for r, m in members.items() if r in wanted and number not in m)
    extra = sorted(r for r, m in members.items() if r not in wanted and number in m)
    return missing, extra


def _busy_since(numbers: list[str], since) -> set[str]:
    """Extensions with commands on their way, or made or applied since the run read the hotel's side:
    the hotel and the PBX may then be compared at different moments, and a 'repair' would undo a fresh
    change. They wait for the next run."""
    return set(
        PbxCommand.objects.filter(extension__in=numbers)
        .filter(Q(status__in=commands.OPEN) | Q(applied_at__gte=since) | Q(created_at__gte=since))
        .values_list("extension", flat=True)
    )


NO_SUCH_EXTENSION = "10006"


def _query_present(client: PbxClient, numbers: list[str]) -> list[dict]:
    """The settings of those extensions that exist. The PBX refuses a whole query (10006) for one
    number it does not have, so then each is asked alone: one deleted extension must not blind the
    reconciliation to the rest of its batch."""
    try:
        return client.extension_query(numbers)
    except PbxPermanentError as exc:
        if exc.errno != NO_SUCH_EXTENSION:
            raise
    present: list[dict] = []
    for number in numbers:
        try:
            present += client.extension_query([number])
        except PbxPermanentError as exc:
            if exc.errno != NO_SUCH_EXTENSION:
                raise
    return present


def _compare_and_repair(
    job: LinkJob | None, desired: list[DesiredExtension], client: PbxClient, *, since
) -> tuple[int, int]:
    """`since`: when `desired` was read from the hotel's rows."""
    config = client.config
    drift = repaired = 0
    cannot_repair: dict[str, str] = {}
    for start in range(0, len(desired), BATCH):
        batch = desired[start : start + BATCH]
        members = routes.managed_members(client, config.managed_routes)
        # firmware without outroute/update: route drift is reported, not repaired
        fixed_routes = capabilities.known(capabilities.OUTROUTE_UPDATE) is False
        actual = {e.get("number"): e for e in _query_present(client, [d.number for d in batch])}
        busy = _busy_since([d.number for d in batch], since)
        for want in batch:
            if want.number in busy:
                continue
            have = actual.get(want.number)
            if have is None:
                # Not silently: the repair fails with the PBX's own answer (no such extension), and that
                # failed command is what the board and the PBX page show for the room, with "try again".
                drift += 1
                log.warning("extension %s is missing on the PBX", want.number)
                if not PbxCommand.objects.filter(extension=want.number, status=CommandStatus.FAILED).exists():
                    commands.sync(want, reason="reconcile: the extension is not on the PBX")
                    repaired += 1
                continue
            if fixed_routes and members is not None:
                missing, extra = _route_gap(plan.routes(want, config), want.number, members)
                route_gaps.note(want.number, missing=missing, extra=extra, reason=route_gaps.NO_UPDATE)
                if missing or extra:
                    parts = [f"not in {', '.join(missing)}"] * bool(missing)
                    parts += [f"still in {', '.join(extra)}"] * bool(extra)
                    cannot_repair[want.number] = "; ".join(parts)
                found = differences(want, have, None, config)
                if not found and (missing or extra):
                    drift += 1
                    continue
            else:
                found = differences(want, have, members, config)
            if found:
                drift += 1
                with transaction.atomic():
                    commands.sync(want, reason="reconcile: " + "; ".join(found)[:100])
                    # a repair supersedes earlier failures of this extension
                    PbxCommand.objects.filter(extension=want.number, status=CommandStatus.FAILED).update(
                        status=CommandStatus.RESENT
                    )
                repaired += 1
        if job is not None:
            LinkJob.objects.filter(pk=job.pk).update(
                done=F("done") + len(batch),
                drift=drift,
                repaired=repaired,
                detail={"cannot_repair": cannot_repair} if cannot_repair else {},
            )
    if cannot_repair:
        log.warning(
            "%s extensions have outbound routes the PBX cannot change: %s",
            len(cannot_repair),
            ", ".join(sorted(cannot_repair)),
        )
    return drift, repaired


def reconcile_all(*, trigger: str) -> LinkJob | None:
    """Compare every managed extension; one run at a time (a running job younger than 10 min wins)."""
    if not PbxConfig.link_enabled():
        return None
    with turn("reconcile"):  # a BootUp and the re-login after it usually ask at the same moment
        recent = timezone.now() - timezone.timedelta(minutes=10)
        if LinkJob.objects.filter(
            kind=LinkJob.Kind.RECONCILE, status=JobStatus.RUNNING, started_at__gt=recent
        ).exists():
            return None
        since = timezone.now()
        desired = all_desired()
        job = LinkJob.objects.create(kind=LinkJob.Kind.RECONCILE, trigger=trigger, total=len(desired))
    try:
        drift, repaired = _compare_and_repair(job, desired, get_client(), since=since)
    except PbxError as exc:
        return job.finish(error=str(exc))
    job.finish()
    log.info(
        "reconciliation (%s): %s extensions, %s drifted, %s repaired", trigger, job.total, drift, repaired
    )
    return job


def reconcile_numbers(numbers: list[str], *, trigger: str) -> int:
    """Compare a few extensions (after a ConfigChange report). Returns how many drifted."""
    if not PbxConfig.link_enabled():
        return 0
    since = timezone.now()
    wanted = desired_for(numbers)
    if not wanted:
        return 0
    drift, _ = _compare_and_repair(None, wanted, get_client(), since=since)
    return drift
