"""An SMTP sink that keeps every message: ``python bench/probes/sink.py PORT DIR``.

Each message accepted is written to DIR as ``<time>-<n>.eml`` (recipients in an
``X-Rcpt`` header first), so that counts survive a restart of the sink. With
``SINK_DELAY=SECONDS`` each message is written at once and its "250" sent only after that
delay: a worker killed meanwhile has had its message delivered without knowing it.
"""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.time():.6f}-{self.count}.eml"
        head = f"X-Rcpt: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        (self.folder / name).write_bytes(head + envelope.original_content)
        await asyncio.sleep(float(os.environ.get("SINK_DELAY", "0")))
        return "250 Message accepted for delivery"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"sink on 127.0.0.1:{port} -> {folder}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
