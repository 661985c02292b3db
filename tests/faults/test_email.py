"""The SMTP server down then back, and the e-mail worker killed in the middle of a send.

The site keeps answering; every message queued meanwhile is delivered once the server or
a new worker is back, once each, but for the one message a killed worker may have handed
over without recording it (registrations/outbox.py: sent again with the same Message-ID).
"""

from pprint import pformat

from registrations.models import EmailMessage
from tests.faults import content as c
from tests.faults import stack as s


def test_smtp_server_down_then_back(stack):
    client = stack.client()
    email = c.address("smtp")
    stack.smtp.stop()
    try:
        during = [c.sign_up(stack, client, email)]
        during.append(client.post("/iscrizioni/le-mie/", {"email": email}))
        during += c.crawl(stack)
        # The worker tried, failed, and put the message back in the queue with the error.
        s.wait_until(
            lambda: (
                EmailMessage.objects.filter(
                    to=email, status=EmailMessage.Status.QUEUED, attempts__gte=1
                )
                .exclude(last_error="")
                .exists()
            ),
            timeout=60,
            what="a failed attempt recorded",
            log=stack.logs,
        )
    finally:
        stack.smtp.start()
    problems = {}
    if [a.status for a in during[:2]] != [302, 200]:
        problems["the forms while the SMTP server is down"] = [
            (a.path, a.status) for a in during[:2]
        ]
    if wrong := c.not_healthy(stack, during[2:]):
        problems["pages while the SMTP server is down"] = wrong
    c.advance_clock()
    c.mail_settled(stack)
    # The journey goes on from the message that waited.
    confirm = c.mail_link(stack, email, s.CONFIRM)
    assert client.post(confirm, {}).status == 200
    assert client.post(c.mail_link(stack, email, s.CANCEL), {}).status == 200
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)


def test_email_worker_killed_mid_send(stack):
    client = stack.client()
    emails = [c.address("burst") for _ in range(8)]
    worker = stack.email_worker
    # A server that takes a second to accept each message: the worker is in the middle of
    # one almost all the time, and most of the burst is still queued when it dies.
    stack.smtp.delay = 1.0
    try:
        answers = [c.sign_up(stack, client, email) for email in emails]
        s.wait_until(
            lambda: any(s.mail_to(stack.smtp, email) for email in emails),
            timeout=60,
            what="the worker sending",
            log=stack.logs,
        )
        assert EmailMessage.objects.filter(status=EmailMessage.Status.QUEUED).exists(), (
            "the worker sent everything before it could be killed"
        )
        worker.kill()
    finally:
        stack.smtp.delay = 0
    during = c.crawl(stack)
    left = EmailMessage.objects.exclude(status=EmailMessage.Status.SENT)
    sending = left.filter(status=EmailMessage.Status.SENDING).count()
    # The message in the worker's hands when it died may have reached the server.
    stack.allowed_duplicates += 1
    stack.manage("sweep_outbox", EMAIL_SENDING_TIMEOUT_MINUTES="0")
    stack.start_email_worker()
    c.mail_settled(stack)

    problems = {}
    if [a.status for a in answers] != [302] * len(emails):
        problems["sign-ups"] = [a.status for a in answers]
    if sending > 1:
        problems["more than one message left sending by the dead worker"] = sending
    if wrong := c.not_healthy(stack, during):
        problems["pages with the worker dead"] = wrong
    missing = [email for email in emails if not s.mail_to(stack.smtp, email)]
    if missing:
        problems["confirmation never received"] = missing
    confirm = c.mail_link(stack, emails[-1], s.CONFIRM)
    assert client.post(confirm, {}).status == 200
    assert client.post(c.mail_link(stack, emails[-1], s.CANCEL), {}).status == 200
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)
