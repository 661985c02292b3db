"""``python manage.py replay_front_purges``: send again the purges Varnish missed.

A PURGE that did not reach the HTTP cache in front (down, hung: ``FRONTEND_CACHE_TIMEOUT``)
is kept in the database; this sends it again (``run_periodic_jobs`` does, each minute),
so a page changed while Varnish was unreachable is not served old for long after.
"""

from django.core.management.base import BaseCommand

from cgmsite.cache_map import replay_front_purges


class Command(BaseCommand):
    help = "Send again the purges the HTTP cache in front (Varnish) missed."

    def handle(self, *args, **options):
        sent = replay_front_purges()
        if sent:
            self.stdout.write(f"Purged again in front: {sent} paths.")
