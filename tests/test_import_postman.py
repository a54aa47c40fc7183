"""httprun import postman: cafe24's guide set-up run against the sandbox, every body mode, auth
type and URL shape sent to a local echo server, scripts, secrets, the report and bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.errors import HttprunError, InternalError
from runner.importers.names import Renamer
from runner.importers.postman import import_postman
from runner.importers.postman_scripts import convert_tests
from runner.options import RunOptions
from runner.parser import parse_text
from runner.run import run_files

DATA = Path(__file__).resolve().parent / "data" / "postman"
GUIDE = DATA / "cafe24-guide.postman_collection.json"
GUIDE_ENV = DATA / "cafe24-guide.postman_environment.json"
ECHO = DATA / "echo.postman_collection.json"
GUIDE_SECRETS = (
    "sandbox-client-secret",
    "Pasted0AccessToken0By0Hand",
    "Live0AccessToken0Pasted0xQ",
    "c2FuZGJveC1jbGllbnQtaWQ6c2FuZGJveC1jbGllbnQtc2VjcmV0",
)
ECHO_SECRETS = (
    "Literal0Bearer0Token0Value",
    "Basic0Password0Value",
    "Coll3ctionSecretValue",
    "Query0Key0Value",
    "Digest0Password0Value",
    "OAuth0Client0Secret",
    "Live0OAuth0Access0Token",
    "Body0Password0Value",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HTTPRUN_TOKEN_STORE", str(tmp_path / "store" / "tokens.json"))


def _http_texts(root: Path) -> str:
    return "".join(path.read_text() for path in sorted(root.rglob("*.http")))


def _no_secret_in(root: Path, output: str, secrets: tuple[str, ...], *, envs: bool) -> None:
    for path in root.rglob("*"):
        if path.is_file() and not (envs and path.name.endswith(".local.env")):
            text = path.read_text()
            assert not [s for s in secrets if s in text], path
    assert not [s for s in secrets if s in output]


# ---- cafe24's guide -----------------------------------------------------------------------------


def test_the_cafe24_guide_imports_and_passes_against_the_sandbox(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "project"
    code, stdout, err = run_cli(
        ["import", "postman", str(GUIDE), "--env", str(GUIDE_ENV), "--out", str(out)], capsys
    )
    assert code == 0, stdout + err
    assert stdout.splitlines()[-1] == "4 requests imported, 8 need attention"
    assert "Get an access token: a cafe24 token request by hand: left out" in stdout
    assert "authorization_basic left out" in stdout and "access_token left out" in stdout
    assert "'Authorization: Bearer {{access_token}}' left out of 3 request(s)" in stdout
    assert "console.log" not in stdout and "1 test script line(s) have no httprun form" in stdout
    products = (out / "requests" / "Products.http").read_text()
    assert "# @auth cafe24" in products and "Authorization" not in products
    assert "X-Cafe24-Api-Version: <<api_version>>" in products
    assert ">> product_no = body.products[0].product_no" in products
    assert "?? body.product.product_no == <<product_no>>" in products
    assert "# disabled query parameter: embed=variants" in products
    env = (out / "envs" / "cafe24-sandbox.env").read_text()
    assert "api_version='2025-12-01'" in env and "version=" not in env.replace("api_version", "")
    local = (out / "envs" / "cafe24-sandbox.local.env").read_text()
    assert "client_secret='sandbox-client-secret'" in local and "access_token" not in local
    assert (out / ".gitignore").read_text() == "*.local.env\n"
    _no_secret_in(out, stdout + err, GUIDE_SECRETS, envs=True)

    sandbox = tmp_path / "sandbox-mode.env"
    sandbox.write_text("HTTPRUN_SANDBOX=cafe24\n")
    env_file = str(out / "envs" / "cafe24-sandbox.env")
    code, stdout, err = run_cli(
        [str(out / "requests"), "--env", env_file, "--env", str(sandbox)], capsys
    )
    assert code == 0, stdout + err
    assert stdout.splitlines()[-1] == "4 passed, 0 failed"


def test_nothing_is_overwritten_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["import", "postman", str(GUIDE), "--env", str(GUIDE_ENV), "--out", str(tmp_path)]
    assert run_cli(args, capsys).code == 0
    products = tmp_path / "requests" / "Products.http"
    products.write_text("# mine\n")
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "add --force" in err
    assert products.read_text() == "# mine\n"
    assert run_cli([*args, "--force"], capsys).code == 0
    assert products.read_text() != "# mine\n"


# ---- every body mode, auth type and URL shape, against an echo server ---------------------------


def _echoes(folder: Path, local_server: str) -> dict[str, dict[str, Any]]:
    (folder / "requests" / "upload.txt").write_text("uploaded\n")
    (folder / "requests" / "payload.bin").write_bytes(b"\x00\x01payload")
    result = run_files(
        [str(folder / "requests")],
        RunOptions(
            env_files=(str(folder / "envs" / "Echo.env"),),
            # The oauth2 profile's store entry is seeded: no login against the echo server.
            variables={"base_url": local_server, "access_token": "Seeded0Token"},
        ),
    )
    echoes = {}
    for file in result.files:
        for request in file.requests:
            assert request.exchange is not None, request.error
            echoes[request.block.title] = request.exchange.response["body"]
    return echoes


def test_every_body_auth_and_url_shape_is_sent_as_the_collection_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, local_server: str
) -> None:
    code, out, err = run_cli(["import", "postman", str(ECHO), "--out", str(tmp_path)], capsys)
    assert code == 0, out + err
    assert out.splitlines()[-1] == "16 requests imported, 5 need attention"
    assert "Echo / OAuth: the exported OAuth 2.0 access token is left out" in out
    assert "the body sends the file 'upload.txt': put it beside the request file" in out
    assert "Postman's digest auth has no httprun form" in out
    assert "are in envs/Echo.env and its .local.env: run with --env envs/Echo.env" in out
    _no_secret_in(tmp_path, out + err, ECHO_SECRETS, envs=True)
    echo = _echoes(tmp_path, local_server)

    raw_json = json.loads(echo["raw json"]["body"])
    assert raw_json["a"] == 1 and raw_json["user"] == {"password": "Body0Password0Value"}
    assert echo["raw json"]["headers"]["content-type"] == "application/json"
    assert echo["raw with lines the format reads"]["body"] == (
        "first\n### not a title\n?? not a check\n< not a file"
    )
    assert echo["urlencoded"]["body"] == f"a%20b=c%26d&who={_quoted(local_server)}"
    formdata = echo["formdata"]
    assert formdata["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="field"\r\n\r\nvalue 1\r\n' in formdata["body"]
    assert 'filename="upload.txt"\r\n\r\nuploaded\n' in formdata["body"]
    assert json.loads(echo["graphql"]["body"]) == {
        "query": "query { product(id: 1) { name } }",
        "variables": {"id": 1},
    }
    assert echo["file"]["method"] == "PUT" and "payload" in echo["file"]["body"]

    assert echo["inherited bearer"]["headers"]["authorization"] == (
        "Bearer Literal0Bearer0Token0Value"
    )
    assert echo["basic"]["headers"]["authorization"] == "Basic YWxpY2U6QmFzaWMwUGFzc3dvcmQwVmFsdWU="
    assert echo["api key header"]["headers"]["x-api-key"] == "Coll3ctionSecretValue"
    assert echo["api key query"]["query"] == {"api_key": ["Query0Key0Value"]}
    assert "authorization" not in echo["digest"]["headers"]
    assert "authorization" not in echo["none"]["headers"]
    assert echo["oauth2"]["headers"]["authorization"] == "Bearer Seeded0Token"
    oauth = (tmp_path / "requests" / "OAuth.http").read_text()
    for setting in (
        "# @auth oauth2",
        "@auth_url = <<base_url>>/authorize",
        "@token_url = <<base_url>>/token",
        "@client_auth = body",
        "@scope = read write",
    ):
        assert setting in oauth
    local = (tmp_path / "envs" / "Echo.local.env").read_text()
    assert "client_secret='OAuth0Client0Secret'" in local
    assert "Live0OAuth0Access0Token" not in local  # a live token is never written anywhere
    assert "client_id='client-1'" in (tmp_path / "envs" / "Echo.env").read_text()

    assert echo["a string request"]["query"] == {"plain": ["1"]}
    query_over_raw = echo["query over raw"]
    assert query_over_raw["method"] == "GET" and query_over_raw["query"] == {"q": ["a b"]}
    assert query_over_raw["headers"]["x-on"] == "1" and "x-off" not in query_over_raw["headers"]
    assert echo["path variable"]["method"] == "DELETE"
    assert echo["path variable"]["path"] == "/echo"
    assert "@route_name = echo" in urls_text(tmp_path)
    urls = (tmp_path / "requests" / "URLs.http").read_text()
    assert "# @no-redirect" in urls and "# disabled header: X-Off: 0" in urls


def urls_text(folder: Path) -> str:
    return (folder / "requests" / "URLs.http").read_text()


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# ---- scripts ------------------------------------------------------------------------------------

SCRIPTS = {
    "pm.response.to.have.status(201);": ["?? status == 201"],
    "pm.expect(pm.response.code).to.eql(200);": ["?? status == 200"],
    "pm.response.to.be.ok;": ["?? status == 200"],
    "pm.response.to.be.notFound;": ["?? status == 404"],
    "pm.response.to.be.success;": ["?? status >= 200", "?? status < 300"],
    'pm.response.to.have.header("X-Total");': ['?? headers."x-total" exists'],
    'pm.environment.set("t", pm.response.json().a.b);': [">> t = body.a.b"],
    "pm.collectionVariables.set('t', pm.response.json().items[0]['a-b']);": [
        '>> t = body.items[0]."a-b"'
    ],
    'pm.globals.set("t", pm.response.json().a);': [">> t = body.a"],
    "pm.expect(pm.response.json().a).to.eql('x');": ['?? body.a == "x"'],
    "pm.expect(pm.response.json().a).to.equal(3);": ["?? body.a == 3"],
    'pm.expect(pm.response.json().tags).to.include("new");': ['?? body.tags contains "new"'],
    "pm.expect(pm.response.json().id).to.exist;": ["?? body.id exists"],
    "pm.expect(pm.response.json().n).to.be.above(2);": ["?? body.n > 2"],
    "pm.expect(pm.response.json().n).to.be.at.least(2);": ["?? body.n >= 2"],
    "pm.expect(pm.response.json().items).to.have.lengthOf(3);": ["?? length(body.items) == 3"],
    "pm.expect(pm.response.json().a).to.not.eql(1);": ["?? body.a != 1"],
    'pm.test("Status code is 200", () => pm.response.to.have.status(200));': ["?? status == 200"],
    (
        'pm.test("ok", function () { pm.response.to.be.ok; '
        "pm.expect(pm.response.json().a).to.exist; });"
    ): [
        "?? status == 200",
        "?? body.a exists",
    ],
    'tests["Status code is 200"] = responseCode.code === 200;': ["?? status == 200"],
    'tests["has id"] = responseBody.has("id");': ['?? text contains "id"'],
}


@pytest.mark.parametrize(("line", "expected"), SCRIPTS.items())
def test_script_shapes(line: str, expected: list[str]) -> None:
    converted = convert_tests([line], Renamer())
    assert converted.lines == expected and converted.kept == []


_SCRIPT_PIECES = st.sampled_from(
    [
        "pm.response.json()", "j", ".a", "[0]", "['a-b']", '["x\\"y"]', "pm.expect(", ")",
        ".to.eql(", ".to.include(", ".to.not.equal(", ".to.exist", "pm.environment.set(",
        '"t"', "'t t'", ", ", "1", "'<<x>>'", '"s"', "null", ";", "pm.test(", "() => ",
        "pm.response.to.have.status(", "200", "pm.response.to.be.", "success", "{", "}",
        "pm.response.code", 'pm.response.headers.get("X")', "pm.variables.get('v')", " ",
    ]
)  # fmt: skip


@given(st.lists(st.lists(_SCRIPT_PIECES, max_size=12).map("".join), max_size=4))
def test_script_lines_become_valid_checks_or_are_kept_verbatim(script: list[str]) -> None:
    converted = convert_tests(["var j = pm.response.json();", *script], Renamer())
    assert all(line in [s.rstrip() for s in script] for line in converted.kept)
    block = "GET http://x\n\n" + "".join(f"{line}\n" for line in converted.lines)
    parse_text(block)  # every check and capture is one the parser reads


def test_a_json_variable_is_followed_and_other_lines_are_kept() -> None:
    script = [
        'pm.test("ok", function () {',
        "    var j = pm.response.json();",
        '    pm.environment.set("first", j.items[0].id);',
        "    pm.expect(j.count).to.eql(2);",
        "    if (j.count > 1) { postman.setNextRequest(null); }",
        "});",
    ]
    converted = convert_tests(script, Renamer())
    assert converted.lines == [">> first = body.items[0].id", "?? body.count == 2"]
    assert converted.kept == ["    if (j.count > 1) { postman.setNextRequest(null); }"]


# ---- inheritance, v2.0, envelope, bad input -----------------------------------------------------


def _collection(tmp_path: Path, document: Any, name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1))
    return path


def test_auth_is_inherited_from_the_nearest_folder(tmp_path: Path) -> None:
    bearer = {"type": "bearer", "bearer": [{"key": "token", "value": "{{tok}}"}]}
    document = {
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/"},
        "auth": bearer,
        "item": [
            {
                "name": "F",
                "auth": {"type": "noauth"},
                "item": [
                    {"name": "inherits none", "request": {"url": "http://x/a", "auth": None}},
                    {"name": "own", "request": {"url": "http://x/b", "auth": bearer}},
                ],
            },
            {"name": "top", "request": "http://x/c"},
        ],
    }
    planned, _ = import_postman(_collection(tmp_path, document), [], tmp_path / "out")
    folder = planned.files[Path("requests/F.http")]
    assert folder.count("Authorization: Bearer <<tok>>") == 1
    assert "Bearer" in planned.files[Path("requests/c.http")]


def _bad(tmp_path: Path, text: str) -> HttprunError:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(HttprunError) as raised:
        import_postman(path, [], tmp_path / "out")
    assert not isinstance(raised.value, InternalError)
    return raised.value


def test_bad_input_is_a_positioned_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    error = _bad(tmp_path, '{"info": {"name": "x"},\n "item": [1, }')
    assert error.exit_code == 3 and error.span is not None and error.span.line == 2
    assert "v1" in str(_bad(tmp_path, '{"requests": [], "order": []}'))
    assert "not a Postman collection" in str(_bad(tmp_path, "[1, 2]"))
    wrong = _bad(
        tmp_path,
        '{"info": {"name": "x"},\n "item": [\n  {"name": "r",\n'
        '   "request": {"url": "http://x", "header": [5]}}]}',
    )
    assert "item[0].request.header[0]" in str(wrong)
    assert wrong.span is not None and (wrong.span.line, wrong.span.column) == (4, 46)
    code, _, err = run_cli(["import", "postman", str(tmp_path / "bad.json")], capsys)
    assert code == 3 and "bad.json:4:46" in err and "Traceback" not in err
    code, _, err = run_cli(["import", "postman", str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "cannot read" in err
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    collection = _collection(tmp_path, {"info": {"name": "c"}, "item": []})
    code, _, err = run_cli(["import", "postman", str(collection), "--env", str(fifo)], capsys)
    assert code == 2 and "not a regular file" in err


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=12)
    # the characters the format and Postman give a meaning to
    | st.text(alphabet="ab{}<>#?:/ \n\r$@%&=\"'\\-.", max_size=16),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: the keys and indexes that lead to it."""
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copy


