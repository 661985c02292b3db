"""Settings of the real worker processes started by ``test_worker_crash.py``.

The test settings, with the database task backend of production and SMTP to the test's
server (``EMAIL_HOST``/``EMAIL_PORT`` and ``DATABASE_URL`` come from the environment).
"""

import os

from cgmsite.settings.test import *  # noqa: F403

TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "email": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "teams"]},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ["EMAIL_HOST"]
EMAIL_PORT = int(os.environ["EMAIL_PORT"])
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 10
