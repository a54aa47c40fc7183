"""Shared fixtures: a real local HTTP server (see ``fixture_server`` for its routes)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fixture_server import serve


@pytest.fixture(scope="session")
def local_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of a real HTTP/1.1 keep-alive server, one per
    session (so one per xdist worker). Routes: ``tests/fixture_server.py``'s docstring."""
    with serve() as base_url:
        yield base_url


@pytest.fixture
def closed_port_url() -> str:
    """``http://127.0.0.1:PORT`` where nothing listens: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
