"""Listening sockets, bound before anything else starts, so a taken port is one clear line."""

from __future__ import annotations

import errno
import socket


class PortInUse(OSError):
    def __init__(self, host: str, port: int, setting: str) -> None:
        super().__init__(
            f"port {port} on {host} is already in use; stop what holds it, or choose another"
            f" port: {setting}={port + 1} make run"
        )


def bind(host: str, port: int, setting: str) -> socket.socket:
    """A listening TCP socket; PortInUse when something else holds the port.

    SO_REUSEADDR lets a restart reuse a port whose old connections linger in TIME_WAIT; it does not
    let two servers listen on one port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # bursts of concurrent clients (socketserver's backlog of 5 drops SYNs)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, setting) from error
        raise
    return sock
