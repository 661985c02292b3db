"""A Redis that failed is left alone for a few seconds: each command meanwhile fails at once.

The cache's commands give up after ``REDIS_TIMEOUT`` (0.25 s), but a page asks the cache
twenty or forty times (its versions, renditions, site roots, rate limits): with Redis up
but silent, every page took 5 to 10 seconds. After a command fails on a connection (it
could not connect, or no answer came in time), every connection of this process refuses
commands for ``REDIS_RETRY_AFTER`` seconds without touching the network; django-redis
reads that failure as a miss, as it does any other (``IGNORE_EXCEPTIONS``), and the page
cache as an outage (``cgmsite.page_cache``). Then the next command tries Redis again.

Used as the connection class of the cache's pool (``settings.base.redis_cache``).
"""

import time
from contextlib import contextmanager

from django.conf import settings

from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class Breaker:
    """This process's memory of Redis's last failure."""

    def __init__(self):
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def refuse_while_open(self) -> None:
        if self.is_open():
            raise RedisConnectionError("Redis failed a moment ago: not asked again yet")

    def trip(self) -> None:
        self.open_until = time.monotonic() + settings.REDIS_RETRY_AFTER

    def close(self) -> None:
        self.open_until = 0.0

    @contextmanager
    def watching(self):
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError):
            self.trip()
            raise


breaker = Breaker()


class BreakerConnection(Connection):
    """A Redis connection that fails at once while the breaker is open."""

    def connect_check_health(self, *args, **kwargs):
        breaker.refuse_while_open()
        with breaker.watching():
            return super().connect_check_health(*args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        breaker.refuse_while_open()
        with breaker.watching():
            return super().send_packed_command(*args, **kwargs)

    def read_response(self, *args, **kwargs):
        with breaker.watching():
            return super().read_response(*args, **kwargs)