_EXPORTS = {
    "echo": (json.loads(ECHO.read_text()), None),
    "guide": (json.loads(GUIDE.read_text()), json.loads(GUIDE_ENV.read_text())),
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), export=st.sampled_from(sorted(_EXPORTS)), in_env=st.booleans())
def test_any_json_value_anywhere_never_crashes(
    tmp_path: Path, data: st.DataObject, export: str, in_env: bool
) -> None:
    """Any JSON value at any place of a real export (collection or environment) is imported or
    refused with an HttprunError, never a crash or a bug (exit 70)."""
    collection, environment = _EXPORTS[export]
    if in_env and environment is not None:
        path = data.draw(st.sampled_from(_paths(environment)))
        environment = _replaced(environment, path, data.draw(_JSON))
    else:
        path = data.draw(st.sampled_from(_paths(collection)))
        collection = _replaced(collection, path, data.draw(_JSON))
    environments = [_collection(tmp_path, environment, "e.json")] if environment else []
    try:
        import_postman(_collection(tmp_path, collection), environments, tmp_path / "out")
    except InternalError:
        raise
    except HttprunError:
        pass


def test_an_error_never_shows_a_secret_of_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        '{"info": {"name": "x"}, "item": [], "auth": {"type": "oauth2", "oauth2": '
        '[{"key": "accessToken", "value": "Live0Token0In0Line", "type": "string"}], "x": 1, }}'
    )
    code, _, err = run_cli(["import", "postman", str(path)], capsys)
    assert code == 3 and "c.json:1:" in err
    assert "Live0Token0In0Line" not in err and "******" in err


