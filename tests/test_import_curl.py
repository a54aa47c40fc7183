"""``httprun import curl``: each curl option, the browsers' "Copy as cURL" shapes, secrets, the
command, and a round trip: the imported request run by httprun and the original command run by
the real curl send the same request to a local server."""

from __future__ import annotations

import email.parser
import email.policy
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli
from curl_binary import require_curl
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_server import Received, capturing_server

from runner.errors import HttprunError, InternalError, UsageError
from runner.importers.curl import import_curl
from runner.importers.curl_words import curl_words
from runner.parser import parse_text

__all__ = ["no_colour"]


def imported(command: str) -> str:
    return import_curl(command).text


def notes(command: str) -> list[str]:
    return import_curl(command).report.lines(str)[:-1]


# ---- words -------------------------------------------------------------------------------------


def test_posix_continuations_and_ansi_c_quoting() -> None:
    command = (
        "curl 'https://x/a' \\\n  -H 'A: b' \\\r\n"
        '  --data-raw $\'{"n":"caf\\u00e9\\\\n\\\'s\\x41\\101"}\''
    )
    assert curl_words(command) == [
        "curl",
        "https://x/a",
        "-H",
        "A: b",
        "--data-raw",
        '{"n":"café\\n\'sAA"}',
    ]


def test_ansi_c_escapes() -> None:
    assert curl_words("x $'a\\tb\\nc\\e\\cA\\U0001F600\\xc3\\xa9'") == ["x", "a\tb\nc\x1b\x01😀é"]
    assert curl_words("x $'cut\\0here' y") == ["x", "cut", "y"]  # Bash ends the word at a NUL


def test_windows_cmd_carets_and_runtime_quoting() -> None:
    command = (
        'curl ^"https://x/a?b=1^&c=2^" ^\n  -H ^"accept: */*^" ^\n'
        '  --data-raw ^"^{^\\^"a^\\^":^\\^"x^\\^"^}^" ^\n  --compressed'
    )
    assert curl_words(command) == [
        "curl", "https://x/a?b=1&c=2", "-H", "accept: */*", "--data-raw", '{"a":"x"}',
        "--compressed",
    ]  # fmt: skip


def test_chrome_cmd_escapes_percent_before_a_name_character() -> None:
    # %^1 keeps cmd from expanding %1...%: the caret goes, the percent stays.
    assert curl_words('curl ^"https://x/^" --data-raw ^"a=50%^25^&b=1^"')[-1] == "a=50%25&b=1"


def test_chrome_cmd_writes_a_line_break_in_a_value_as_caret_newline_newline() -> None:
    command = 'curl ^"https://x/^" ^\n  --data-raw ^"a^\n\nb^"'
    assert curl_words(command)[-1] == "a\nb"


def test_an_unclosed_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        curl_words("curl 'https://x")
    with pytest.raises(UsageError, match="never closed"):
        curl_words("curl $'https://x")


# ---- each option -------------------------------------------------------------------------------

