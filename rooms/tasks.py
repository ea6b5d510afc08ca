from celery import shared_task


@shared_task(ignore_result=True)
def mark_occupied_rooms_dirty() -> int:
    from .services import rooms_mark_occupied_dirty

    return rooms_mark_occupied_dirty()
