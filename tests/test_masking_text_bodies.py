"""Secret-named fields of request and response bodies that are not JSON are masked too: a form
written over several lines, a multipart form's parts, XML elements."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

from runner.masking import Masker

FILE = """\
### a form over several lines
POST http://127.0.0.1:9/login
Content-Type: application/x-www-form-urlencoded

user=bob
&password=FormPw11111

### multipart
POST http://127.0.0.1:9/upload
Content-Type: multipart/form-data; boundary=XX

--XX
Content-Disposition: form-data; name="api_key"

MultiKey22222
--XX--

### xml
POST http://127.0.0.1:9/soap
Content-Type: application/xml

<login><user>bob</user><password>XmlPw33333</password></login>
"""


def test_secret_fields_of_text_bodies_are_masked_by_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.http"
    path.write_text(FILE)
    result = run_cli([str(path), "--dry-run"], capsys)
    assert result.code == 0, result.output
    for secret in ("FormPw11111", "MultiKey22222", "XmlPw33333"):
        assert secret not in result.output
    assert "&password=****" in result.output
    assert "<user>bob</user><password>****</password>" in result.output


@pytest.mark.parametrize(
    ("body", "learnt"),
    [
        ("a=1\n&apiKey=k1k1k1", {"k1k1k1"}),
        (
            '--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\ncs1\r\n--b--',
            {"cs1"},
        ),
        ('<x><access_token type="t">tk2</access_token><keyword>kw</keyword></x>', {"tk2"}),
        ("keyword=visible\ntoken_type=Bearer", set()),
    ],
)
def test_what_a_text_body_teaches(body: str, learnt: set[str]) -> None:
    masker = Masker()
    masker.add_body(body)
    assert masker.secrets == learnt


def test_a_huge_text_body_is_read_for_fields_only_where_outputs_show_it() -> None:
    # Outputs show a body's first 1,000,000 characters at most: reading the fields of the
    # rest (100 MB of HTML full of "key") would cost seconds and show nothing.
    body = "password=Early8888 " + '<div class="key">a=1</div>\n' * 100_000 + "password=Late9999"
    masker = Masker()
    masker.add_body(body)
    assert masker.secrets == {"Early8888"}
