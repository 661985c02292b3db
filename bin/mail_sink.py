#!/usr/bin/env python3
"""A local SMTP server that accepts every message and prints it: ``bin/mail_sink.py [HOST:]PORT``.

For ``make serve-prod`` without ``EMAIL_HOST``: the site sends its e-mails over SMTP as in
production, and they end here, printed with their recipients, subject and plain-text part
(where the confirmation link is), instead of reaching anyone. Needs aiosmtpd
(requirements-dev.txt). Ctrl-C or SIGTERM stops it.
"""

import signal
import sys
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class PrintEveryMessage:
    """aiosmtpd handler: accept the message, print it."""

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        part = message.get_body(preferencelist=("plain",))
        text = part.get_content().replace("\r\n", "\n").strip() if part else "(no plain text)"
        sys.stdout.write(
            f"\n---- e-mail to {', '.join(envelope.rcpt_tos)} ----\n"
            f"From: {message['From']}\nSubject: {message['Subject']}\n\n{text}\n"
            "---- end of e-mail ----\n\n"
        )
        sys.stdout.flush()
        return "250 Message accepted for delivery"


def main() -> None:
    host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "1025").rpartition(":")
    controller = Controller(PrintEveryMessage(), hostname=host or "127.0.0.1", port=int(port))
    controller.start()
    sys.stdout.write(f"Mail sink on {controller.hostname}:{controller.port}: mail printed.\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
