"""The test session's broker when REDIS_URL is unset: the same embedded Redis `make run` starts, on a
socket of the suite's own (var/test/redis/), so tests that run a real Celery worker have a real broker
and never share a queue with a running demo."""

import pytest
from django.conf import settings

from hotelpbx.core import embedded_redis


@pytest.fixture(scope="session", autouse=True)
def embedded_redis_server():
    if settings.EMBEDDED_REDIS_DIR is None:  # REDIS_URL names a Redis someone else runs
        yield None
        return
    if embedded_redis.ping(settings.EMBEDDED_REDIS_DIR):
        # left by a test session that was killed before it could stop it: use it
        yield None
        return
    server = embedded_redis.EmbeddedRedis(settings.EMBEDDED_REDIS_DIR).start()
    yield server
    server.stop()
