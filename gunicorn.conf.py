"""gunicorn settings of the web processes: ``gunicorn --config gunicorn.conf.py cgmsite.wsgi``.

Options given on the command line (``--bind``, ``--workers``, ``--access-logfile`` …) or in
``GUNICORN_CMD_ARGS`` are added to these. gunicorn's error log, and its access log when
one is turned on, hide the tokens in paths like the site's own log (cgmsite/log_filters.py).
"""

logger_class = "cgmsite.gunicorn_logging.RedactingLogger"