CASES = {
    "curl https://x/a": "# @no-redirect\nGET https://x/a\n",
    "$ curl -L 'https://x/a b'": "GET https://x/a%20b\n",
    "curl -L https://x/a -F f=@/abs/cat.txt": (
        "POST https://x/a\nContent-Type: multipart/form-data; boundary=----httprun\n\n"
        '------httprun\nContent-Disposition: form-data; name="f"; filename="cat.txt"\n'
        "Content-Type: text/plain\n\n< ./cat.txt\n------httprun--\n"
    ),
    "curl -L https://x/a": "GET https://x/a\n",
    "curl --location --url https://x/a": "GET https://x/a\n",
    "curl -X DELETE -L https://x/a": "DELETE https://x/a\n",
    "curl --request=PATCH -L https://x/a": "PATCH https://x/a\n",
    "curl -XPUT -L https://x/a": "PUT https://x/a\n",
    "curl -I -L https://x/a": "HEAD https://x/a\n",
    "curl -sSL https://x/a -H 'Accept: text/plain'": "GET https://x/a\nAccept: text/plain\n",
    "curl -L https://x/a -d a=1": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\na=1\n"
    ),
    "curl -L https://x/a -d a=1 -d b=2 --data-raw c=@3": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\na=1&b=2&c=@3\n"
    ),
    "curl -L https://x/a --data-binary 'x y'": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\nx y\n"
    ),
    "curl -L https://x/a --data-urlencode 'q=a b&c' --data-urlencode =é --data-urlencode z": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\nq=a+b%26c&%C3%A9&z\n"
    ),
    "curl -L https://x/a --json '{\"a\":1}'": (
        'POST https://x/a\nContent-Type: application/json\nAccept: application/json\n\n{"a":1}\n'
    ),
    "curl -L https://x/a -H 'Content-Type: text/plain' -d hi": (
        "POST https://x/a\nContent-Type: text/plain\n\nhi\n"
    ),
    "curl -L -G https://x/a?z=0 -d a=1 -d b=2": "GET https://x/a?z=0&a=1&b=2\n",
    "curl -L --get https://x/a -d a=1": "GET https://x/a?a=1\n",
    "curl -L https://x/a -A 'agent/1' -e https://r/": (
        "GET https://x/a\nUser-Agent: agent/1\nReferer: https://r/\n"
    ),
    "curl -L https://x/a -r 0-99": "GET https://x/a\nRange: bytes=0-99\n",
    "curl -L https://x/a -m 5": "# @timeout 5s\nGET https://x/a\n",
    "curl -L https://x/a --max-time 0.5": "# @timeout 500ms\nGET https://x/a\n",
    "curl -L https://x/a --http2 --compressed": "GET https://x/a HTTP/2\n",
    "curl -L https://x/a -H 'X-Empty;' -H 'Expect:'": "GET https://x/a\nX-Empty:\n",
    "curl -L 'https://x/a?b=<<c>>' -d '<<d'": (
        "POST https://x/a?b=\\<<c>>\nContent-Type: application/x-www-form-urlencoded\n\n\\<<d\n"
    ),
    "curl -L -T ./up.bin https://x/a": "PUT https://x/a\n\n< ./up.bin\n",
    "curl -L https://x/a --data-binary @body.bin": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\n< ./body.bin\n"
    ),
    "curl -L https://x/a --json @data/in.json": (
        "POST https://x/a\nContent-Type: application/json\nAccept: application/json\n\n"
        "< ./data/in.json\n"
    ),
    "curl -L -u bob:pw12345 https://x/a": (
        "GET https://x/a\nAuthorization: Basic bob:<<password>>\n"
    ),
    "curl -L -u sk_test_123456789: https://x/a": (
        "GET https://x/a\nAuthorization: Basic <<api_key>>:\n"
    ),
    "curl -L -u 'john doe:pw12345' https://x/a": (
        "GET https://x/a\nAuthorization: Basic <<basic_credentials>>\n"
    ),
    "curl -L --oauth2-bearer abcdefgh123 https://x/a": (
        "GET https://x/a\nAuthorization: Bearer <<token>>\n"
    ),
    "curl -L -b 'sid=abcdefgh123; theme=dark' https://x/a": "GET https://x/a\nCookie: <<cookie>>\n",
    "curl -L -H 'Authorization: Basic Ym9iOnB3MTIzNDU=' https://x/a": (
        "GET https://x/a\nAuthorization: Basic bob:<<password>>\n"
    ),
    "curl -L -H 'X-Api-Key: abcdefgh123' https://x/a": (
        "GET https://x/a\nX-Api-Key: <<x_api_key>>\n"
    ),
    "curl -L 'https://x/a?api_key=abcdefgh123&page=2'": "GET https://x/a?api_key=<<api_key>>&page=2\n",
    "curl -L 'https://bob:pw12345@x/a'": "GET https://bob:<<password>>@x/a\n",
    "curl -L https://x/a -d 'client_id=c1&client_secret=abcdefgh123'": (
        "POST https://x/a\nContent-Type: application/x-www-form-urlencoded\n\n"
        "client_id=c1&client_secret=<<client_secret>>\n"
    ),
    'curl -L https://x/a --json \'{"user":{"password":"abcdefgh123"}}\'': (
        "POST https://x/a\nContent-Type: application/json\nAccept: application/json\n\n"
        '{"user":{"password":"<<password>>"}}\n'
    ),
}


@pytest.mark.parametrize(("command", "block"), list(CASES.items()))
def test_each_option(command: str, block: str) -> None:
    assert imported(command) == block


