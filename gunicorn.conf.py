"""gunicorn settings of the web processes: ``gunicorn --config gunicorn.conf.py cgmsite.wsgi``.

Options given on the command line (``--bind``, ``--workers``, ``--access-logfile`` …) or in
``GUNICORN_CMD_ARGS`` are added to these, and win. gunicorn's error log, and its access log
when one is turned on, hide the tokens in paths like the site's own log
(cgmsite/log_filters.py).

The environment: ``GUNICORN_BIND`` (an address, or several separated by commas), else
``127.0.0.1:$PORT`` (8000); ``WEB_CONCURRENCY`` workers, else two per CPU and one more;
``GUNICORN_ACCESS_LOG`` a file for the access log, ``-`` for stdout (off unless set).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}").split(",")
# Sync workers: a request at a time each, so as many as the CPUs can keep busy while
# others wait on PostgreSQL (gunicorn's own rule of thumb).
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# Load Django and the site once, in the master, before forking: a new worker (at start, after
# max_requests, after a crash) is a copy of a warmed-up process and answers its first request
# at once instead of importing everything first (seconds), and the workers share the loaded
# code's memory. The cost: new code needs a restart (``kill -HUP`` is not enough), which is
# how upgrades go anyway (docs/deploy.md).
preload_app = True

# A request taking longer than this is killed (the worker is replaced); on a restart, workers
# get this long to finish the requests they are serving.
timeout = 30
graceful_timeout = 30
# Seconds a connection from the proxy stays open for its next request (threaded or async
# workers: ``--worker-class gthread``; the default sync worker closes it after each answer).
keepalive = 5
# Each worker is replaced after about this many requests (the jitter spreads the restarts),
# so that a slow leak in a library never grows for ever.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files in memory: a disk that stalls must not look like a hung worker.
# (gunicorn makes each one with mkstemp, so a shared folder is safe.)
if os.path.isdir(shm := "/dev/shm"):  # noqa: S108
    worker_tmp_dir = shm

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
logger_class = "cgmsite.gunicorn_logging.RedactingLogger"


def when_ready(server):
    """Finish loading in the master what the first request would otherwise load in every
    worker: the URL configuration (the Wagtail admin's included), the templates' tags and
    the Italian catalogue. Nothing here opens a connection."""
    if not server.cfg.preload_app:
        return
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 (imports every urls.py)
    with translation.override("it"):
        get_template("base.html")


def pre_fork(server, worker):
    """No database connection opened while loading may be shared by the workers: a socket
    used by two processes mixes their queries. Closed in the master, before each fork, each
    worker opens its own. (Redis connections are safe: redis-py drops a pool it finds in a
    forked process, and the master never uses the cache.)"""
    if not server.cfg.preload_app:
        return
    from django.db import connections

    connections.close_all()
