"""The suite runs offline: outside connections fail, loopback works, kernels inherit the guard."""
import os
import socket
import subprocess
import sys
import urllib.request

import pytest
from netguard import NetworkBlockedError


def test_guard_blocks_outside_connections():
    with pytest.raises(NetworkBlockedError, match="offline"):
        socket.create_connection(("93.184.215.14", 80), timeout=1)


def test_guard_blocks_name_lookups_and_urls():
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("pypi.org", 443)
    with pytest.raises(Exception) as info:
        urllib.request.urlopen("http://example.com", timeout=1)
    assert isinstance(info.value, NetworkBlockedError) or isinstance(
        getattr(info.value, "reason", None), NetworkBlockedError)


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    conn, _ = server.accept()
    client.sendall(b"ping")
    assert conn.recv(4) == b"ping"
    for s in (client, conn, server):
        s.close()


def test_child_processes_such_as_kernels_are_guarded():
    # Kernels are child processes started with this environment; check one gets the guard.
    code = ("import socket\n"
            "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
            "except ConnectionError as e:\n    print(type(e).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], env=os.environ.copy(),
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "NetworkBlockedError", out.stderr
