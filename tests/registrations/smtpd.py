"""A real SMTP server on 127.0.0.1 for the delivery tests and ``bench/emails.py`` (aiosmtpd).

Every message that arrives is parsed back as MIME and kept in ``received``, and its bytes as
they came over the wire in ``raw`` (same order). The server can
refuse chosen recipients for good (550), and refuse anyone for a while (421) once more
than ``rate`` messages arrived in ``window`` seconds of ``clock``, as Exchange Online does.
With ``delay`` it takes that many seconds to accept each message, as a busy server does.
``stop()`` and ``start()`` take it down and bring it back on the same port.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage as MIMEMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """The aiosmtpd handler: answers RCPT and DATA, records what arrives."""

    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        server = self.server
        if address.lower() in server.reject:
            server.rejections.append(("550", address))
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        if server.rate is not None:
            now = server.clock()
            with server.lock:
                recent = [t for t in server.arrivals if t > now - server.window]
                if len(recent) >= server.rate:
                    server.rejections.append(("421", address))
                    return "421 4.7.0 Too many messages, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.arrivals.append(self.server.clock())
            self.server.received.append((list(envelope.rcpt_tos), message))
            self.server.raw.append(envelope.original_content)
        return "250 Message accepted for delivery"


class SMTPServer:
    """``with SMTPServer() as server:`` then point ``EMAIL_HOST``/``EMAIL_PORT`` at it."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, delay: float = 0):
        self.port = free_port()
        self.clock = clock
        self.delay = delay
        self.reject: set[str] = set()
        self.rate: int | None = None
        self.window = 60.0
        self.lock = threading.Lock()
        self.arrivals: list[float] = []
        self.received: list[tuple[list[str], MIMEMessage]] = []
        self.raw: list[bytes] = []
        self.rejections: list[tuple[str, str]] = []
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(
            RecordingHandler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def settings(self) -> dict:
        """Django settings that send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 10,
        }

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _rcpt, message in self.received]