def test_form_parts_as_on_the_wire() -> None:
    text = imported(
        "curl -L https://x/up -F a=1 -F 'f=@pics/cat.png' -F 'n=<notes.txt' "
        "-F 'j={\"k\":1};type=application/json' -F 'g=@raw.bin;filename=r.dat' "
        "--form-string 's=@literal'"
    )
    assert text == (
        "POST https://x/up\nContent-Type: multipart/form-data; boundary=----httprun\n\n"
        '------httprun\nContent-Disposition: form-data; name="a"\n\n1\n'
        '------httprun\nContent-Disposition: form-data; name="f"; filename="cat.png"\n'
        "Content-Type: image/png\n\n< ./pics/cat.png\n"
        '------httprun\nContent-Disposition: form-data; name="n"\n\n< ./notes.txt\n'
        '------httprun\nContent-Disposition: form-data; name="j"\n'
        'Content-Type: application/json\n\n{"k":1}\n'
        '------httprun\nContent-Disposition: form-data; name="g"; filename="r.dat"\n'
        "Content-Type: application/octet-stream\n\n< ./raw.bin\n"
        '------httprun\nContent-Disposition: form-data; name="s"\n\n@literal\n'
        "------httprun--\n"
    )


def test_included_files_are_reported() -> None:
    found = notes("curl -L https://x/up -F f=@cat.png --data-binary @b.bin")
    assert (
        "-F: the request reads the file ./cat.png relative to the request file: place the "
        "file there" in found
    )


REPORTED = {
    "curl https://x -k": "-k: httprun verifies TLS certificates: run it with --insecure",
    "curl https://x --insecure": "-k: httprun verifies TLS certificates",
    "curl https://x --frobnicate": "--frobnicate: an option httprun does not know",
    "curl https://x -%": "-%: an option httprun does not know",
    "curl https://x -x http://proxy:3128": "--proxy: not imported: httprun takes proxies from",
    "curl https://x -b cookies.txt": "-b: a cookie file is not imported",
    "curl https://x https://y": "1 more argument(s) after the first URL",
    "curl https://x -d @-": "--data: data from standard input is not imported",
    "curl https://x -u bob": "-u: no password",
    "curl https://x -X 'no method'": "-X: not a method httprun can send",
    "curl https://x -X post": "-X: curl sends the method as written; httprun writes it as POST",
    "curl https://x -H nonsense": "-H: not a 'Name: value' header",
    "curl https://x -H @headers.txt": "-H: headers read from a file are not imported",
    "curl https://x -m soon": "-m: not a number of seconds",
    "curl https://x -H": "-H: has no value at the end of the command",
    "curl https://x --data-urlencode name@file.txt": "the URL-encoded content of the file",
    "curl https://x -d '## a\n### b'": "body: a line of the body would be read as something else",
    "curl https://x -d $'a\\n'": "body: its trailing line breaks are not sent",
    "curl https://x -F a=1 -d b=2": "-F: curl refuses -d with -F",
    "curl https://x -d @form.txt": "-d: curl takes the line breaks out of a file given to -d",
    "curl https://x -G --data-binary @q.txt": "-G: data read from a file is not put in the query",
    "curl https://x -F f=@/abs/cat.png": "copy /abs/cat.png next to the request file",
    "curl https://x -u bob:pw -H 'Authorization: Bearer abcdefgh1'": "-u: left out",
    "curl 'https://x/a b'": "URL: white space and control characters in the URL are written",
}


@pytest.mark.parametrize(("command", "note"), list(REPORTED.items()))
def test_what_is_not_imported_is_reported(command: str, note: str) -> None:
    assert any(note in line for line in notes(command)), notes(command)


def test_harmless_options_are_ignored_quietly() -> None:
    command = "curl -sSv -i -o out.json -w '%{http_code}' -# --fail --retry 3 -L https://x"
    assert notes(command) == []
    assert imported(command) == "GET https://x\n"


def test_a_credential_that_also_stands_where_no_rule_reads_is_refused() -> None:
    with pytest.raises(UsageError, match="also appears") as refused:
        import_curl("curl -L https://x/users/abcdefgh123 -H 'Authorization: Bearer abcdefgh123'")
    assert "abcdefgh123" not in str(refused.value) + refused.value.hint


def test_without_a_url_or_with_another_scheme_it_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no URL"):
        import_curl("curl -H 'A: b'")
    with pytest.raises(UsageError, match="not ftp://"):
        import_curl("curl ftp://x/file")


# ---- the browsers' shapes ----------------------------------------------------------------------

