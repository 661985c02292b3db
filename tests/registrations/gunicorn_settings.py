"""Settings of the gunicorn process started by ``test_gunicorn.py``: production's.

``SECRET_KEY``, ``EMAIL_HOST``, ``ALLOWED_HOSTS`` and ``DATABASE_URL`` come from the
environment, as on a server. The one difference: static file URLs are built without the
manifest that ``collectstatic`` writes on a deployment.
"""

from cgmsite.settings.production import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
