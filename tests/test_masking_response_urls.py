"""A credential a server sends in a URL of a response header that is not sensitive by name
(a redirect's Location to ``...#access_token=...``, as OAuth's implicit flow does, or to
``...?api_key=...``) is masked in every output, as the same URL in a request is."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from fixture_server import serve

from runner.masking import Masker

FRAGMENT_TOKEN = "Frag7Tok2Kd9Wz4Pj"
QUERY_KEY = "Qry5Key8Lm3Xa6Ue"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header(
            "Location", f"/cb?api_key={QUERY_KEY}#access_token={FRAGMENT_TOKEN}&state=s"
        )
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(handler=_Handler) as base_url:
        yield base_url


def test_a_token_in_a_redirect_location_is_masked_everywhere(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text(
        "# @no-redirect\nGET <<base>>/login\n\n?? headers.location == 'somewhere else'\n"
    )
    reports = {"--junit": "r.xml", "--json": "r.json", "--html": "r.html"}
    args = [str(path), "-v", "--var", f"base={server}"]
    for option, name in reports.items():
        args += [option, str(tmp_path / name)]
    result = run_cli(args, capsys)
    assert result.code == 1, result.output
    shown = "\n".join(
        [result.output, *((tmp_path / name).read_text("utf-8") for name in reports.values())]
    )
    assert FRAGMENT_TOKEN not in shown
    assert QUERY_KEY not in shown
    assert "/cb?api_key=****#access_token=****&state=s" in result.output


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("Location", "https://app.example/cb#access_token=abcd1234&token_type=Bearer", "abcd1234"),
        ("Content-Location", "/x?apiKey=k3y-v4lue", "k3y-v4lue"),
        ("Link", "<https://u:pa55word@h/>; rel=next", "pa55word"),
        ("X-Debug", "user=bob token=t0k3n-v4l", "t0k3n-v4l"),
    ],
)
def test_a_header_holding_a_url_teaches_its_credentials(name: str, value: str, secret: str) -> None:
    masker = Masker()
    masker.add_header(name, value)
    assert secret in masker.secrets
    assert "token_type=Bearer" in masker.mask("token_type=Bearer")


@pytest.mark.parametrize(
    ("header", "learnt"),
    [
        ("auth_token=ab12; Path=/; HttpOnly", {"ab12"}),
        ("apiKey=k9; theme=dark", {"k9"}),
        ("theme=dark; Path=/", set()),
        ("sid=Zq8Lm3Xa6Ue; Path=/", {"Zq8Lm3Xa6Ue"}),
    ],
)
def test_a_cookie_named_like_a_secret_is_learnt_however_short(
    header: str, learnt: set[str]
) -> None:
    # The server sets it, the client sends it back, an echo shows it in a body.
    masker = Masker()
    masker.add_header("Set-Cookie", header)
    assert masker.secrets == learnt


def test_a_basic_header_teaches_the_password_inside_it() -> None:
    masker = Masker()
    masker.add_header("Authorization", "Basic dXNlcjpTM2NyM3RQdw==")  # user:S3cr3tPw
    assert masker.mask('{"user": "user", "password": "S3cr3tPw"}') == (
        '{"user": "user", "password": "****"}'
    )
    masker.add_header("Authorization", "Basic not*base64")  # nothing to decode: no error


@pytest.mark.parametrize(
    "value",
    [
        "max-age=0, no-cache",
        "text/html; charset=utf-8",
        'Bearer realm="api", error="invalid_token"',
    ],
)
def test_ordinary_header_values_teach_nothing(value: str) -> None:
    masker = Masker()
    masker.add_header("X-Any", value)
    assert masker.secrets == frozenset()
