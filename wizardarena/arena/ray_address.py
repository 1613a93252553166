"""Where ``--engine ray`` connects: the address checked and probed before Ray is asked to connect, since
Ray itself keeps reconnecting to a dead or wrong address for minutes before it gives up."""

from __future__ import annotations

import socket

from wizardarena.backends.base import BackendError
from wizardarena.errors import InputError

# The HTTP/2 client preface and an empty SETTINGS frame (length 0, type 4, no flags, stream 0)
HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def ray_host_port(address: str) -> tuple[str, int]:
    """The host and port of a ``HOST:PORT`` address; InputError otherwise. ``ray://`` (Ray Client) is
    refused: Ray Data's executor does not run through it (it fails with "'Worker' object has no
    attribute 'core_worker'"), so the driver runs on a machine of the cluster."""
    if address.strip().startswith("ray://"):
        raise InputError(f"--ray-address {address}: Ray Data does not run through Ray Client (ray://); run eval on "
                         "a machine of the cluster with --ray-address HEAD_IP:6379 (or submit it with ray job submit)")
    host, _, port = address.strip().rstrip("/").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--ray-address {address}: expected HOST:PORT (the head's GCS address, e.g. 10.0.0.1:6379) "
                         "or auto")
    return host.strip("[]"), int(port)


def check_reachable(address: str | None, timeout: float = 5.0) -> None:
    """Refuse, within ``timeout`` seconds, a ``HOST:PORT`` address where no gRPC server answers (Ray's
    head does): Ray itself keeps reconnecting to a dead or wrong address for minutes before it gives up."""
    if not address or address in ("auto", "local"):
        return
    host, port = ray_host_port(address)
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(HTTP2_HELLO)
            reply = connection.recv(9)
    except OSError as error:
        raise BackendError(f"--engine ray: cannot reach the Ray cluster at {address} "
                           f"({error.strerror or type(error).__name__})") from None
    if len(reply) < 4 or reply[3] != 4:  # a gRPC server answers the preface with a SETTINGS frame (type 4)
        raise BackendError(f"--engine ray: {address} answers, but not as a Ray cluster (no gRPC server there)")


def check_engine(engine: str, address: str | None, workers: int) -> None:
    """Refuse, before any work, an unknown ``--engine``, ``--ray-workers`` below 1, or (with ``ray``) a
    malformed ``--ray-address``: the engine settings ``eval`` and the flywheel share."""
    if engine not in ("local", "ray"):
        raise InputError(f"--engine must be local or ray, got {engine!r}")
    if workers < 1:
        raise InputError(f"--ray-workers must be >= 1, got {workers}")
    if engine == "ray" and address not in (None, "auto", "local"):
        ray_host_port(address)