def test_environment_values_win_over_collection_variables_and_captures_are_per_file(
    tmp_path: Path,
) -> None:
    capture = {
        "listen": "test",
        "script": {"exec": ['pm.environment.set("tok", pm.response.json().t);']},
    }
    document = {
        "info": {"name": "c"},
        "variable": [{"key": "host", "value": "http://default"}, {"key": "page", "value": "1"}],
        "item": [
            {"name": "A", "item": [{"name": "login", "event": [capture], "request": "{{host}}/a"}]},
            {"name": "B", "item": [{"name": "use", "request": "{{host}}/b?t={{tok}}&p={{page}}"}]},
        ],
    }
    environment = {
        "name": "dev",
        "values": [{"key": "host", "value": "http://dev", "enabled": True}],
    }
    planned, report = import_postman(
        _collection(tmp_path, document),
        [_collection(tmp_path, environment, "dev.json")],
        tmp_path / "out",
    )
    b = planned.files[Path("requests/B.http")]
    assert "@page = 1" in b and "@host" not in b  # the environment sets host: it stays there
    assert "host='http://dev'" in planned.files[Path("envs/dev.env")]
    assert [item.what for item in report.items if item.where == "requests/B.http"] == [
        "<<tok>> is captured in requests/A.http, and captures last one file in httprun: move "
        "the requests into one file, or set tok in the env file"
    ]


