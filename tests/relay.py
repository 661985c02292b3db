"""A TCP relay the tests control, in front of Redis or PostgreSQL.

``Relay(target_port)`` listens on 127.0.0.1 (a port of the system's choosing) and passes
every connection on to the target. ``refuse()``: the port closes (a new connection is
refused) and every connection through it is cut, as when the server dies. ``silence()``:
connections are accepted and whatever is sent is read, but nothing is ever answered, and
the connections already open stop answering too (a hung server, a full network).
``restore()``: connections go through again; those held silent are closed, so that the
clients reconnect, to the same server with the data it kept.
"""

import contextlib
import socket
import threading

PASS, REFUSE, SILENT = "pass", "refuse", "silent"


class Pair:
    """One client's connection, and the target's behind it (None while held silent)."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None):
        self.client = client
        self.upstream = upstream
        self.held = upstream is None

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()


class Relay:
    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = PASS
        self.lock = threading.Lock()
        self.pairs: list[Pair] = []
        self.listener: socket.socket | None = None
        self.port = 0
        self.accepted = 0
        # Chunks clients sent while held silent: read, never answered.
        self.unanswered = 0
        self.stopped = False
        self._listen()

    # What tests do -----------------------------------------------------------------

    def refuse(self) -> None:
        with self.lock:
            self.mode = REFUSE
            listener, self.listener = self.listener, None
            pairs, self.pairs = self.pairs, []
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone does not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                listener.close()
        for pair in pairs:
            pair.close()

    def silence(self) -> None:
        with self.lock:
            if self.mode == REFUSE:
                self.mode = SILENT
                self._listen_locked()
            self.mode = SILENT
            for pair in self.pairs:
                pair.held = True
                if pair.upstream is not None:
                    with contextlib.suppress(OSError):
                        pair.upstream.shutdown(socket.SHUT_RDWR)
                    with contextlib.suppress(OSError):
                        pair.upstream.close()
                    pair.upstream = None

    def restore(self) -> None:
        with self.lock:
            held = [pair for pair in self.pairs if pair.held]
            self.pairs = [pair for pair in self.pairs if not pair.held]
            self.mode = PASS
            if self.listener is None:
                self._listen_locked()
        for pair in held:
            pair.close()

    def stop(self) -> None:
        self.refuse()
        self.stopped = True

    def url(self, scheme: str, rest: str = "") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{rest}"

    # The machinery -------------------------------------------------------------------

    def _listen(self) -> None:
        with self.lock:
            self._listen_locked()

    def _listen_locked(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(512)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed: refused from now on
            with self.lock:
                mode = self.mode
            upstream = None
            if mode == PASS:
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
            pair = Pair(client, upstream)
            with self.lock:
                if self.listener is not listener:
                    pair.close()
                    return
                self.pairs.append(pair)
                self.accepted += 1
            threading.Thread(target=self._pump_in, args=(pair,), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump_out, args=(pair, upstream), daemon=True).start()

    def _pump_in(self, pair: Pair) -> None:
        """Client to target; while held, what the client sends is read and dropped."""
        while True:
            try:
                data = pair.client.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._drop(pair)
                return
            upstream = pair.upstream
            if pair.held or upstream is None:
                with self.lock:
                    self.unanswered += 1
                continue
            try:
                upstream.sendall(data)
            except OSError:
                if not pair.held:
                    self._drop(pair)
                    return

    def _pump_out(self, pair: Pair, upstream: socket.socket) -> None:
        """Target to client, until the target goes (or the pair is held silent)."""
        while True:
            try:
                data = upstream.recv(65536)
            except OSError:
                data = b""
            if not data or pair.held:
                if not pair.held:
                    self._drop(pair)
                return
            try:
                pair.client.sendall(data)
            except OSError:
                self._drop(pair)
                return

    def _drop(self, pair: Pair) -> None:
        with self.lock:
            if pair in self.pairs:
                self.pairs.remove(pair)
        pair.close()