CHROME_BASH = r"""curl 'https://api.example.com/v1/items?page=2' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' \
  -H 'content-type: application/json' \
  -b '_ga=GA1.1.123; session=9f8e7d6c5b4a' \
  -H 'origin: https://example.com' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36' \
  --data-raw $'{"name":"caf\u00e9 \'ol\xc3\xa9\'","tags":["a","b"]}'"""

CHROME_CMD = (
    'curl ^"https://api.example.com/v1/items?page=2^&sort=name^" ^\n'
    '  -H ^"accept: application/json^" ^\n'
    '  -H ^"authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig^" ^\n'
    '  -H ^"content-type: application/json^" ^\n'
    '  --data-raw ^"^{^\\^"name^\\^":^\\^"a b^\\^"^}^"'
)

FIREFOX = (
    "curl 'https://api.example.com/v1/items' -X PUT -H 'User-Agent: Mozilla/5.0 Firefox/121.0' "
    "-H 'Accept: */*' -H 'Content-Type: application/json' -H 'Authorization: Bearer tok-123456' "
    "-H 'Connection: keep-alive' -H 'Cookie: session=9f8e7d6c5b4a' --data-raw '{\"id\":7}'"
)

POSTMAN = """curl --location 'https://api.example.com/v1/upload?x=1' \\
--header 'X-Api-Key: key-123456789' \\
--form 'title="hello; world"' \\
--form 'file=@"cat.png"'"""

# Chrome copies an upload as its body on the wire (a file part's content left empty).
CHROME_MULTIPART = (
    "curl 'https://api.example.com/v1/upload' -H 'content-type: multipart/form-data; "
    "boundary=----WebKitFormBoundaryAb12' --data-raw $'------WebKitFormBoundaryAb12\\r\\n"
    'Content-Disposition: form-data; name="title"\\r\\n\\r\\nline one\\r\\nline two\\r\\n'
    "------WebKitFormBoundaryAb12--\\r\\n'"
)


def test_chrome_copy_as_curl_bash() -> None:
    result = import_curl(CHROME_BASH)
    assert result.text == (
        "# @no-redirect\n"
        "POST https://api.example.com/v1/items?page=2\n"
        "accept: application/json, text/plain, */*\n"
        "accept-language: en-US,en;q=0.9\n"
        "authorization: Bearer <<token>>\n"
        "content-type: application/json\n"
        "origin: https://example.com\n"
        "user-agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36\n"
        "Cookie: <<cookie>>\n"
        "\n"
        '{"name":"café \'olé\'","tags":["a","b"]}\n'
    )
    assert "eyJhbGciOiJIUzI1NiJ9" not in "\n".join(result.report.lines(str))


def test_chrome_copy_as_curl_cmd() -> None:
    assert imported(CHROME_CMD) == (
        "# @no-redirect\n"
        "POST https://api.example.com/v1/items?page=2&sort=name\n"
        "accept: application/json\n"
        "authorization: Bearer <<token>>\n"
        "content-type: application/json\n"
        "\n"
        '{"name":"a b"}\n'
    )


def test_firefox_copy_as_curl() -> None:
    assert imported(FIREFOX) == (
        "# @no-redirect\n"
        "PUT https://api.example.com/v1/items\n"
        "User-Agent: Mozilla/5.0 Firefox/121.0\n"
        "Accept: */*\n"
        "Content-Type: application/json\n"
        "Authorization: Bearer <<token>>\n"
        "Connection: keep-alive\n"
        "Cookie: <<cookie>>\n"
        "\n"
        '{"id":7}\n'
    )


def test_chrome_multipart_copy_is_written_as_on_the_wire() -> None:
    result = import_curl(CHROME_MULTIPART)
    assert result.text == (
        "# @no-redirect\nPOST https://api.example.com/v1/upload\n"
        "content-type: multipart/form-data; boundary=----WebKitFormBoundaryAb12\n\n"
        '------WebKitFormBoundaryAb12\nContent-Disposition: form-data; name="title"\n\n'
        "line one\nline two\n------WebKitFormBoundaryAb12--\n"
    )
    assert result.report.items == []


def test_postman_code_snippet() -> None:
    assert imported(POSTMAN) == (
        "POST https://api.example.com/v1/upload?x=1\n"
        "X-Api-Key: <<x_api_key>>\n"
        "Content-Type: multipart/form-data; boundary=----httprun\n\n"
        '------httprun\nContent-Disposition: form-data; name="title"\n\nhello; world\n'
        '------httprun\nContent-Disposition: form-data; name="file"; filename="cat.png"\n'
        "Content-Type: image/png\n\n< ./cat.png\n------httprun--\n"
    )


