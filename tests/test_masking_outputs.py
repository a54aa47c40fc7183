"""Every output of a real run hides secrets: -v, --dry-run, errors, the three reports, pytest
failures and the ``httprun`` fixture. The reported cases of issue 7 (section 1), through the CLI
against servers on 127.0.0.1."""

from __future__ import annotations

import importlib.metadata
import json
import textwrap
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from fixture_server import serve

from runner.run import RunOptions, run_files

pytest_plugins = ["pytester"]

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----"
)
ACCESS = "Qx7Vb2Lm9Kd4Wz8Pj3Ht6Ry1"
REFRESH = "Fn5Gc8Js2Xa7Ue4Ov9Ib3Ml6"
# A token response nobody captures or names: only its field names say what it holds.
TOKEN_RESPONSE = {
    "access_token": ACCESS,
    "refresh_token": REFRESH,
    "token_type": "Bearer",
    "expires_in": 7200,
    "keyword": "visible-keyword",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length).decode("utf-8")
        if self.path.startswith("/token"):
            payload: Any = TOKEN_RESPONSE
        else:  # /echo: what came in, as JSON with \uXXXX escapes and PHP's \/
            payload = {"received": received, "path": self.path}
        body = json.dumps(payload).replace("/", "\\/").encode("ascii")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(handler=_Handler) as base_url:
        yield base_url


def reports(folder: Path) -> list[str]:
    return ["--junit", str(folder / "r.xml"), "--json", str(folder / "r.json"), "--html",
            str(folder / "r.html")]  # fmt: skip


def everything(out: str, folder: Path) -> str:
    texts = [out] + [(folder / name).read_text("utf-8") for name in ("r.xml", "r.json", "r.html")]
    return "\n".join(texts)


def assert_hidden(secret: str, shown: str, *, least: int = 6) -> None:
    """Neither ``secret`` nor any piece of it ``least`` characters long appears in ``shown``."""
    pieces = {secret[i : i + least] for i in range(len(secret) - least + 1)}
    assert [piece for piece in pieces if piece in shown] == []


