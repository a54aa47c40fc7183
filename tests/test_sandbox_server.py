"""The sandbox as a server: lifecycle, HTTP/1.1 details, serve(), the transport, threads."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from test_sandbox_support import api_url, running

from runner.errors import UsageError
from runner.sandbox import Sandbox, SandboxTransport

ROOT = Path(__file__).resolve().parent.parent


def test_start_returns_the_base_url_and_stop_frees_the_port() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.base_url
    url = sandbox.start()
    assert url.startswith("http://127.0.0.1:")
    assert sandbox.base_url == url
    assert sandbox.start() == url  # already running: the same server
    assert httpx.get(url + "/api/v2/nothing").status_code == 404
    sandbox.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/api/v2/nothing")
    sandbox.stop()  # stopping twice is harmless
    again = sandbox.start()
    assert httpx.get(again + "/api/v2/nothing").status_code == 404
    sandbox.stop()


def test_stop_ends_idle_keep_alive_connections() -> None:
    with Sandbox() as sandbox:
        url = urlsplit(sandbox.start())
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
        connection.request("GET", "/api/v2/nothing")
        connection.getresponse().read()
        sandbox.stop()
        assert connection.sock is not None
        assert connection.sock.recv(1) == b""  # closed by the server, not left hanging
        connection.close()


def test_a_busy_port_is_a_usage_error() -> None:
    with Sandbox() as first:
        port = urlsplit(first.start()).port
        assert port is not None
        with pytest.raises(UsageError, match=rf"cannot serve the sandbox on 127.0.0.1:{port}"):
            Sandbox().start(port=port)


def test_requests_share_one_keep_alive_connection() -> None:
    with Sandbox() as sandbox:
        url = urlsplit(sandbox.start())
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
        sockets = []
        for _ in range(3):
            connection.request(
                "GET", "/api/v2/admin/products", headers={"Host": "demo.cafe24api.com"}
            )
            response = connection.getresponse()
            assert response.version == 11
            assert response.status == 401
            assert response.getheader("Content-Length") == str(len(response.read()))
            sockets.append(connection.sock)
        assert sockets[0] is not None and sockets[0] is sockets[1] is sockets[2]
        connection.close()


def test_chunked_and_expect_continue_bodies_are_read() -> None:
    with Sandbox() as sandbox:
        url = urlsplit(sandbox.start())
        form = b"grant_type=refresh_token&refresh_token=unknown"
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
        connection.request(
            "POST",
            "/api/v2/oauth/token",
            body=iter([form[:10], form[10:]]),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "Basic c2FuZGJveC1jbGllbnQtaWQ6c2FuZGJveC1jbGllbnQtc2VjcmV0",
            },
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert json.loads(response.read()) == {
            "error": "invalid_grant",
            "error_description": "Invalid refresh_token",
        }
        connection.close()
        # A client that waits for "100 Continue" before sending its body gets it at once.
        with socket.create_connection((url.hostname or "", url.port or 0), timeout=5) as raw:
            raw.sendall(
                b"POST /api/v2/oauth/revoke HTTP/1.1\r\nHost: demo.cafe24api.com\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 100 Continue")
            raw.sendall(b"x=1&y")
            assert raw.recv(1024).startswith(b"HTTP/1.1 401 ")  # no client credentials


def test_a_malformed_content_length_is_a_400() -> None:
    with Sandbox() as sandbox:
        url = urlsplit(sandbox.start())
        with socket.create_connection((url.hostname or "", url.port or 0), timeout=5) as raw:
            raw.sendall(
                b"POST /api/v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n"
            )
            answer = raw.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert b'"message":"Content-Length is not a number."' in answer


def test_a_cafe24_host_that_names_no_mall_is_404() -> None:
    with running() as env:
        response = env.client.get(api_url("/products", mall="a.b"))
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "No API found."


def test_concurrent_clients_are_served_consistently() -> None:
    with running() as env:
        token = env.access_token()
        # Each thread uses its own client: the sandbox sees parallel keep-alive connections.
        created: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def create(worker: int) -> None:
            transport = SandboxTransport(
                env.sandbox.base_url, inner=httpx.HTTPTransport(verify=False)
            )
            try:
                with httpx.Client(transport=transport) as client:
                    for item in range(4):
                        response = client.post(
                            api_url("/products"),
                            json={
                                "shop_no": 1,
                                "request": {"product_name": f"w{worker}-{item}", "price": 1},
                            },
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        assert response.status_code == 201, response.text
                        with lock:
                            created.append(response.json()["product"]["product_no"])
            except BaseException as failure:  # surfaced below, in the test's thread
                errors.append(failure)

        threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sorted(created) == list(range(13, 13 + 32))
        assert env.api("GET", "/products/count", token).json() == {"count": 12 + 32}


# -- SandboxTransport, without a server ---------------------------------------------------------


class Recorder(httpx.BaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={"seen": str(request.url)})

    def close(self) -> None:
        self.closed = True


def test_the_transport_reroutes_cafe24_hosts_and_keeps_the_host_header() -> None:
    inner = Recorder()
    with httpx.Client(transport=SandboxTransport("http://127.0.0.1:8123", inner=inner)) as client:
        response = client.post(
            "https://shop9.cafe24api.com/api/v2/admin/products?limit=5&fields=a%2Cb",
            json={"request": {}},
        )
        assert (
            str(response.url)
            == "https://shop9.cafe24api.com/api/v2/admin/products?limit=5&fields=a%2Cb"
        )
        client.get("https://example.com/x?y=1")
        client.get("http://demo.cafe24api.com/plain-http")
    assert inner.closed
    rerouted, elsewhere, plain = inner.requests
    assert str(rerouted.url) == "http://127.0.0.1:8123/api/v2/admin/products?limit=5&fields=a%2Cb"
    assert rerouted.headers["host"] == "shop9.cafe24api.com"
    assert rerouted.method == "POST"
    assert json.loads(rerouted.content) == {"request": {}}
    assert str(elsewhere.url) == "https://example.com/x?y=1"
    assert elsewhere.headers["host"] == "example.com"
    assert str(plain.url) == "http://demo.cafe24api.com/plain-http"


def test_the_transport_keeps_a_base_path_prefix() -> None:
    inner = Recorder()
    with httpx.Client(
        transport=SandboxTransport("http://10.0.0.5:80/cafe24/", inner=inner)
    ) as client:
        client.get("https://demo.cafe24api.com/api/v2/oauth/authorize?a=1")
    assert str(inner.requests[0].url) == "http://10.0.0.5/cafe24/api/v2/oauth/authorize?a=1"


def test_the_default_inner_transport_reaches_a_real_sandbox() -> None:
    with Sandbox() as sandbox, httpx.Client(transport=SandboxTransport(sandbox.start())) as client:
        response = client.get("https://demo.cafe24api.com/api/v2/admin/products")
        assert response.status_code == 401


# -- serve(), in a process of its own -----------------------------------------------------------


def test_serve_runs_in_the_foreground_on_the_standard_library_alone(tmp_path: Path) -> None:
    script = tmp_path / "serve.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from runner.sandbox import SandboxSettings, serve
            from runner.sandbox.banner import local_url

            def ready(host, port):
                sys.stdout.write(local_url(host, port) + "\\n")
                sys.stdout.flush()

            try:
                serve("127.0.0.1", 0, SandboxSettings(mall="served"), on_ready=ready)
            except KeyboardInterrupt:
                third_party = ("httpx", "httpcore", "lark", "jmespath")
                loaded = sorted(name for name in third_party if name in sys.modules)
                sys.stdout.write("interrupted " + ",".join(loaded) + "\\n")
            """
        )
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(url + "/api/v2/oauth/authorize")
        assert response.status_code == 400
        page = httpx.get(
            url + "/api/v2/oauth/authorize?response_type=code&client_id=sandbox-client-id"
            "&redirect_uri=https://localhost/oauth/callback&scope=mall.read_product"
        )
        assert "Authorize an app for mall <code>served</code>" in page.text
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert out == "interrupted \n"  # nothing printed, no third-party module imported
    assert err == ""
    assert process.returncode == 0


def test_start_takes_milliseconds() -> None:
    started = time.perf_counter()
    with Sandbox() as sandbox:
        sandbox.start()
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5


def test_a_client_that_resets_its_connection_prints_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with Sandbox() as sandbox:
        host, port = urlsplit(sandbox.start()).netloc.split(":")
        for partial in (b"GET / HTTP/1.1\r\nHost: x", b"", b"\x16\x03\x01\x00\x05hello"):
            connection = socket.create_connection((host, int(port)), timeout=5)
            connection.sendall(partial)
            # SO_LINGER 0: close() sends a reset, as a crashed or impatient client does.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
        # The sandbox still answers, and its handler threads have met the resets.
        assert httpx.get(f"http://{host}:{port}/api/v2/admin/products").status_code == 401
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