# ---- never a crash, never a secret -------------------------------------------------------------


@pytest.mark.parametrize("user", ["\n", "a\nb", "first last"])
def test_a_user_name_with_white_space_and_no_password_is_a_usage_error(user: str) -> None:
    with pytest.raises(UsageError, match="white space and no password"):
        import_curl(shlex.join(["curl", "http://h/p", "-u", user]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12) | st.sampled_from(["-H", "-d", "-F", "-u", "-G", "-X",
    "--json", "--data-urlencode", "-b", "-sSL", "--url", "-T", "http://h/p", "@f", "=", ";type=x"]),
    max_size=10))  # fmt: skip
def test_arbitrary_words_never_crash(words: list[str]) -> None:
    try:
        import_curl(shlex.join(["curl", *words]))
    except InternalError:
        raise
    except HttprunError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        import_curl(text)
    except InternalError:
        raise
    except HttprunError:
        pass


# What a credential is made of; not the characters that separate form, query and cookie pairs
# (with "&" in it, "password=a&b" holds the password "a": curl sends the same).
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="^\"'\\$ \n\r\t-Hdux:=@;ab", max_size=40))
def test_shell_syntax_never_crashes(tail: str) -> None:
    """Quotes, carets, backslashes and $'...' in any order, for both shells' readers."""
    for head in ("curl ", 'curl ^"', "curl $'"):
        try:
            import_curl(head + tail)
        except InternalError:
            raise
        except HttprunError:
            pass


# A secret with a digit: lower-case letters alone can be a piece of the report's own words
# ("credenti" is in "credential"), which would be found in it without having leaked.
SECRET = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="&#;=%+"),
    min_size=8,
    max_size=20,
).filter(lambda secret: any(character.isdigit() for character in secret))


@settings(max_examples=150, deadline=None)
@given(SECRET, st.sampled_from([
    "-H 'Authorization: Bearer {}'", "-u bob:{}", "-b sid={}", "-H 'X-Auth-Token: {}'",
    "--oauth2-bearer {}", "-d password={}", "--url 'http://h/p?access_token={}'",
    "-F client_secret={}", "-H 'Cookie: a={}'",
]))  # fmt: skip
def test_credentials_never_reach_the_text_or_the_report(secret: str, shape: str) -> None:
    command = "curl -L http://h/p " + shape.format(shlex.quote(secret))
    try:
        result = import_curl(command)
    except UsageError as error:  # the secret appears where no rule can replace it
        assert secret not in str(error)
        return
    shown = result.text + "\n".join(result.report.lines(lambda line: line))
    assert secret not in shown


# ---- the command -------------------------------------------------------------------------------


def test_the_command_prints_the_block_and_reports_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["import", "curl", "curl -k -u bob:hunter2secret http://h/p"], capsys)
    assert code == 0
    assert out == "# @no-redirect\nGET http://h/p\nAuthorization: Basic bob:<<password>>\n"
    assert err.splitlines()[-1] == "1 request imported, 2 need attention"
    assert "-k: httprun verifies" in err
    assert "hunter2secret" not in out + err


def test_the_command_reads_stdin_and_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("curl -L http://h/a \\\n  -d x=1\n"))
    assert run_cli(["import", "curl", "-"], capsys).out.startswith("POST http://h/a\n")
    saved = tmp_path / "cmd.txt"
    saved.write_text("curl -L http://h/b\n")
    assert run_cli(["import", "curl", f"@{saved}"], capsys).out == "GET http://h/b\n"
    missing = run_cli(["import", "curl", f"@{tmp_path / 'none.txt'}"], capsys)
    assert missing.code == 2
    assert "cannot read the curl command" in missing.err


def test_out_creates_then_appends_after_a_separator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "new" / "api.http"
    first = run_cli(["import", "curl", "curl -L http://h/a", "--out", str(target)], capsys)
    assert first.code == 0
    assert first.out == ""
    assert target.read_text() == "GET http://h/a\n"
    run_cli(["import", "curl", "curl -L http://h/b -d x=1", "--out", str(target)], capsys)
    assert target.read_text() == (
        "GET http://h/a\n\n###\nPOST http://h/b\n"
        "Content-Type: application/x-www-form-urlencoded\n\nx=1\n"
    )
    folder = run_cli(["import", "curl", "curl http://h/a", "--out", str(tmp_path)], capsys)
    assert folder.code == 2
    assert "is a folder" in folder.err


