"""Whether a TCP port is free to listen on, asked before a server tries (and fails less clearly)."""

from __future__ import annotations

import socket


def port_is_free(host: str, port: int) -> bool:
    """True when ``host:port`` can be bound now (``SO_REUSEADDR``, as servers bind it); port 0 always is."""
    if port == 0:
        return True
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
