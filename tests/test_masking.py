"""The Masker: secrets learnt by value, name or header, hidden in every form they travel in."""

from __future__ import annotations

import base64
import threading
from urllib.parse import unquote, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from runner.masking import MASK, Masker, is_secret_name, named_values


def test_a_secret_is_masked_plain_url_encoded_and_json_escaped() -> None:
    masker = Masker()
    masker.add('pa ss/"w&rd')
    text = 'plain pa ss/"w&rd, url pa%20ss%2F%22w%26rd, json pa ss/\\"w&rd'
    assert masker.mask(text) == f"plain {MASK}, url {MASK}, json {MASK}"


def test_short_secrets_are_masked_where_they_stand_as_a_whole_token() -> None:
    masker = Masker({"abc", "!?"})
    assert masker.mask("abc abc, x=abc&y, tabcd abc_1") == f"{MASK} {MASK}, x={MASK}&y, tabcd abc_1"
    # A secret that starts or ends with punctuation has no word edge there: masked anywhere.
    assert masker.mask("a!?b") == f"a{MASK}b"


def test_the_longest_secret_is_masked_whole() -> None:
    masker = Masker({"token-1234", "token-1234-extended"})
    assert masker.mask("token-1234-extended token-1234") == f"{MASK} {MASK}"


def test_variables_are_secret_by_name() -> None:
    assert [is_secret_name(n) for n in ("client_secret", "access_token", "API_KEY", "mallid")] == [
        True,
        True,
        True,
        False,
    ]
    masker = Masker()
    masker.add_variable("user_password", "hunter2-long")
    masker.add_variable("pin_key", 123456)
    masker.add_variable("mallid", "demo-mall")
    assert masker.mask("hunter2-long 123456 demo-mall") == f"{MASK} {MASK} demo-mall"


def test_basic_credentials_are_masked_encoded_too() -> None:
    masker = Masker()
    masker.add_basic_credentials("app", "s3cret-value")
    encoded = base64.b64encode(b"app:s3cret-value").decode()
    assert masker.mask(f"{encoded} s3cret-value") == f"{MASK} {MASK}"


def test_sensitive_headers_are_masked_by_name_keeping_the_scheme() -> None:
    masker = Masker()
    assert masker.mask_header("Authorization", "Bearer abc.def") == f"Bearer {MASK}"
    assert masker.mask_header("Cookie", "sid=1") == MASK
    assert masker.mask_header("Accept", "application/json") == "application/json"


def test_header_credentials_are_learnt_for_echoes() -> None:
    masker = Masker()
    masker.add_header("Authorization", "Bearer 0iqR5nM5EJIq")
    masker.add_header("Cookie", "theme=dark; sid=Zx81Jk29LmQ0")
    masker.add_header("X-Api-Key", "key-123456")
    masker.add_header("Accept", "application/json-long-enough")
    echoed = (
        "token 0iqR5nM5EJIq sid Zx81Jk29LmQ0 key key-123456 theme dark application/json-long-enough"
    )
    assert masker.mask(echoed) == (
        f"token {MASK} sid {MASK} key {MASK} theme dark application/json-long-enough"
    )


def test_masking_while_secrets_arrive_from_other_threads() -> None:
    masker = Masker()
    errors: list[BaseException] = []

    def add_many(start: int) -> None:
        try:
            for number in range(start, start + 300):
                masker.add(f"secret-{number:05d}")
        except BaseException as error:  # pragma: no cover - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=add_many, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        masker.mask("secret-00001 and more text")
    for thread in threads:
        thread.join()
    assert errors == []
    assert masker.mask("secret-03299") == MASK


def test_passwords_in_urls_are_learnt() -> None:
    masker = Masker()
    masker.add_url("http://admin:hunter%232pass@127.0.0.1:8000/echo")
    masker.add_url("http://[::1")  # not a URL: nothing learnt, no error
    shown = masker.mask("http://admin:hunter%232pass@127.0.0.1:8000/ and hunter#2pass")
    assert shown == f"http://admin:{MASK}@127.0.0.1:8000/ and {MASK}"


