"""The examples of issue 10 in requests/, run against the bundled sandbox: catalogue.http shared
by two files that import it, and new-products.http run once per row of new-products.csv.

The sandbox is started by the test and reached through a transport that records every request
as it goes to the sandbox, so the tests count what was sent, not what the run reports; the
token store (HTTPRUN_TOKEN_STORE, in tmp_path) holds a login made on the consent page first,
as `httprun auth login` would.
"""

from __future__ import annotations

import csv
import functools
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

import runner
from runner.auth.manager import TokenManager
from runner.auth.profiles import profile_from_variables
from runner.auth.store import TokenStore
from runner.results import Outcome, RequestResult, RunResult
from runner.run import RunOptions, run_files
from runner.sandbox import Sandbox, SandboxSettings, SandboxTransport, approve_consent

REPO = Path(runner.__file__).resolve().parent.parent
REQUESTS = REPO / "requests"
SANDBOX_ENV = REPO / "envs" / "sandbox.env"
PRODUCTS = "/api/v2/admin/products"
IMPORTERS = ("price-change.http", "product-search.http")


@dataclass(frozen=True)
class Sent:
    method: str
    path: str  # without the query
    body: bytes


class RecordingTransport(httpx.BaseTransport):
    """Passes each request on to ``inner`` and remembers it (files may run in parallel)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.sent: list[Sent] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.sent.append(Sent(request.method, request.url.path, request.read()))
        return self._inner.handle_request(request)

    def to(self, method: str, path: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.method == method and sent.path == path]


@dataclass(frozen=True)
class Mall:
    """A sandbox, an env file for it as for a real mall, and a way to ask it things."""

    env: Path
    client: httpx.Client
    recorder: RecordingTransport
    access_token: str  # the login's (the sandbox's tokens outlive a test: never refreshed)

    def run(self, *names: str, jobs: int = 1) -> RunResult:
        return run_files(
            [str(REQUESTS / name) for name in names],
            RunOptions(env_files=(str(self.env),), interactive=False, jobs=jobs),
            transport=self.recorder,
        )

    def product(self, product_no: int) -> httpx.Response:
        """The product as the sandbox has it now, asked outside the run."""
        return self.client.get(
            f"https://demo.cafe24api.com{PRODUCTS}/{product_no}",
            headers={
                "Authorization": f"Bearer {self.access_token}",
                "X-Cafe24-Api-Version": "2025-12-01",
            },
        )


@pytest.fixture
def mall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mall]:
    store = tmp_path / "store" / "tokens.json"
    monkeypatch.setenv("HTTPRUN_TOKEN_STORE", str(store))
    settings = SandboxSettings(client_secret=secrets.token_urlsafe(16))
    variables = {
        "mallid": "demo",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
        "redirect_uri": "https://localhost/oauth/callback",
        "scope": "mall.read_product,mall.write_product,mall.read_order",
        "api_version": "2025-12-01",
    }
    env = tmp_path / "mall.env"
    env.write_text("".join(f"{key}={value}\n" for key, value in variables.items()))
    with Sandbox(settings) as sandbox:
        sandbox.start()
        transport = SandboxTransport(sandbox.base_url)
        with httpx.Client(transport=transport) as client:
            token = TokenManager(
                store=TokenStore(store),
                client=client,
                interactive=False,
                notify=lambda url: None,
                consent=functools.partial(
                    approve_consent, client, user=settings.user, password=settings.password
                ),
            ).login(profile_from_variables("cafe24", variables.get))
            assert token.access_token is not None
            yield Mall(env, client, RecordingTransport(transport), token.access_token)


def requests_of(result: RunResult, name: str) -> list[RequestResult]:
    return [r for file in result.files if file.path.endswith(name) for r in file.requests]


def product_names(sent: list[Sent]) -> list[str]:
    return [json.loads(s.body)["request"]["product_name"] for s in sent]


def assert_all_passed(result: RunResult) -> None:
    done = [r for file in result.files for r in file.requests]
    failed = [(r.path, r.block.title, r.error) for r in done if r.outcome is not Outcome.PASSED]
    assert done != [] and failed == []
    assert result.exit_code == 0


# -- catalogue.http, imported by price-change.http and product-search.http --------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_importers_share_one_created_product(mall: Mall, jobs: int) -> None:
    result = mall.run(*IMPORTERS, jobs=jobs)
    assert_all_passed(result)
    created = mall.recorder.to("POST", PRODUCTS)
    assert len(created) == 1  # catalogue.http's request, once for both files
    assert product_names(created)[0].startswith("httprun catalogue ")
    (catalogue,) = requests_of(result, "catalogue.http")  # shown once, under its own file
    product_no = catalogue.captures["catalogue_no"]
    # Both files worked on that product: price-change.http updated it and read it back,
    # product-search.http found it by its name.
    assert len(mall.recorder.to("PUT", f"{PRODUCTS}/{product_no}")) == 1
    assert len(mall.recorder.to("GET", f"{PRODUCTS}/{product_no}")) == 1
    assert len(requests_of(result, "price-change.http")) == 2
    assert len(requests_of(result, "product-search.http")) == 3
    searched = requests_of(result, "product-search.http")[0]
    assert searched.exchange is not None
    assert searched.exchange.response["body"]["products"] == [
        {"product_no": product_no, "product_name": catalogue.captures["catalogue_name"]}
    ]


def test_the_shared_product_is_hidden_and_repriced(mall: Mall) -> None:
    result = mall.run("price-change.http")
    assert_all_passed(result)
    (catalogue,) = requests_of(result, "catalogue.http")
    product_no = catalogue.captures["catalogue_no"]
    read = mall.product(product_no).json()["product"]
    assert (read["price"], read["display"], read["selling"]) == ("2750.00", "F", "F")


def test_catalogue_as_a_target_beside_its_importers_creates_once(mall: Mall) -> None:
    result = mall.run("catalogue.http", *IMPORTERS, jobs=2)
    assert_all_passed(result)
    assert len(mall.recorder.to("POST", PRODUCTS)) == 1
    assert [f.path for f in result.files].count(str(REQUESTS / "catalogue.http")) == 1


def test_an_importer_alone_sends_the_shared_request_first(mall: Mall) -> None:
    result = mall.run("product-search.http")
    assert_all_passed(result)
    first = mall.recorder.sent[0]
    assert (first.method, first.path) == ("POST", PRODUCTS)
    assert [f.path for f in result.files] == [
        str(REQUESTS / "catalogue.http"),
        str(REQUESTS / "product-search.http"),
    ]


# -- new-products.http over new-products.csv --------------------------------------------------


def csv_rows() -> list[dict[str, str]]:
    with (REQUESTS / "new-products.csv").open(newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def test_new_products_creates_reads_back_and_deletes_each_row(mall: Mall) -> None:
    rows = csv_rows()
    assert len(rows) == 3
    result = mall.run("new-products.http")
    assert_all_passed(result)
    assert len(result.files) == 3  # one run of the file per row
    created = mall.recorder.to("POST", PRODUCTS)
    assert product_names(created) == [row["product_name"] for row in rows]
    sent_rows = [json.loads(s.body)["request"] for s in created]
    assert [r["price"] for r in sent_rows] == [row["price"] for row in rows]
    assert {r["selling"] for r in sent_rows} == {"T"}  # the file's default: no selling column
    for row, file in zip(rows, result.files, strict=True):
        create, read, delete = file.requests
        assert file.row is not None and create.row == file.row
        product_no = create.captures["product_no"]
        assert read.exchange is not None
        product = read.exchange.response["body"]["product"]
        assert product["product_no"] == product_no
        assert (product["product_name"], product["price"], product["display"]) == (
            row["product_name"],
            row["price"],
            row["display"],
        )
        assert delete.url.endswith(f"{PRODUCTS}/{product_no}")
    # Each row's product is gone again.
    numbers = [f.requests[0].captures["product_no"] for f in result.files]
    assert len(set(numbers)) == 3
    for product_no in numbers:
        assert mall.product(product_no).status_code == 404


def test_new_products_rows_run_in_parallel_too(mall: Mall) -> None:
    result = mall.run("new-products.http", jobs=3)
    assert_all_passed(result)
    created = product_names(mall.recorder.to("POST", PRODUCTS))
    assert sorted(created) == sorted(row["product_name"] for row in csv_rows())


def test_every_example_passes_with_the_sandbox_env_as_the_readme_runs_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPRUN_TOKEN_STORE", str(tmp_path / "tokens.json"))
    code, out, err = run_cli([str(REQUESTS), "--env", str(SANDBOX_ENV), "-j", "3"], capsys)
    assert code == 0, out + err
    assert out.count("requests/catalogue.http\n") == 1
    assert out.count("POST https://demo.cafe24api.com/api/v2/admin/products 201") == 1 + 3 + 1
    assert "requests/new-products.http [row 3]\n" in out
