"""Serving the API with uvicorn: one process, or several worker processes under uvicorn's
own supervisor.

With several workers uvicorn gives them one listening socket, and whichever worker wakes
first accepts every connection waiting: eight clients connecting together all went to
one worker, or seven to one (measured, five runs of the bench), which then did all the
work on one core while the other idled. On Linux each worker here listens on a socket of
its own on the same port (SO_REUSEPORT), and the kernel spreads new connections over them
by address. The supervisor keeps a bound, not listening, socket of the same group: it
holds the port for the workers and their restarts, and receives nothing."""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

from leadflow.errors import LeadFlowError
from leadflow.settings import Settings

APP = "leadflow.api.app:create_app"
log = logging.getLogger("uvicorn.error")


class PortTaken(LeadFlowError):
    """The address is already served by something else."""


def spreads_connections() -> bool:
    """Whether workers can listen on sockets of their own here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortTaken(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


class _OwnSocketWorker(multiprocess.Process):
    """A uvicorn worker that listens on a socket of its own in the port's group."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        own = _socket(self.config.host, self.config.port, reuse_port=True)
        super().target([own])


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the API until stopped: in this process, or in `workers` worker processes."""
    if workers == 1:
        from leadflow.api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    options: dict[str, Any] = {"factory": True, "workers": workers, "host": host,
                               "port": port, "log_level": "info"}
    if not spreads_connections() or port == 0:  # port 0: one chosen port, shared
        uvicorn.run(APP, **options)
        return
    # Refuse a port in use, as uvicorn would: in a SO_REUSEPORT group of the same user
    # a second server would be let in silently.
    _socket(host, port, reuse_port=False).close()
    holder = _socket(host, port, reuse_port=True)
    config = uvicorn.Config(APP, **options)
    log.info("LeadFlow API on http://%s:%d: %d workers, a socket each (Press CTRL+C to quit)",
             host, port, workers)
    multiprocess.Process = _OwnSocketWorker  # type: ignore[misc]  # the workers it starts
    try:
        multiprocess.Multiprocess(config, sockets=[holder]).run()
    finally:
        holder.close()
