from celery import shared_task

from . import idempotency, webhooks


@shared_task(ignore_result=True)
def send_webhooks() -> int:
    """From beat every few seconds and after each commit that wrote deliveries; safe to run twice."""
    return webhooks.send_due()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired()


@shared_task(ignore_result=True)
def watch_pbx_link() -> str | None:
    return webhooks.watch_pbx_link()
