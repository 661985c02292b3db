"""Make the local administrator account once, and say how to log in."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

CREDENTIALS_FILE = settings.VAR_DIR / "admin-credentials.txt"


class Command(BaseCommand):
    help = "Create the local 'admin' superuser if missing and print how to log in (development)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--local",
            action="store_true",
            help="With DEBUG off too: the production settings on one's own machine "
            "(make serve-prod), never on a server.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["local"]:
            raise CommandError("ensure_admin is for development only (DEBUG is off).")
        credentials_file = CREDENTIALS_FILE
        if options["local"]:
            # Another database than `make run`'s, another account: a file of its own.
            name = Path(str(settings.DATABASES["default"]["NAME"])).name
            credentials_file = settings.VAR_DIR / f"admin-credentials-{name}.txt"
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            settings.VAR_DIR.mkdir(exist_ok=True)
            credentials_file.write_text(f"admin\n{password}\n")
            credentials_file.chmod(0o600)
        if credentials_file.exists():
            username, password = credentials_file.read_text().split()[:2]
            self.stdout.write(
                f"Admin: {settings.SITE_BASE_URL}/admin/  user «{username}»  "
                f"password «{password}» (kept in {credentials_file})"
            )
        else:
            self.stdout.write("Admin: the 'admin' account already exists.")
