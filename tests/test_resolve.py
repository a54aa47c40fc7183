"""Resolving a block: directives, URL, headers, Basic credentials, bodies, includes, multipart."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from template_helpers import block, directive, include, request, text_part

from runner.env import Environment
from runner.errors import HttprunError, ResolveError, UndefinedVariable
from runner.masking import MASK, Masker
from runner.nodes import Block, BodyPart, Directive
from runner.project import find_project_root
from runner.resolve import ResolveOptions, resolve_block
from runner.results import ResolvedRequest
from runner.scope import Scope

# --- find_project_root ------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["pyproject.toml", ".git", "envs/"])
def test_project_root_is_the_nearest_marked_folder(tmp_path: Path, marker: str) -> None:
    root = tmp_path / "project"
    target = root / marker.rstrip("/")
    if marker.endswith("/"):
        target.mkdir(parents=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")
    http_file = root / "requests" / "deep" / "a.http"
    http_file.parent.mkdir(parents=True)
    http_file.write_text("GET http://x\n")
    assert find_project_root(http_file) == root.resolve()


def test_project_root_prefers_the_nearest(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    inner = tmp_path / "sub"
    (inner / ".git").mkdir(parents=True)
    assert find_project_root(inner / "a.http") == inner.resolve()


def test_project_root_ignores_a_file_named_envs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    folder = tmp_path / "lonely"
    folder.mkdir()
    (folder / "envs").write_text("a file, not a folder")
    assert find_project_root(folder / "a.http") == tmp_path.resolve()


def test_project_root_falls_back_to_the_file_folder(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    found = find_project_root(folder / "a.http")
    marked = [
        p
        for p in folder.resolve().parents
        if (p / "pyproject.toml").exists() or (p / ".git").exists()
    ]
    assert found == (marked[0] if marked else folder.resolve())


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "requests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    return root


def make_scope(values: dict[str, str] | None = None, masker: Masker | None = None) -> Scope:
    return Scope(Environment(dict(values or {}), {}, ()), masker=masker)


def resolve(
    req_block: Block,
    scope: Scope | None = None,
    *,
    root: Path | None = None,
    defaults: tuple[Directive, ...] = (),
    allow_outside: bool = False,
    default_timeout: float | None = None,
) -> ResolvedRequest:
    root = root or Path.cwd()
    return resolve_block(
        req_block,
        scope or make_scope(),
        file_path=root / "requests" / "a.http",
        defaults=defaults,
        options=ResolveOptions(root, allow_outside, default_timeout),
    )


# --- request line and headers -----------------------------------------------------------------


def test_plain_request() -> None:
    scope = make_scope({"mallid": "demo", "version": "2024-06-01"})
    req = request(
        "https://<<mallid>>.cafe24api.com/api/v2/admin/products?limit=<<%version>>",
        method="DELETE",
        headers=[("X-Cafe24-Api-Version", "<<version>>"), ("Accept", "application/json")],
        http_version="HTTP/2",
    )
    resolved = resolve(block(req), scope)
    assert resolved == ResolvedRequest(
        method="DELETE",
        url="https://demo.cafe24api.com/api/v2/admin/products?limit=2024-06-01",
        headers=(("X-Cafe24-Api-Version", "2024-06-01"), ("Accept", "application/json")),
        body=None,
        span=req.span,
        http_version="HTTP/2",
        timeout=None,
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("localhost:8080/x", [], "http://localhost:8080/x"),
        ("example.com/x?y=1", [], "http://example.com/x?y=1"),
        ("HTTPS://example.com/", [], "HTTPS://example.com/"),
        ("/api/items", [("Host", "example.com")], "http://example.com/api/items"),
        ("/api/items", [("Host", "example.com:443")], "https://example.com:443/api/items"),
        ("/api/items", [("Host", "example.com:8443")], "https://example.com:8443/api/items"),
        ("/api/items", [("host", "example.com:8080")], "http://example.com:8080/api/items"),
    ],
)
def test_url_scheme_rules(url: str, headers: list[tuple[str, str]], expected: str) -> None:
    assert resolve(block(request(url, headers=headers))).url == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/items", "the URL has no host"),
        ("ftp://example.com/file", "unsupported URL scheme 'ftp'"),
        ("<<empty>>", "the request has an empty URL"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    req = request(url)
    with pytest.raises(ResolveError) as caught:
        resolve(block(req), make_scope({"empty": ""}))
    assert caught.value.message == message
    assert caught.value.span == req.url.span


def test_undefined_variable_stops_the_request() -> None:
    req = request("https://<<malid>>.example.com/")
    with pytest.raises(UndefinedVariable) as caught:
        resolve(block(req), make_scope({"mallid": "demo"}))
    assert caught.value.span == req.url.parts[1].span  # type: ignore[union-attr]
    assert caught.value.suggestions == ("mallid",)


def test_header_value_with_a_line_break_is_an_error() -> None:
    req = request("http://x/", headers=[("X-Note", "<<note>>")])
    with pytest.raises(ResolveError) as caught:
        resolve(block(req), make_scope({"note": "two\nlines"}))
    assert "line break" in caught.value.message
    assert caught.value.span == req.headers[0].span


# --- directives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"), [("30s", 30.0), ("500ms", 0.5), ("2m", 120.0), ("1h", 3600.0), ("5", 5.0)]
)
def test_timeout_units(value: str, seconds: float) -> None:
    req_block = block(request("http://x/"), directives=[directive("timeout", value)])
    assert resolve(req_block).timeout == seconds


def test_block_directives_override_file_defaults() -> None:
    defaults = (directive("timeout", "10s"), directive("no-redirect"))
    plain = block(request("http://x/"))
    own = block(request("http://x/"), directives=[directive("timeout", "1s")])
    assert resolve(plain, defaults=defaults).timeout == 10.0
    assert resolve(plain, defaults=defaults).follow_redirects is False
    assert resolve(own, defaults=defaults).timeout == 1.0


def test_default_timeout_applies_without_directive() -> None:
    assert resolve(block(request("http://x/")), default_timeout=7.5).timeout == 7.5


@pytest.mark.parametrize("value", ["", "soon", "-1s", "0s", "10 days"])
def test_bad_timeout_points_at_the_directive(value: str) -> None:
    bad = directive("timeout", value, line=3)
    with pytest.raises(HttprunError) as caught:
        resolve(block(request("http://x/")), defaults=(bad,))
    assert caught.value.span == bad.span
    assert "30s" in caught.value.hint


def test_block_without_request_is_an_error() -> None:
    with pytest.raises(ResolveError, match="no request line"):
        resolve(block(None))


# --- Basic credentials ------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("Basic <<client_id>>:<<client_secret>>", f"Basic {b64('app-id:app-secret-value')}"),
        ("Basic <<client_id>> <<client_secret>>", f"Basic {b64('app-id:app-secret-value')}"),
        ("basic user:pässword:with:colons", f"basic {b64('user:pässword:with:colons')}"),
        (f"Basic {b64('app-id:app-secret-value')}", f"Basic {b64('app-id:app-secret-value')}"),
        ("Bearer <<client_secret>>", "Bearer app-secret-value"),
        ("Basic", "Basic"),
        ("Basic notbase64", "Basic notbase64"),
    ],
)
def test_basic_credentials(written: str, sent: str) -> None:
    scope = make_scope({"client_id": "app-id", "client_secret": "app-secret-value"})
    req = request("http://x/", headers=[("Authorization", written)])
    assert resolve(block(req), scope).header("authorization") == sent


def test_masker_learns_basic_password_and_encoding() -> None:
    masker = Masker()
    scope = make_scope({"client_id": "app-id", "pw": "plain-password"}, masker)
    req = request("http://x/", headers=[("Authorization", "Basic <<client_id>>:<<pw>>")])
    resolved = resolve(block(req), scope)
    encoded = b64("app-id:plain-password")
    assert resolved.header("Authorization") == f"Basic {encoded}"
    assert masker.mask(f"plain-password {encoded}") == f"{MASK} {MASK}"


def test_masker_learns_pre_encoded_basic_credentials() -> None:
    masker = Masker()
    encoded = b64("app-id:other-password")
    req = request("http://x/", headers=[("Authorization", f"Basic {encoded}")])
    resolve(block(req), make_scope(masker=masker))
    assert masker.mask(f"{encoded} other-password") == f"{MASK} {MASK}"


# --- bodies -----------------------------------------------------------------------------------


def test_text_body_is_rendered_and_utf8() -> None:
    req = request(
        "http://x/",
        method="POST",
        body=[text_part('{"name": "<<name>>", "n": <<n>>}'), text_part("second line é")],
    )
    scope = make_scope({"name": "café"})
    scope.assign("n", 5)
    body = resolve(block(req), scope).body
    assert body == '{"name": "café", "n": 5}\nsecond line é'.encode()


def test_include_bytes_as_they_are(project: Path) -> None:
    data = b"\x00\xff\r\nraw <<not interpolated>>"
    (project / "requests" / "blob.bin").write_bytes(data)
    req = request("http://x/", method="POST", body=[text_part("before"), include("./blob.bin")])
    assert resolve(block(req), root=project).body == b"before\n" + data


def test_include_with_interpolation(project: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "body.json").write_text('{"mall": "<<mallid>>", "lit": "\\<<x>>"}\n')
    req = request("http://x/", method="POST", body=[include("../data/<<name>>", interpolate=True)])
    scope = make_scope({"mallid": "demo", "name": "body.json"})
    assert resolve(block(req), scope, root=project).body == b'{"mall": "demo", "lit": "<<x>>"}\n'


def test_error_inside_an_included_file_points_into_it(project: Path) -> None:
    included = project / "requests" / "tpl.txt"
    included.write_text("line one\n  value=<<nope>>\n")
    req = request("http://x/", method="POST", body=[include("tpl.txt", interpolate=True)])
    with pytest.raises(UndefinedVariable) as caught:
        resolve(block(req), root=project)
    span = caught.value.span
    assert span is not None
    assert (Path(span.path).resolve(), span.line, span.column) == (included.resolve(), 2, 9)


def test_missing_include(project: Path) -> None:
    part = include("./missing.json")
    req = request("http://x/", method="POST", body=[part])
    with pytest.raises(ResolveError) as caught:
        resolve(block(req), root=project)
    assert caught.value.message == "no such file: './missing.json'"
    assert caught.value.span == part.span


def test_include_of_a_directory(project: Path) -> None:
    req = request("http://x/", method="POST", body=[include(".")])
    with pytest.raises(ResolveError, match="is a directory"):
        resolve(block(req), root=project)


def test_include_outside_the_project_is_refused_unless_allowed(project: Path) -> None:
    outside = project.parent / "secret.txt"
    outside.write_text("outside")
    part = include("../../secret.txt")
    req = block(request("http://x/", method="POST", body=[part]))
    with pytest.raises(ResolveError) as caught:
        resolve(req, root=project)
    assert "outside the project folder" in caught.value.message
    assert "--allow-outside-files" in caught.value.hint
    assert caught.value.span == part.span
    assert resolve(req, root=project, allow_outside=True).body == b"outside"


def test_absolute_include_outside_the_project_is_refused(project: Path) -> None:
    outside = project.parent / "abs.txt"
    outside.write_text("x")
    req = block(request("http://x/", method="POST", body=[include(str(outside))]))
    with pytest.raises(ResolveError, match="outside the project"):
        resolve(req, root=project)


def test_symlink_leaving_the_project_is_refused(project: Path) -> None:
    outside = project.parent / "target.txt"
    outside.write_text("via link")
    (project / "requests" / "link.txt").symlink_to(outside)
    req = block(request("http://x/", method="POST", body=[include("link.txt")]))
    with pytest.raises(ResolveError, match="outside the project"):
        resolve(req, root=project)
    assert resolve(req, root=project, allow_outside=True).body == b"via link"


def test_non_utf8_interpolated_include(project: Path) -> None:
    (project / "requests" / "latin.txt").write_bytes(b"caf\xe9")
    req = block(request("http://x/", method="POST", body=[include("latin.txt", interpolate=True)]))
    with pytest.raises(ResolveError) as caught:
        resolve(req, root=project)
    assert "not UTF-8" in caught.value.message


# --- multipart --------------------------------------------------------------------------------


def test_multipart_uses_crlf_and_keeps_included_bytes(project: Path) -> None:
    image = b"\x89PNG\n\x00binary\n"
    (project / "requests" / "logo.png").write_bytes(image)
    parts: list[BodyPart] = [
        text_part(
            "--XyZ\n"
            'Content-Disposition: form-data; name="title"\n'
            "\n"
            "<<title>>\n"
            "--XyZ\n"
            'Content-Disposition: form-data; name="file"; filename="logo.png"\n'
            "Content-Type: image/png\n"
        ),
        include("./logo.png"),
        text_part("--XyZ--"),
    ]
    req = request(
        "http://x/",
        method="POST",
        headers=[("Content-Type", 'multipart/form-data; boundary="XyZ"')],
        body=parts,
    )
    body = resolve(block(req), make_scope({"title": "a\nb"}), root=project).body
    assert body == (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="title"\r\n'
        b"\r\n"
        b"a\r\nb\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="logo.png"\r\n'
        b"Content-Type: image/png\r\n"
        b"\r\n" + image + b"\r\n--XyZ--"
    )


def test_multipart_without_boundary() -> None:
    req = request(
        "http://x/",
        method="POST",
        headers=[("Content-Type", "multipart/form-data")],
        body=[text_part("--x\n\nv\n--x--")],
    )
    with pytest.raises(ResolveError) as caught:
        resolve(block(req))
    assert "needs a boundary" in caught.value.message
    assert req.body is not None and caught.value.span == req.body.span


def test_multipart_body_must_use_its_boundary() -> None:
    req = request(
        "http://x/",
        method="POST",
        headers=[("Content-Type", "multipart/form-data; boundary=abc")],
        body=[text_part("--other\n\nv\n--other--")],
    )
    with pytest.raises(ResolveError, match="never uses the boundary 'abc'"):
        resolve(block(req))


def test_non_multipart_keeps_newlines() -> None:
    req = request(
        "http://x/",
        method="POST",
        headers=[("Content-Type", "text/plain")],
        body=[text_part("a\nb")],
    )
    assert resolve(block(req)).body == b"a\nb"


def test_unterminated_interpolation_in_an_included_file(project: Path) -> None:
    included = project / "requests" / "broken.txt"
    included.write_text("ok\nvalue=<<oops\n")
    req = block(request("http://x/", method="POST", body=[include("broken.txt", interpolate=True)]))
    with pytest.raises(HttprunError) as caught:
        resolve(req, root=project)
    assert "unterminated" in caught.value.message
    span = caught.value.span
    assert span is not None and (span.line, span.column) == (2, 7)


# --- include paths the operating system refuses (regressions: ValueError/OSError leaked) -------


def include_error(project: Path, written: str, *, interpolate: bool = False) -> ResolveError:
    part = include(written, interpolate=interpolate)
    req = block(request("http://x/", method="POST", body=[part]))
    with pytest.raises(ResolveError) as caught:
        resolve(req, root=project)
    assert caught.value.span == part.span
    return caught.value


@pytest.mark.parametrize("interpolate", [False, True])
def test_include_path_with_a_nul_byte(project: Path, interpolate: bool) -> None:
    error = include_error(project, "./\x00", interpolate=interpolate)
    assert error.message == "the file path './\\x00' contains a NUL byte"
    assert "\x00" not in error.message


def test_include_path_with_a_nul_byte_from_a_variable(project: Path) -> None:
    part = include("./<<name>>")
    req = block(request("http://x/", method="POST", body=[part]))
    with pytest.raises(ResolveError, match="contains a NUL byte") as caught:
        resolve(req, make_scope({"name": "a\x00b.json"}), root=project)
    assert caught.value.span == part.span


def test_include_path_with_a_name_too_long(project: Path) -> None:
    error = include_error(project, "./" + "a" * 5000 + ".json")
    assert error.message.startswith("cannot read './aaaa")
    assert "name too long" in error.message.lower()
    assert len(error.message) < 300


def test_include_of_a_directory_keeps_its_span(project: Path) -> None:
    (project / "requests" / "folder").mkdir()
    error = include_error(project, "folder", interpolate=True)
    assert error.message == "'folder' is a directory"
    assert error.hint == "give the path of a file"


def test_include_of_an_unreadable_file(project: Path) -> None:
    secret = project / "requests" / "locked.json"
    secret.write_text("{}")
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running as a user that can read every file")
        error = include_error(project, "locked.json")
    finally:
        secret.chmod(0o600)
    assert error.message == "cannot read 'locked.json': permission denied"
    assert "permissions" in error.hint


def test_include_through_a_symlink_loop(project: Path) -> None:
    (project / "requests" / "loop").symlink_to(project / "requests" / "loop")
    error = include_error(project, "loop/x.json")
    assert "'loop/x.json'" in error.message
    assert "symbolic link" in error.message or "too many levels" in error.message.lower()


def test_project_root_of_an_unresolvable_path_falls_back(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    assert find_project_root(tmp_path / "a\x00b.http") == tmp_path
