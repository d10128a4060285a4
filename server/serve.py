"""`fhir-ldn serve`: uvicorn with N worker processes, JSON logs, and TCP_NODELAY on every connection."""

from __future__ import annotations

import inspect
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from fhir_ldn.config import Settings
from server.logs import logging_config

APP = "server.app:create_served_app"


class ServeConfig(uvicorn.Config):
    """uvicorn's configuration with a listening socket fit for keep-alive connections."""

    def bind_socket(self) -> socket.socket:
        """The listening socket the worker processes share, with its protocol recorded.

        uvicorn creates it with `proto` 0; accepted sockets inherit that, and asyncio then leaves Nagle's
        algorithm on, so every keep-alive answer after the first waits ~40 ms for the client's delayed ACK
        (uvicorn issue #3149: a 2-worker server answered 3x slower than one worker).
        """
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            return socket.socket(fileno=sock.detach())  # family, type and protocol read from the descriptor
        return sock


def serve(host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    """Run the service until stopped; several workers share one listening socket (state is in the database)."""
    config = ServeConfig(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=logging_config(log_level),  # JSON lines; server.request_log replaces uvicorn's access log
        access_log=False,
        # SIGTERM: requests still running after this many seconds are cancelled (their work budgets with them,
        # server.offload), so the process ends within seconds whatever it is doing
        timeout_graceful_shutdown=Settings.from_env().shutdown_grace,
    )
    server = uvicorn.Server(config)
    if workers == 1:
        server.run()
        return
    sockets = [config.bind_socket()]
    if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn before 0.50 takes the server's run
        Multiprocess(config, target=server.run, sockets=sockets).run()  # type: ignore[call-arg]
    else:
        Multiprocess(config, sockets=sockets).run()