def test_a_pem_private_key_is_masked_whole_by_verbose_and_dry_run(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text("POST <<base>>/echo\nContent-Type: text/plain\n\n<<private_key>>\n")
    args = [str(path), "--var", f"base={server}", "--var", f"private_key={PEM}"]
    for extra in (["-v", *reports(tmp_path)], ["--dry-run"]):
        result = run_cli(args + extra, capsys)
        assert result.code == 0, result.output
        shown = everything(result.output, tmp_path) if "-v" in extra else result.output
        for line in PEM.splitlines()[1:-1]:
            assert_hidden(line, shown)
        assert "****" in result.output


def test_an_uncaptured_token_response_is_masked_in_every_output(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text(
        "POST <<base>>/token\n\n"
        "### the tokens come back in an echo, and in a failing check\n"
        "POST <<base>>/echo\n\n"
        f"{ACCESS} {REFRESH}\n\n"
        f'?? body.received == "something else"\n'
    )
    result = run_cli([str(path), "-v", "--var", f"base={server}", *reports(tmp_path)], capsys)
    assert result.code == 1
    shown = everything(result.output, tmp_path)
    assert_hidden(ACCESS, shown)
    assert_hidden(REFRESH, shown)
    assert '"access_token": "****"' in result.output
    assert '"token_type": "Bearer"' in result.output and "visible-keyword" in result.output


def test_the_httprun_fixture_hands_tokens_masked(tmp_path: Path, server: str) -> None:
    path = tmp_path / "a.http"
    path.write_text("POST <<base>>/token\n")
    result = run_files([str(path)], RunOptions(variables={"base": server}))
    masked = result.requests[0].masked(result.masker)
    assert masked.exchange is not None
    assert masked.exchange.response["body"]["access_token"] == "****"
    assert ACCESS not in json.dumps(masked.exchange.response)


def test_odd_secrets_are_masked_in_every_encoding_the_server_echoes(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = 'pä/ss wörd+"q" ü'
    path = tmp_path / "a.http"
    path.write_text(
        "POST <<base>>/echo?k=<<%api_key>>\n"
        "Content-Type: application/x-www-form-urlencoded\n\n"
        "api_key=<<%api_key>>&lower=" + quote(secret, safe="").lower() + "\n"
    )
    args = [str(path), "-v", "--var", f"base={server}", "--var", f"api_key={secret}"]
    result = run_cli(args + reports(tmp_path), capsys)
    assert result.code == 0, result.output
    shown = everything(result.output, tmp_path)
    as_json = json.dumps(secret)[1:-1]
    percent = quote(secret, safe="")
    for form in (secret, percent, percent.lower(), as_json, as_json.replace("/", "\\/")):
        assert form not in shown, form


def test_a_short_secret_is_masked_where_it_stands_alone(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text("POST <<base>>/echo?pin=<<pin_password>>&word=apple\n")
    args = [str(path), "-v", "--var", f"base={server}", "--var", "pin_password=app"]
    result = run_cli(args, capsys)
    assert result.code == 0, result.output
    assert "pin=****&word=apple" in result.output


def test_a_check_message_cut_shows_no_part_of_a_secret(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "Sw4Zk8Qe1Yh6Tn3Bx9Cv2Dm7"
    # The check message shows 200 characters of the body: the secret sits across the cut.
    body = "x" * 185 + secret + "y" * 100
    path = tmp_path / "a.http"
    path.write_text(f'POST <<base>>/echo\n\n{body}\n\n?? body.received == "no"\n')
    args = [str(path), "--var", f"base={server}", "--var", f"api_token={secret}"]
    result = run_cli(args + reports(tmp_path), capsys)
    assert result.code == 1
    assert "…" in result.output
    assert_hidden(secret, everything(result.output, tmp_path), least=4)


@pytest.mark.parametrize(
    ("secret", "http", "message", "cut"),
    [
        pytest.param(
            "Uq3Rk7Wz1Hf9Pv5Jx2Lb8Ns4",
            "GET http://127.0.0.1:99999/" + "p" * 75 + "?api_key=<<api_key>>&x=" + "q" * 40 + "\n",
            "port 99999 is out of range",
            "…",
            id="invalid-url",
        ),
        pytest.param(
            "Pe6Mq2Xt9Gv4Kz7Hb1Rw5Yj3",
            "POST http://127.0.0.1:9/\n\n< ./" + "d" * 135 + "<<api_key>>" + "e" * 60 + "\n",
            "no such file",
            "...",
            id="long-include-path",
        ),
    ],
)
def test_an_error_message_cut_shows_no_part_of_a_secret(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    secret: str,
    http: str,
    message: str,
    cut: str,
) -> None:
    path = tmp_path / "a.http"
    path.write_text(http)
    result = run_cli([str(path), "--var", f"api_key={secret}"], capsys)
    assert result.code == 3
    assert message in result.output and cut in result.output
    assert_hidden(secret, result.output, least=4)


_INSTALLED = any(
    entry.value == "runner.pytest_plugin"
    for entry in importlib.metadata.entry_points(group="pytest11", name="httprun")
)
PLUGIN_ARGS: tuple[str, ...] = () if _INSTALLED else ("-p", "runner.pytest_plugin")


def test_the_pytest_failure_section_cut_shows_no_part_of_a_secret(
    pytester: pytest.Pytester, server: str
) -> None:
    secret = "Yt8Nd3Qw6Lc1Zh5Vk9Fm2Xb7"
    # The failure section shows 2000 characters of the response body.
    text = "z" * 1960 + secret + "w" * 100
    (pytester.path / "api.http").write_text(
        textwrap.dedent(f"""\
        POST <<base>>/echo

        {text}

        ?? body.received == "no"
        """)
    )
    result = pytester.runpytest_inprocess(
        *PLUGIN_ARGS, "-p", "no:hypothesispytest", "-p", "no:cacheprovider",
        "api.http", "--http-var", f"base={server}", "--http-var", f"api_token={secret}",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    shown = "\n".join(result.outlines + result.errlines)
    assert "more characters" in shown
    assert_hidden(secret, shown, least=4)


def test_a_token_endpoint_error_page_cut_shows_no_part_of_a_refresh_token() -> None:
    from test_auth_support import cafe24_profile

    from runner.auth.endpoints import TokenRefused, refresh_access_token
    from runner.auth.tokens import Token, utc_now

    refresh = "Rk4Wc9Tz2Hq7Mv5Xb1Lp8Ns3"
    # A proxy's error page that echoes the form: 300 characters of it are quoted.
    page = "<html>" + "e" * 280 + f"refresh_token={refresh}" + "</html>"
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(502, text=page)))
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(client, cafe24_profile(), Token(None, refresh), now=utc_now())
    assert "http_502" in caught.value.message and "..." in caught.value.message
    assert_hidden(refresh, str(caught.value), least=4)


def test_pytest_failures_show_an_uncaptured_token_response_masked(
    pytester: pytest.Pytester, server: str
) -> None:
    (pytester.path / "api.http").write_text("POST <<base>>/token\n\n?? status == 201\n")
    result = pytester.runpytest_inprocess(
        *PLUGIN_ARGS, "-p", "no:hypothesispytest", "-p", "no:cacheprovider",
        "api.http", "--http-var", f"base={server}",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    shown = "\n".join(result.outlines + result.errlines)
    assert "Captured http response" in shown and '"token_type": "Bearer"' in shown
    assert_hidden(ACCESS, shown)
    assert_hidden(REFRESH, shown)


def test_an_undecodable_byte_in_a_secret_var_is_no_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A shell passes the byte 0xff through; Python's argv holds it as the surrogate "\udcff".
    path = tmp_path / "a.http"
    path.write_text("GET http://127.0.0.1:9/?k=<<api_key>>\n")
    result = run_cli([str(path), "--dry-run", "--var", "api_key=\udcff-argv-secret"], capsys)
    assert result.code == 0, result.output
    assert "argv-secret" not in result.output and "k=****" in result.output


def test_a_header_named_like_a_secret_does_not_follow_a_redirect_elsewhere(
    local_server: str,
) -> None:
    from runner.executor import build_client, send_request
    from runner.masking import Masker
    from runner.results import ResolvedRequest
    from runner.source import Span

    headers = (("X-Auth-Token", "hdr-not-learnt-7c2e"), ("X-Trace", "plain-1"))
    with serve() as other_origin:
        url = f"{local_server}/redirect?to={other_origin}/echo"
        request = ResolvedRequest("GET", url, headers, None, Span.point("t.http", 1, 1, 3))
        # A masker that has learnt nothing: the header's name alone says it is a secret.
        with build_client(transport=httpx.HTTPTransport(), masker=Masker()) as client:
            received = send_request(client, request).response["body"]["headers"]
    assert received["x-trace"] == "plain-1"
    assert "x-auth-token" not in received
