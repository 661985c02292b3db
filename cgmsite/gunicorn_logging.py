"""gunicorn's own log through the site's filter (``logger_class`` in ``gunicorn.conf.py``).

gunicorn logs paths in its error log (a request line it cannot parse, an exception that
reached it) and in its access log when one is turned on; a path can carry a token
(``cgmsite.log_filters``). This logger puts ``RedactSecrets`` on every handler gunicorn
sets up for either log (stderr, a file, syslog), after each (re)configuration.
"""

from gunicorn.glogging import Logger

from cgmsite.log_filters import RedactSecrets


class RedactingLogger(Logger):
    """gunicorn's logger, with tokens and Teams links hidden from every line."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                    handler.addFilter(RedactSecrets())