_URL_PARTS = st.sampled_from(
    [
        "http://",
        "//",
        "u:pa55%40wd@",
        "@",
        "[",
        "h",
        "/",
        "?",
        "?api_key=s3cr3tval",
        "&token=ab12cd34",
        "=",
        "#",
    ]
)


@given(st.lists(_URL_PARTS | st.text(max_size=6), max_size=12).map("".join))
@example("http://u:pa55%40wd@h/")
@example("http://h/?api_key=s3cr3tval")
def test_what_a_url_teaches_is_its_password_and_secret_query_and_fragment_fields(
    url: str,
) -> None:
    # add_url skips the split when the URL has neither "@" nor "=": the property says that
    # shortcut learns exactly what splitting every URL would.
    expected = Masker()
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # unsplittable ("[::1"): read as text, as error source lines are
        if "@" in url or "=" in url:
            values = named_values([url])
            expected.add_all([*values, *(unquote(value) for value in values)])
    else:
        if password:
            expected.add(password)
            expected.add(unquote(password))
        expected.add_form(parts.query)
        expected.add_form(parts.fragment)  # "#access_token=...": OAuth's implicit flow
    masker = Masker()
    masker.add_url(url)
    assert masker.secrets == expected.secrets


def test_names_that_describe_a_secret_are_not_secrets() -> None:
    for name in ("token_type", "token_url", "token_hint", "refresh_token_expires_at", "expires_in"):
        assert not is_secret_name(name), name
    masker = Masker()
    masker.add_variable("token_type", "Bearer")
    masker.add_variable("token_url", "https://id.example/token")
    assert masker.mask("Bearer https://id.example/token") == "Bearer https://id.example/token"


def test_headers_named_like_secrets_are_sensitive_by_the_same_rule() -> None:
    masker = Masker()
    masker.add_header("X-Auth-Token", "hdr-token-81c4e2")
    assert masker.mask_header("X-Auth-Token", "anything") == MASK
    assert masker.mask_header("X-Client-Secret", "anything") == MASK
    assert masker.mask("echo hdr-token-81c4e2") == f"echo {MASK}"
    assert masker.mask_header("X-Cafe24-Api-Call-Limit", "1/40") == "1/40"
    assert masker.mask_header("Content-Type", "application/json") == "application/json"


def test_a_secret_with_white_space_around_it_is_masked_stripped_too() -> None:
    masker = Masker({"  padded-secret-1234\t"})
    assert masker.mask("X-Token: padded-secret-1234") == f"X-Token: {MASK}"


def test_a_source_line_is_masked_before_its_tabs_become_spaces() -> None:
    from runner.errors import Diagnostic, render_diagnostic
    from runner.source import Span, remember_source

    remember_source("tab.http", "@api_token = tab\tsecret-5e1f\nGET http://127.0.0.1/\n")
    masker = Masker({"tab\tsecret-5e1f"})
    diagnostic = Diagnostic("error", "bad", Span("tab.http", 1, 1, 1, 11))
    rendered = render_diagnostic(diagnostic, mask=masker.mask)
    assert "secret-5e1f" not in rendered
    assert f"@api_token = {MASK}" in rendered


def test_thousands_of_tokens_in_one_body_are_learnt_in_one_go() -> None:
    masker = Masker()
    masker.add_body({"tokens": [f"tok-{number:06d}-abcdef" for number in range(5000)]})
    assert masker.mask("a tok-004321-abcdef b") == f"a {MASK} b"
    assert len(masker.secrets) == 5000


def test_a_secret_with_a_lone_surrogate_is_learnt_without_an_error() -> None:
    # An undecodable byte in --var arrives as "\udcff"; a JSON body may say "\ud800".
    masker = Masker({"\udcff-argv-secret", "\ud800-json-secret"})
    masker.add_body('{"access_token": "\\ud800-body-token"}')
    # The body is decoded as every JSON body is: the surrogate becomes U+FFFD.
    shown = masker.mask("\udcff-argv-secret \ud800-json-secret \ufffd-body-token")
    assert shown == f"{MASK} {MASK} {MASK}"
