"""The guard that proves nothing phones home must itself work."""

import socket

import netguard
import pytest


def test_external_connection_is_refused() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(netguard.ExternalConnectionBlocked):
            sock.connect(("93.184.216.34", 443))
    finally:
        sock.close()


def test_external_dns_lookup_is_refused() -> None:
    with pytest.raises(netguard.ExternalConnectionBlocked):
        socket.getaddrinfo("telemetry.rasa.com", 443)


def test_loopback_is_allowed() -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