def test_a_bad_command_is_a_usage_error_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(["import", "curl", "curl 'http://h"], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert "error: the curl command cannot be read" in err


# ---- round trip: httprun runs the import, curl runs the command ---------------------------------

ROUND_TRIPS = [
    "curl -L {base}/items?page=2 -H 'Accept: application/json' -H 'X-Trace: 1'",
    "curl -L {base}/items -X PUT -H 'Content-Type: application/json' --data-raw '{\"a\":[1,2]}'",
    "curl -L {base}/login -d user=bob -d 'password=pw1234567' -H 'User-Agent: t/1'",
    "curl -L {base}/search -G -d q=tea --data-urlencode 'note=a b&c'",
    "curl -L {base}/j --json '{\"n\":1}'",
    "curl -L {base}/me -u bob:pw1234567 -b 'sid=abcdefgh123' -e https://r/",
    "curl -L {base}/me -u 'john doe:pw 1234567'",
    "curl -L -I {base}/head -A agent/2",
    "curl -L {base}/up -F a=1 -F 'f=@cat.png' -F 'n=<notes.txt' -F 't=x;type=text/csv'",
    "curl -L {base}/raw --data-binary @body.bin -H 'Content-Type: application/octet-stream'",
    "curl {base}/redirect -H 'X-Not-Followed: 1'",
    "curl -L '{base_with_user}/me'",
    CHROME_BASH.replace("https://api.example.com", "{base}"),
    FIREFOX.replace("https://api.example.com", "{base}"),
    POSTMAN.replace("https://api.example.com", "{base}"),
    CHROME_MULTIPART.replace("https://api.example.com", "{base}"),
]
IGNORED_HEADERS = {
    "user-agent",
    "accept-encoding",
    "connection",
    "host",
    "content-length",
    "accept",
}


def _files(folder: Path) -> None:
    (folder / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01binary")
    (folder / "notes.txt").write_text("first line\nsecond")
    (folder / "body.bin").write_bytes(bytes(range(256)))


def _parts(request: Received) -> list[tuple[str | None, str | None, str, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.header('content-type')}\r\n\r\n".encode() + request.body
    )
    return [
        (part.get_param("name", header="content-disposition"), part.get_filename(),
         part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_parts()
    ]  # fmt: skip


def _comparable(request: Received, written: set[str]) -> dict[str, object]:
    """What must be the same: method, target, the headers the command writes, the body (its
    parts for multipart, whose boundary each client chooses)."""
    headers = {
        name: value
        for name, value in request.headers
        if name in written or (name not in IGNORED_HEADERS and name != "content-type")
    }
    content_type = request.header("content-type") or ""
    if content_type.startswith("multipart/form-data"):
        headers.pop("content-type", None)
        body: object = _parts(request)
    else:
        body = request.body
    return {"method": request.method, "target": request.target, "headers": headers, "body": body}


@pytest.mark.parametrize("shape", ROUND_TRIPS)
def test_the_import_sends_what_curl_sends(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    curl = require_curl()
    _files(tmp_path)
    with capturing_server() as (base, received):
        with_user = base.replace("http://", "http://bob:p%40ss1234@")
        command = shape.replace("{base}", base).replace("{base_with_user}", with_user)
        done = subprocess.run(  # the shell reads the command as a user's shell would
            ["bash", "-c", f"{command} -s -o {os.devnull}"],
            cwd=tmp_path, capture_output=True, timeout=20, check=False,
            env={**os.environ, "PATH": f"{Path(curl).parent}{os.pathsep}{os.environ['PATH']}"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        request_file = tmp_path / "imported.http"
        result = import_curl(command)
        request_file.write_text(result.text)
        pins = [f"--var={name}={value}" for name, value in result.credentials.items()]
        result = run_cli([str(request_file), *pins], capsys)
        assert result.code == 0, result.output
    by_curl, by_httprun = received
    block = parse_text(request_file.read_text()).requests[0].request
    assert block is not None
    written = {header.name.lower() for header in block.headers}
    assert _comparable(by_httprun, written) == _comparable(by_curl, written)
