"""Extensions whose outbound routes are not what the hotel wants, where the PBX cannot be told.

On firmware without outroute/update (API v1.1.0 answers 10003) the link can still read route
membership, so it records the difference instead of failing silently: the room board and the PBX
page show which rooms cannot dial out (missing routes) or still can while they should not (extra).
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import RouteGap

NO_UPDATE = "the PBX firmware cannot change outbound routes (outroute/update answers 10003)"
NO_QUERY = "the PBX firmware cannot list outbound routes (outroute/query answers 10003)"


def note(number: str, *, missing: Iterable[str], extra: Iterable[str], reason: str) -> None:
    missing, extra = sorted(set(missing)), sorted(set(extra))
    if not missing and not extra:
        clear(number)
        return
    RouteGap.objects.update_or_create(
        extension=number, defaults={"missing": missing, "extra": extra, "reason": reason[:255]}
    )


def clear(number: str) -> None:
    RouteGap.objects.filter(extension=number).delete()


def describe(gap: RouteGap) -> str:
    """The words for the desk: what the guest cannot do, and why."""
    return f"cannot dial out: not in outbound route {', '.join(gap.missing)}; {gap.reason}"


def missing_routes(extensions: Iterable[str] | None) -> dict[str, str]:
    """extension -> description, for extensions that lack a wanted route (`None`: every extension)."""
    gaps = RouteGap.objects.all()
    if extensions is not None:
        gaps = gaps.filter(extension__in=list(extensions))
    return {gap.extension: describe(gap) for gap in gaps if gap.missing}
