"""Make the local administrator account once, and say how to log in."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

CREDENTIALS_FILE = settings.VAR_DIR / "admin-credentials.txt"


class Command(BaseCommand):
    help = "Create the local 'admin' superuser if missing and print how to log in (development)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_admin is for development only (DEBUG is off).")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            settings.VAR_DIR.mkdir(exist_ok=True)
            CREDENTIALS_FILE.write_text(f"admin\n{password}\n")
            CREDENTIALS_FILE.chmod(0o600)
        if CREDENTIALS_FILE.exists():
            username, password = CREDENTIALS_FILE.read_text().split()[:2]
            self.stdout.write(
                f"Admin: {settings.SITE_BASE_URL}/admin/  user «{username}»  "
                f"password «{password}» (kept in {CREDENTIALS_FILE})"
            )
        else:
            self.stdout.write("Admin: the 'admin' account already exists.")