def test_nested_folders_names_and_descriptions(tmp_path: Path) -> None:
    document = {
        "info": {
            "name": "Shop API",
            "description": {"content": "The shop.\nTwo lines.", "type": "text/markdown"},
        },
        "item": [
            {"name": "same", "request": {"url": "http://x/1", "description": "First."}},
            {"name": "same", "request": "http://x/2"},
            {"name": "2fa code", "request": "http://x/3"},
            {
                "name": "Outer",
                "item": [
                    {"name": "Inner / deep", "item": [{"name": "r", "request": "http://x/4"}]}
                ],
            },
        ],
    }
    planned, report = import_postman(_collection(tmp_path, document), [], tmp_path / "out")
    assert sorted(map(str, planned.files)) == [
        "requests/Outer/Inner-deep.http",
        "requests/Shop-API.http",
    ]
    top = planned.files[Path("requests/Shop-API.http")]
    assert "# The shop.\n# Two lines.\n" in top
    assert "### same\n# First.\n# @name same\n" in top
    assert "### same\n# @name same_2\n" in top and "# @name _2fa_code\n" in top
    assert report.requests == 4 and report.items == []


def test_a_secret_value_written_literally_in_a_request_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {
        "info": {"name": "c"},
        "item": [{"name": "r", "request": "http://x/?q=Env0Secret0Value"}],
    }
    environment = {"name": "dev", "values": [{"key": "api_secret", "value": "Env0Secret0Value"}]}
    args = ["import", "postman", str(_collection(tmp_path, document))]
    args += [
        "--env",
        str(_collection(tmp_path, environment, "dev.json")),
        "--out",
        str(tmp_path / "o"),
    ]
    code, out, err = run_cli(args, capsys)
    assert code == 3 and "would hold the value of the environment value api_secret" in err
    assert "Env0Secret0Value" not in out + err and not (tmp_path / "o").exists()


