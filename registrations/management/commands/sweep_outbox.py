"""``python manage.py sweep_outbox``: keep the e-mail outbox moving (run it every minute).

Queues again the messages a dead worker left "sending" for longer than
``EMAIL_SENDING_TIMEOUT_MINUTES`` and enqueues a send task for every queued message that
is due and has none waiting (see ``registrations.outbox.outbox_sweep``), and enqueues
again the sign-ups whose task was lost (``services.signup_attempts_sweep``). Running it
twice changes nothing; it never sends a message itself.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registrations.outbox import outbox_sweep
from registrations.services import signup_attempts_sweep


class Command(BaseCommand):
    help = (
        "Queue again the e-mails left sending by a dead worker and enqueue a send task for "
        "every due e-mail that has none."
    )

    def handle(self, *args, **options):
        result = outbox_sweep()
        self.stdout.write(
            _("%(requeued)s e-mail(s) queued again, %(enqueued)s send task(s) enqueued.") % result
        )
        signups = signup_attempts_sweep()
        if signups:
            self.stdout.write(_("%(count)s sign-up(s) enqueued again.") % {"count": signups})
