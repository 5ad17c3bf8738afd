"""One window per data folder: a second launch hands its arguments to the running window (which comes
to the front) and ends; the window listens on a local socket named after its data folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from nexus_desktop.core.instance import HandOver, decode

if TYPE_CHECKING:  # QtNetwork is loaded after the first frame
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

HAND_OVER_TIMEOUT_S = 3.0
MAX_PENDING_BYTES = 1 << 20


def socket_address(name: str) -> str:
    """Where the window listens: a socket file in the temporary folder Qt uses (POSIX), a pipe (Windows)."""
    if os.name == "nt":
        return name
    return os.path.join((os.environ.get("TMPDIR") or "/tmp").rstrip("/") or "/", name)


def hand_over(address: str, message: Callable[[], bytes], timeout_s: float = HAND_OVER_TIMEOUT_S) -> bool:
    """Give a running window our arguments; False when none answers (then this launch opens the window).

    On POSIX this is a plain Unix socket: no Qt networking module is loaded before the first frame."""
    if os.name == "nt":
        return _hand_over_qt(address, message, timeout_s)
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(address)
        except OSError:
            return False  # nobody listens (no window, or the socket file of one that crashed)
        try:
            sock.sendall(message())
            reply = sock.recv(64)
        except OSError as exc:
            log.warning("the running window did not answer: %s", exc)
            return False
    return reply.startswith(b"ok")


def _hand_over_qt(address: str, message: Callable[[], bytes], timeout_s: float) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(address)
    if not sock.waitForConnected(int(timeout_s * 1000)):
        return False
    sock.write(message())
    ok = sock.waitForBytesWritten(int(timeout_s * 1000)) and sock.waitForReadyRead(int(timeout_s * 1000))
    reply = bytes(sock.readAll().data()) if ok else b""
    sock.disconnectFromServer()
    return reply.startswith(b"ok")


class InstanceServer(QObject):
    """Listens for later launches with the same data folder and passes on what they ask."""

    requested = Signal(object)  # core.instance.HandOver

    def __init__(self, address: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self.address = address
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; a socket left by a window that crashed is removed first. False (logged) when
        another window already listens (two launches at the same moment): this one then runs alone."""
        from PySide6.QtNetwork import QLocalServer

        if self._server.listen(self.address):
            return True
        if self._answers():
            log.warning("another window already listens on %s", self.address)
            return False
        QLocalServer.removeServer(self.address)  # a stale socket from a crashed window
        if not self._server.listen(self.address):
            log.warning("cannot listen on %s: %s", self.address, self._server.errorString())
            return False
        return True

    def close(self) -> None:
        self._server.close()

    def _answers(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        probe = QLocalSocket()
        probe.connectToServer(self.address)
        alive = probe.waitForConnected(300)
        probe.abort()
        return alive

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            conn = self._server.nextPendingConnection()
            buffer = bytearray()

            def read(conn: QLocalSocket = conn, buffer: bytearray = buffer) -> None:
                self._read(conn, buffer)

            conn.readyRead.connect(read)
            conn.disconnected.connect(conn.deleteLater)

    def _read(self, conn: QLocalSocket, buffer: bytearray) -> None:
        from nexus_desktop.core.urls import BadTarget

        buffer += bytes(conn.readAll().data())
        if b"\n" not in buffer and len(buffer) < MAX_PENDING_BYTES:
            return  # the rest is on its way
        line = bytes(buffer).split(b"\n", 1)[0]
        try:
            handover: HandOver = decode(line)
        except BadTarget as exc:
            log.warning("a launch sent what cannot be opened: %s", exc)
            conn.write(b"error\n")
        else:
            conn.write(b"ok\n")
            self.requested.emit(handover)
        conn.flush()
        conn.disconnectFromServer()