def test_a_file_with_mixed_auth_gives_each_request_its_own(tmp_path: Path) -> None:
    oauth = {
        "type": "oauth2",
        "oauth2": [
            {"key": "authUrl", "value": "https://auth.example.com/authorize"},
            {"key": "accessTokenUrl", "value": "https://auth.example.com/token"},
            {"key": "clientId", "value": "{{client_id}}"},
        ],
    }
    document = {
        "info": {"name": "c"},
        "auth": oauth,
        "item": [
            {
                "name": "public",
                "request": {"url": "https://api.example.com/p", "auth": {"type": "noauth"}},
            },
            {"name": "private", "request": "https://api.example.com/q"},
        ],
    }
    planned, _ = import_postman(_collection(tmp_path, document), [], tmp_path / "out")
    text = planned.files[Path("requests/c.http")]
    public, private = text.split("### ")[1:]
    assert "@auth" not in public
    assert "# @auth oauth2\n@auth_url = https://auth.example.com/authorize\n" in private
    assert "@token_url = https://auth.example.com/token\n" in private
    assert "client_id" not in private  # read from the variable of that name already


def test_carriage_returns_in_any_string_are_line_breaks_of_the_request_file(
    tmp_path: Path,
) -> None:
    """A \\r in a header value broke the header line it was written on (exit 70)."""
    document = {
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/"},
        "item": [
            {
                "name": "a\r\nb",
                "request": {
                    "url": "http://x/a",
                    "header": [{"key": "X-A", "value": "0\r0"}],
                    "description": "one\rtwo",
                },
            }
        ],
    }
    planned, _ = import_postman(_collection(tmp_path, document), [], tmp_path / "out")
    text = planned.files[Path("requests/c.http")]
    assert "\r" not in text
    assert "X-A: 0 0" in text
    assert "# one\n# two\n" in text
    assert len(parse_text(text).requests) == 1
