"""Shared fixtures: a real local HTTP server (see ``fixture_server`` for its routes)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_server import serve
from hypothesis import settings

# Property tests check what holds, not how fast: on a loaded 2-core CI machine a single example
# can take longer than hypothesis' 200 ms default deadline, which would fail a correct run.
settings.register_profile("httprun", deadline=None)
settings.load_profile("httprun")

# The tests set every httprun setting they need themselves: one from the machine running them
# (a developer's HTTPRUN_TOKEN_STORE, a CI job's) would change what they see, or add a warning.
for _setting in [key for key in os.environ if key.startswith("HTTPRUN_")]:
    del os.environ[_setting]


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


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with serve(context) as base_url:
        yield base_url
