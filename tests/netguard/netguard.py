"""Block every network connection that leaves this machine.

Installed in the pytest process by ``tests/conftest.py`` and in every Jupyter kernel the tests
start (through ``sitecustomize.py`` beside this file, which ``conftest.py`` puts on the
kernels' ``PYTHONPATH``). Loopback and Unix sockets keep working: the kernel talks to pytest
over them.
"""
from __future__ import annotations

import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlockedError(ConnectionError):
    """Raised instead of opening a connection to an outside address."""


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%")[0]  # drop an IPv6 zone id
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _check(sock_family, address, what: str) -> None:
    if sock_family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_local(host):
        raise NetworkBlockedError(f"the d2lite tests run offline: {what} to {address!r} was blocked "
                                  "(only loopback is allowed). Load data from installed packages.")


_real = {}


def install() -> None:
    """Patch the socket module; calling it twice is harmless."""
    if _real:
        return
    _real.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                 sendto=socket.socket.sendto, getaddrinfo=socket.getaddrinfo)

    def connect(self, address):
        _check(self.family, address, "a connection")
        return _real["connect"](self, address)

    def connect_ex(self, address):
        _check(self.family, address, "a connection")
        return _real["connect_ex"](self, address)

    def sendto(self, data, *args):
        _check(self.family, args[-1], "a datagram")
        return _real["sendto"](self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        _check(None, (host,), "a name lookup")
        return _real["getaddrinfo"](host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.socket.sendto, socket.getaddrinfo = sendto, getaddrinfo


def installed() -> bool:
    return bool(_real)
