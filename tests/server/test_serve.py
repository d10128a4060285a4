"""`fhir-ldn serve`'s uvicorn set-up: the socket shared by worker processes records TCP, so connections get
TCP_NODELAY (without it every keep-alive answer after the first waited ~40 ms: uvicorn issue #3149)."""

from __future__ import annotations

import socket

from server.serve import APP, ServeConfig
from tests.server.live_server import free_port


def test_the_shared_listening_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    config = ServeConfig(APP, factory=True, host="127.0.0.1", port=free_port(), workers=2)
    listener = config.bind_socket()
    try:
        assert listener.proto == socket.IPPROTO_TCP
        listener.listen()
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP  # what asyncio checks before setting TCP_NODELAY
    finally:
        listener.close()
