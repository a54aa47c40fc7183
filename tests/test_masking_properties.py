"""Property tests of the Masker: every secret, in every encoding it travels in, wherever a cut
falls, never shows; fields named like secrets are learnt from any body."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from runner.checks import evaluate_block
from runner.errors import HttprunError
from runner.executor import build_client, send_request
from runner.masking import MASK, Masker, is_secret_name, mask_and_clip
from runner.parser import parse_text
from runner.reporters.exchange_text import body_lines
from runner.results import ResolvedRequest
from runner.source import Span

# Anything but '*' (what a mask is made of) and blank-only values (never secrets).
secrets = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "" and "*" not in s)


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def _json(value: str, *, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)[1:-1]


def _httpx_query(value: str) -> str:
    return httpx.URL("http://127.0.0.1/", params={"q": value}).query.decode("ascii")[2:]


def _httpx_url(value: str) -> str:
    if "#" in value:
        raise ValueError("a fragment, not the query")
    return str(httpx.URL(f"http://127.0.0.1/p?q={value}")).partition("?q=")[2]


ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "JSON": lambda s: _json(s, ascii_only=False),
    "JSON \\uXXXX": lambda s: _json(s, ascii_only=True),
    "JSON \\uXXXX upper-case": lambda s: re.sub(
        r"\\u[0-9a-f]{4}",
        lambda m: m.group().upper().replace("\\U", "\\u"),
        _json(s, ascii_only=True),
    ),
    "JSON \\/ (PHP)": lambda s: _json(s, ascii_only=True).replace("/", "\\/"),
    "percent": lambda s: quote(s, safe=""),
    "percent lower-case": lambda s: _lower_hex(quote(s, safe="")),
    "form (+ for space)": lambda s: quote_plus(s, safe=""),
    "form lower-case": lambda s: _lower_hex(quote_plus(s, safe="")),
    "httpx query parameter": _httpx_query,
    "httpx URL": _httpx_url,
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(secret=secrets)
@example(secret="-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQE=\n-----END")
@example(secret="pä/ss wörd+\"'%2f")
@example(secret="é")
@settings(max_examples=60, deadline=None)
def test_no_encoding_of_a_secret_survives_masking(encoding: str, secret: str) -> None:
    encode = ENCODINGS[encoding]
    try:
        encoded = encode(secret)
    except (httpx.InvalidURL, ValueError):
        assume(False)  # httpx refuses to send it at all
    assume(encoded.strip() != "")
    masker = Masker({secret})
    for text in (encoded, f"x={encoded}&y", f'{{"k": "{encoded}"}}', f"a {encoded}\nb"):
        assert encoded not in masker.mask(text)


@given(secret=secrets)
@settings(max_examples=60, deadline=None)
def test_each_line_of_a_multi_line_secret_is_masked_alone_too(secret: str) -> None:
    lines = [line.strip() for line in secret.splitlines() if line.strip() and line != secret]
    masker = Masker({secret})
    for line in lines:
        assert line not in masker.mask(f" {line} ")


# -- mask, then clip -------------------------------------------------------------------------

# The secret is made of word characters, the text around it of others: whatever is shown of
# the text, no character of the secret may be.
SECRET_ALPHABET = string.ascii_letters + string.digits
FILLER_ALPHABET = " .,;:/()[]{}<>!?-"
word_secrets = st.text(SECRET_ALPHABET, min_size=1, max_size=30)


def _leaks(secret: str, shown: str) -> bool:
    return bool(set(secret) & set(shown.replace(MASK, "")))


def _surrounded(secret: str, before: int, after: int) -> str:
    filler = FILLER_ALPHABET * (1 + (before + after) // len(FILLER_ALPHABET))
    return filler[:before] + secret + filler[:after]


@given(secret=word_secrets, before=st.integers(0, 300), limit=st.integers(0, 400))
@settings(max_examples=200, deadline=None)
def test_mask_and_clip_never_shows_part_of_a_secret(secret: str, before: int, limit: int) -> None:
    text = _surrounded(secret, before, 50)
    masker = Masker({secret})
    assert not _leaks(secret, mask_and_clip(text, masker.mask, limit))
    shown = mask_and_clip(text, masker.mask, limit + 10, marker="…", keep_end=min(limit, 10))
    assert not _leaks(secret, shown.replace("…", ""))


@given(secret=word_secrets, before=st.integers(0, 120), limit=st.integers(1, 150))
@settings(max_examples=100, deadline=None)
def test_a_verbose_body_cut_never_shows_part_of_a_secret(
    secret: str, before: int, limit: int
) -> None:
    masker = Masker({secret})
    lines = body_lines(_surrounded(secret, before, 20), masker, limit)
    shown = "\n".join(lines).rsplit("\n... (", 1)[0]
    assert not _leaks(secret, shown)


SPAN = Span.point("t.http", 2, 1, 5)
CHECKED = parse_text("GET http://127.0.0.1/\n\n?? body == 1\n").requests[0]


@given(secret=word_secrets, before=st.integers(150, 210))
@settings(max_examples=60, deadline=None)
def test_a_check_message_cut_never_shows_part_of_a_secret(secret: str, before: int) -> None:
    masker = Masker({secret})
    document = {"status": 200, "body": _surrounded(secret, before, 40)}
    evaluation = evaluate_block(CHECKED, document, lambda template: None, masker=masker)
    message = evaluation.results[-1].message
    assert message.startswith("expected ")  # 1, or **** when the secret is "1"
    shown = message.partition(" (number), got ")[2].removesuffix(" (string)")
    assert not _leaks(secret, shown.replace("…", ""))


@given(secret=word_secrets, before=st.integers(90, 130))
@settings(max_examples=60, deadline=None)
def test_an_invalid_url_message_cut_never_shows_part_of_a_secret(secret: str, before: int) -> None:
    url = "ftp://127.0.0.1/" + _surrounded(secret, before, 10).replace(" ", "-")
    request = ResolvedRequest("GET", url, (), None, SPAN)
    masker = Masker({secret})
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    client = build_client(transport=transport, masker=masker)
    with client, pytest.raises(HttprunError) as raised:
        send_request(client, request)
    shown = raised.value.message.removeprefix("cannot send to ").partition(": the URL")[0]
    path = shown.split("/", 3)[3]  # the host may show masks too: "0" is masked in 127.0.0.1
    assert not _leaks(secret, path.replace("…", ""))


# -- one name rule, bodies learnt -------------------------------------------------------------

SECRET_NAMES = [
    "access_token", "refresh_token", "client_secret", "password", "api_key", "apiKey", "APIKEY",
    "private_key", "privateKey", "accessToken", "X-Api-Key", "secretKey", "user.password",
    "db_passwd", "credentials", "session-token", "clientsecret",
]  # fmt: skip
DATA_NAMES = [
    "keyword", "keywords", "primary_keys", "public_key", "sort_key", "token_type", "tokenType",
    "token_url", "expires_in", "refresh_token_expires_at", "monkey", "turkey", "key_name",
    "mallid", "client_id", "max_tokens", "token_ttl", "api_key_header", "token_count",
    "publishableKey", "access_token_lifetime",
]  # fmt: skip


def test_the_name_rule_reads_words_not_letters() -> None:
    assert [name for name in SECRET_NAMES if not is_secret_name(name)] == []
    assert [name for name in DATA_NAMES if is_secret_name(name)] == []


names = st.sampled_from(SECRET_NAMES)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(DATA_NAMES), children, max_size=3)
    ),
    max_leaves=10,
)


@given(name=names, secret=secrets, around=json_values, nested=st.booleans())
@settings(max_examples=100, deadline=None)
def test_a_field_named_like_a_secret_is_learnt_from_any_response_body(
    name: str, secret: str, around: object, nested: bool
) -> None:
    assume(secret not in name)  # a secret "-" is masked in the key "X-Api-Key" too, rightly
    body = (
        {"data": [{name: secret}], "other": around} if nested else {"other": around, name: secret}
    )
    masker = Masker()
    # With the text it was parsed from, as executor documents have it: a body whose text has
    # no secret-like word is not walked, and this one must be.
    masker.add_response({"status": 200, "headers": {}, "body": body, "text": json.dumps(body)})
    assert secret not in masker.mask(f" {secret} ")
    shown = masker.mask_value(body)
    assert (shown["data"][0] if nested else shown)[name] == MASK


@given(name=names, secret=secrets)
@settings(max_examples=60, deadline=None)
def test_a_field_named_like_a_secret_is_learnt_from_forms_and_queries(
    name: str, secret: str
) -> None:
    masker = Masker()
    form = f"grant_type=x&{quote_plus(name)}={quote_plus(secret)}"
    masker.add_request(f"http://127.0.0.1/?{form}", (), form.encode())
    assert secret not in masker.mask(f" {secret} ")
    assert masker.mask(form).endswith(MASK)


def test_a_deeply_nested_body_is_learnt_without_recursion() -> None:
    body: object = {"access_token": "deep-secret-value"}
    for _ in range(5000):
        body = {"level": [body]}
    masker = Masker()
    masker.add_body(body)
    assert masker.mask("deep-secret-value") == MASK
