"""A TCP relay a test controls, in front of a real server (Redis, PostgreSQL, SMTP).

``open()`` forwards every connection; ``refuse()`` stops listening and cuts the
connections it carries (a server down, a closed port); ``silence()`` accepts connections
and never answers (a hung server, a full network). The server behind keeps its data, so
``open()`` again is the same server back after an outage, as after a network failure.
"""

import contextlib
import socket
import threading

OPEN, REFUSE, SILENT = "open", "refuse", "silent"


class Relay:
    """``Relay(("127.0.0.1", 6379)).start()``; its own port is ``relay.port``."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.mode = OPEN
        self.port = 0
        self.listener: socket.socket | None = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> "Relay":
        self.listen()
        return self

    def url(self, scheme: str, path: str = "") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by refuse() or stop()
            self.track(client)
            if self.mode == SILENT:
                continue  # held open, never answered
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self.close(client)
                continue
            server.settimeout(None)
            self.track(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    def pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self.close(source)
        self.close(target)

    def track(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.add(sock)

    def close(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        """Close the listener and every connection carried so far."""
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone leaves the
            # port bound until it returns.
            self.close(self.listener)
            self.listener = None
        with self.lock:
            carried = list(self.sockets)
        for sock in carried:
            self.close(sock)

    def refuse(self) -> None:
        self.mode = REFUSE
        self.cut()

    def silence(self) -> None:
        """Connections are accepted and never answered (the old ones are cut first)."""
        self.cut()
        self.mode = SILENT
        self.listen()

    def open(self) -> None:
        self.cut()
        self.mode = OPEN
        self.listen()

    def stop(self) -> None:
        self.cut()
