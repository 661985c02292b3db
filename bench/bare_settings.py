"""The reference of ``bench/web.py``: production's settings and middleware, one bare view.

Same environment as the site's gunicorn (``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL`` …),
only the URLs differ: ``bench/bare_urls.py``, a view that returns a constant. The page
cache is off: otherwise the constant itself would be answered from Redis (and a miss would
ask the database when the next webinar changes), and the reference would be a cache hit
rather than what Django costs before the site does any work.
"""

from cgmsite.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
PAGE_CACHE_ENABLED = False
