"""A TCP relay on a fixed port, in front of a real server, switched by signals.

``python bench/probes/relayd.py LISTEN_PORT UPSTREAM_PORT``: SIGUSR1 refuses (closed port,
connections cut), SIGUSR2 goes silent (accepts, never answers), SIGHUP opens again, SIGTERM
stops. The relay itself is the test suite's (tests/relay.py).
"""

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.relay import Relay


def main() -> None:
    listen_port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
    # The suite's relay listens at once on a port of the system's choosing: closed, then
    # opened again on the fixed port.
    relay = Relay(upstream_port)
    relay.refuse()
    relay.port = listen_port
    relay.restore()

    def switch(mode: str):
        def handler(*_):
            getattr(relay, mode)()
            print(f"{time.time():.3f} relay {listen_port}: {mode}", flush=True)

        return handler

    signal.signal(signal.SIGUSR1, switch("refuse"))
    signal.signal(signal.SIGUSR2, switch("silence"))
    signal.signal(signal.SIGHUP, switch("restore"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"relay 127.0.0.1:{listen_port} -> 127.0.0.1:{upstream_port}", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
