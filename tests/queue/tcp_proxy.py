"""A TCP relay on 127.0.0.1 that a test can cut and restore, to drop a browser's connection for real,
or slow, to hold what the server sends back (a Redis whose deliveries come late, as on a loaded machine)."""
from __future__ import annotations

import socket
import threading
import time


class TcpProxy:
    """Relays 127.0.0.1:`port` to the target port until `drop()`; `restore()` listens on the same port again.
    `reply_delay_s`: each chunk the target sends back is held that long, in order."""

    def __init__(self, target_port: int, reply_delay_s: float = 0.0):
        self.target = ("127.0.0.1", target_port)
        self.reply_delay_s = reply_delay_s
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._acceptor: threading.Thread | None = None
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        self._stop = threading.Event()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, args=(listener, self._stop), daemon=True)
        self._acceptor.start()

    def drop(self) -> None:
        """Stop accepting and cut every open connection, as a pulled cable would."""
        self._stop.set()
        if self._acceptor is not None:
            # The listener closes when its thread sees the stop: only then may `restore` bind the port again.
            self._acceptor.join(timeout=10)
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    close = drop

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        with listener:
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except (socket.timeout, TimeoutError):
                    continue
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                with self._lock:
                    if stop.is_set():  # accepted while being dropped: cut it too, or it outlives the drop
                        client.close()
                        upstream.close()
                        break
                    self._sockets += [client, upstream]
                for a, b, delay in ((client, upstream, 0.0), (upstream, client, self.reply_delay_s)):
                    threading.Thread(target=self._pump, args=(a, b, delay), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, delay: float) -> None:
        try:
            while data := src.recv(65536):
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
