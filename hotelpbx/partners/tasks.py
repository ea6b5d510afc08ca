"""Thin Celery tasks for partner webhooks and idempotency keys.

The work modules schedule these tasks, so the tasks import them when they run (one direction at import
time, as everywhere in hotelpbx)."""

from celery import shared_task


@shared_task(ignore_result=True)
def send_webhooks() -> int:
    """From beat every few seconds and after each commit that wrote deliveries; safe to run twice."""
    from . import webhooks

    return webhooks.send_due()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    from . import idempotency

    return idempotency.purge_expired()


@shared_task(ignore_result=True)
def watch_pbx_link() -> str | None:
    from . import webhooks

    return webhooks.watch_pbx_link()
