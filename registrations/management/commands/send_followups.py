"""``python manage.py send_followups WEBINAR_ID [--send]``: preview, then send, the follow-ups.

Without ``--send`` it prints who would get which message and one of each as it will
read; with it, attendees' certificates are issued and every follow-up not yet sent is
queued (each person gets theirs once, however often this runs).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from events.models import WebinarPage
from registrations.followups import followups_preview, followups_send


class Command(BaseCommand):
    help = "Preview (default) or send (--send) a webinar's follow-up e-mails."

    def add_arguments(self, parser):
        parser.add_argument("webinar_id", type=int, help="The webinar's page id.")
        parser.add_argument("--send", action="store_true", help="Send them (else preview).")

    def handle(self, *args, webinar_id, send, **options):
        webinar = WebinarPage.objects.filter(pk=webinar_id).first()
        if webinar is None:
            raise CommandError(_("No webinar has id %(id)s.") % {"id": webinar_id})
        preview = followups_preview(webinar=webinar)
        if not preview.ready:
            raise CommandError(
                _("No attendance has been imported for this webinar yet: nothing to send.")
            )
        self.stdout.write(
            _(
                "%(attended)d attended (thanks and certificate), %(partly)d attended in part "
                "(thanks), %(absent)d absent (sorry we missed you); %(already_sent)d already "
                "sent."
            )
            % vars(preview)
        )
        if not send:
            for subject, text in preview.samples.values():
                self.stdout.write(f"\n--- {subject}\n{text}")
            self.stdout.write(_("Nothing sent: run again with --send to send them."))
            return
        queued = followups_send(webinar=webinar)
        self.stdout.write(_("%(count)d follow-up e-mails queued.") % {"count": queued})
