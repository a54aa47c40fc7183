"""The pytest plugin: .http files as tests, run against the real local server with pytester."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from recording_server import recording_server

import runner
from runner.globs import compile_glob
from runner.run import RunOptions, run_files

pytest_plugins = ["pytester"]

# Installed (pip install -e .), pytest loads the plugin by its entry point; from a bare source
# tree it must be named, and naming it as well would register it twice.
_INSTALLED = any(
    entry.value == "runner.pytest_plugin"
    for entry in importlib.metadata.entry_points(group="pytest11", name="httprun")
)
PLUGIN_ARGS: tuple[str, ...] = () if _INSTALLED else ("-p", "runner.pytest_plugin")
# Inner runs need none of hypothesis, whose summary hook would import it anew in every run.
INNER_ARGS = (*PLUGIN_ARGS, "-p", "no:hypothesispytest", "-p", "no:cacheprovider")

CHAIN = """\
### List products
# @name products
GET <<base>>/json

?? status == 200
>> first = body.products[0].product_no

### Read the first one
GET <<base>>/echo?no=<<first>>

?? body.query.no[0] == "7"
?? body.method == "GET"

###
POST <<base>>/echo
Content-Type: application/json

{"count": <<products.body.count>>}

?? body.body == '{"count": 1}'
"""


RunHttp = Callable[..., pytest.RunResult]


@pytest.fixture(scope="module", autouse=True)
def _pipeline_imported(local_server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run one file through the pipeline out here first: pytester's in-process runs drop the
    modules they imported when they end, and every run would import them (and build the
    grammar) anew."""
    path = tmp_path_factory.mktemp("warm") / "warm.http"
    path.write_text(CHAIN, encoding="utf-8")
    result = run_files([str(path)], RunOptions(variables={"base": local_server}))
    assert result.exit_code == 0, result.errors


@pytest.fixture
def run_http(pytester: pytest.Pytester, local_server: str) -> RunHttp:
    """Run pytest in-process inside ``pytester.path`` with the plugin and ``base`` pinned."""

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_inprocess(
            *INNER_ARGS, "--http-var", f"base={local_server}", *args
        )

    return run


def write(pytester: pytest.Pytester, name: str, text: str) -> Path:
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def output(result: pytest.RunResult) -> str:
    return "\n".join(result.outlines + result.errlines)


# -- items -------------------------------------------------------------------------------------


def test_each_request_is_an_item_named_by_name_title_or_line(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "api.http", CHAIN)
    result = run_http("api.http", "--collect-only", "-q")
    assert result.ret == 0
    assert "api.http::products" in result.outlines
    assert "api.http::Read the first one" in result.outlines
    assert "api.http::line 15" in result.outlines


def test_requests_of_a_file_share_one_scope(pytester: pytest.Pytester, run_http: RunHttp) -> None:
    write(pytester, "api.http", CHAIN)
    result = run_http("api.http", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "api.http::products PASSED*",
            "api.http::Read the first one PASSED*",
            "api.http::line 15 PASSED*",
        ]
    )


def test_a_failing_check_is_rendered_by_httprun_not_as_a_traceback(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(
        pytester,
        "api.http",
        """\
        ### Missing
        # @name missing
        GET <<base>>/status/404

        ?? status == 200
        ?? body.status == 404
        """,
    )
    result = run_http("api.http")
    result.assert_outcomes(failed=1)
    text = output(result)
    result.stdout.fnmatch_lines(
        [
            "*_ missing _*",
            "GET http://127.0.0.1:*/status/404 -> 404 Not Found (* ms)",
            "error: *",
            "*--> api.http:5:1",
            "5 | ?? status == 200",
            "*Captured http response call*",
            "< 404 Not Found",
        ]
    )
    assert "Traceback" not in text
    assert "pytest_plugin.py" not in text
    assert "pytest_plugin/" not in text  # nor any module of the plugin package


def test_a_file_with_errors_sends_nothing_and_its_items_show_the_errors(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, "ok.http", "GET <<base>>/ok\n")
    write(
        pytester,
        "bad.http",
        """\
        ### Delete the item
        DELETE <<base>>/items/1

        ### Read it again
        GET <<base>>/items/1

        ?? status ==== 1
        """,
    )
    with recording_server() as (base, received):
        result = pytester.runpytest_inprocess(
            # -rN: no short summary, which repeats each error's text in full when CI is set
            *INNER_ARGS,
            "-rN",
            "--http-var",
            f"base={base}",
            "ok.http",
            "bad.http",
        )
    result.assert_outcomes(passed=1, errors=2)
    assert received == ["GET /ok"]
    text = output(result)
    assert text.count("--> bad.http:7:13") == 2
    assert "invalid JMESPath in check" in text
    assert "Traceback" not in text


def test_secrets_are_masked_in_failure_reports(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(
        pytester,
        "api.http",
        """\
        GET <<base>>/status/500?key=<<api_key>>

        ?? status == 200
        """,
    )
    result = run_http("api.http", "--http-var", "api_key=hush-hush-1234")
    result.assert_outcomes(failed=1)
    text = output(result)
    assert "hush-hush-1234" not in text
    assert "key=****" in text


def test_requests_that_depend_on_a_failed_one_are_skipped(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(
        pytester,
        "api.http",
        """\
        ### List products
        # @name products
        GET <<base>>/status/500

        ?? status == 200

        ### Needs the list
        GET <<base>>/echo?n=<<products.body.status>>
        >> echoed = body.query.n[0]

        ### Needs it through a capture, transitively
        GET <<base>>/echo?again=<<echoed>>

        ### Independent
        GET <<base>>/json
        """,
    )
    result = run_http("api.http", "-rs")
    result.assert_outcomes(failed=1, skipped=2, passed=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] api.http:8: depends on 'products' (line 3), which failed",
            "SKIPPED [[]1[]] api.http:12: depends on 'products' (line 3), which failed",
        ]
    )
    # Left out by -k, the failed request has no report of its own: the skip says why.
    alone = run_http("api.http", "-rs", "-k", "transitively")
    alone.assert_outcomes(skipped=1, deselected=3)
    alone.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] api.http:12: depends on 'products' (line 3), which failed: *check*"]
    )


def test_skip_directive_is_a_pytest_skip_with_its_reason(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(
        pytester,
        "api.http",
        """\
        ### Not ready
        # @skip waiting for the API
        GET <<base>>/status/500

        ### Runs
        GET <<base>>/json
        """,
    )
    result = run_http("api.http", "-rs")
    result.assert_outcomes(skipped=1, passed=1)
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] api.http:3: waiting for the API"])


def test_selecting_one_request_runs_what_it_depends_on_first(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "api.http", CHAIN)
    result = run_http("api.http::Read the first one", "-v")
    result.assert_outcomes(passed=1)
    deselected = run_http("api.http", "-k", "not products")
    deselected.assert_outcomes(passed=2, deselected=1)


def test_requests_run_out_of_file_order_start_a_fresh_scope(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "api.http", CHAIN)
    result = run_http("api.http::line 15", "api.http::Read the first one", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["api.http::line 15 PASSED*", "api.http::Read the first one PASSED*"]
    )


def test_timeout_option_reaches_the_requests(pytester: pytest.Pytester, run_http: RunHttp) -> None:
    write(pytester, "slow.http", "GET <<base>>/slow?ms=2000\n")
    result = run_http("slow.http", "--http-timeout", "0.2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["GET http://127.0.0.1:*/slow?ms=2000 -> no response", "error: *"])


# -- collection --------------------------------------------------------------------------------


def test_http_files_in_directories_are_collected_only_when_asked(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "requests/a.http", "GET <<base>>/json\n")
    write(pytester, "other/b.http", "GET <<base>>/json\n")

    nothing = run_http(".")
    assert nothing.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    nothing.stdout.fnmatch_lines(["httprun: 2 .http files were not collected; *--http-collect*"])

    everything = run_http(".", "--http-collect")
    everything.assert_outcomes(passed=2)

    pytester.makeini("[pytest]\nhttprun_files = requests/*.http\n")
    chosen = run_http(".", "--collect-only", "-q")
    assert "requests/a.http::line 1" in chosen.outlines
    assert not any("other/b.http" in line for line in chosen.outlines)


def test_a_file_named_on_the_command_line_is_always_collected(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "other/b.http", "GET <<base>>/json\n")
    pytester.makeini("[pytest]\nhttprun_files = requests/*.http\n")
    run_http("other/b.http").assert_outcomes(passed=1)


def test_ini_options_set_env_files(pytester: pytest.Pytester, local_server: str) -> None:
    write(pytester, "envs/local.env", f"base={local_server}\n")
    write(pytester, "api.http", "GET <<base>>/json\n\n?? body.count == 1\n")
    pytester.makeini("[pytest]\nhttprun_files = *.http\nhttprun_env = envs/local.env\n")
    pytester.runpytest_inprocess(*INNER_ARGS).assert_outcomes(passed=1)


def test_a_parse_error_is_a_collection_error_rendered_by_httprun(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(
        pytester,
        "broken.http",
        """\
        GET <<base>>/json

        > {% client.test("ok", function() {}); %}

        ### the errors of every block are shown, then those of the blocks that parse
        GRAPHQL <<base>>/graphql

        ###
        GET <<base>>/{{id}}
        """,
    )
    result = run_http("broken.http")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest stops on collection errors
    result.assert_outcomes(errors=1)
    text = output(result)
    assert "ERROR collecting broken.http" in text
    result.stdout.fnmatch_lines(
        ["error: *", "*--> broken.http:3:*", "*--> broken.http:6:1", "*--> broken.http:9:14"]
    )
    assert "Traceback" not in text


def test_a_missing_env_file_fails_the_requests_with_its_message(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    write(pytester, "api.http", "GET <<base>>/json\n")
    result = run_http("api.http", "--http-env", "envs/nope.env")
    result.assert_outcomes(errors=1)
    text = output(result)
    assert "error: env file not found" in text
    assert "Traceback" not in text
    assert "During handling" not in text


def test_bad_command_line_values_are_usage_errors(
    pytester: pytest.Pytester, run_http: RunHttp
) -> None:
    result = run_http("--http-var", "no-equals-sign")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--http-var takes NAME=VALUE" in output(result)
    result = run_http("--http-timeout", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("requests/*.http", "requests/a.http", True),
        ("requests/*.http", "requests/deep/a.http", False),
        ("requests/*.http", "other/requests/a.http", False),
        ("requests/**/*.http", "requests/a.http", True),
        ("requests/**/*.http", "requests/x/y/a.http", True),
        ("./requests/*.http", "requests/a.http", True),
        ("*.http", "deep/down/a.http", True),
        ("smoke_*.http", "x/smoke_1.http", True),
        ("smoke_*.http", "x/full_1.http", False),
        ("api/v[12]/*.http", "api/v2/a.http", True),
        ("api/v[!12]/*.http", "api/v2/a.http", False),
    ],
)
def test_httprun_files_patterns(pattern: str, path: str, expected: bool, tmp_path: Path) -> None:
    assert compile_glob(pattern, tmp_path)(tmp_path / path) is expected


# -- the fixture -------------------------------------------------------------------------------


def test_the_httprun_fixture_runs_files_from_python_tests(
    pytester: pytest.Pytester, run_http: RunHttp, local_server: str
) -> None:
    write(pytester, "api.http", CHAIN)
    write(pytester, "local.env", f"base={local_server}\n")
    pytester.makepyfile(
        test_api="""
        def test_whole_file(httprun):
            result = httprun.run("api.http")
            assert result.passed, httprun.describe(result)
            assert len(result.requests) == 3

        def test_one_request(httprun):
            products = httprun.request("api.http", "products")
            assert products.status == 200
            assert products.exchange.response["body"]["count"] == 1
            assert [check.passed for check in products.checks] == [True, True]
            assert products.captures == {"first": 7}

        def test_by_line_with_dependencies(httprun):
            result = httprun.run("api.http", line=9)
            assert [r.line for r in result.requests] == [3, 9]
            assert result.passed

        def test_own_env_and_vars(httprun):
            result = httprun.run("api.http", env="local.env", name="products")
            assert result.passed, httprun.describe(result)
            result = httprun.run("api.http", name="products", vars={"base": "http://127.0.0.1:9"})
            assert not result.passed
            assert "GET http://127.0.0.1:9/json -> no response" in httprun.describe(result)

        def test_problems_are_results(httprun):
            result = httprun.run("api.http", name="nothing")
            assert result.error is not None
            assert "no request named 'nothing'" in httprun.describe(result)
        """
    )
    result = run_http("test_api.py", "-v")
    result.assert_outcomes(passed=5)


def test_the_fixture_hands_out_masked_results(
    pytester: pytest.Pytester, run_http: RunHttp, local_server: str
) -> None:
    write(
        pytester,
        "sec.http",
        "# @name echoed\nGET <<base>>/echo?k=<<api_key>>\n"
        "Authorization: Basic alice:<<db_password>>\nX-Token: Bearer AT-SUPERSECRET-123456\n",
    )
    write(pytester, "sec.env", "api_key=KEYVALUE-abcdef123\ndb_password=p@ss:w0rd/x\n")
    pytester.makepyfile(
        test_sec="""
        def test_fails_on_purpose(httprun):
            result = httprun.request("sec.http", "echoed", env="sec.env")
            assert result.status == 201, result
        def test_secrets_are_masked(httprun):
            result = httprun.request("sec.http", "echoed", env="sec.env")
            echoed = result.exchange.response["body"]
            assert echoed["query"]["k"] == ["****"]
            assert echoed["headers"]["authorization"] == "Basic ****"
            assert result.request.header("Authorization") == "Basic ****"
        """
    )
    result = run_http("test_sec.py", "-vv", "--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=1)
    everything = result.stdout.str() + (pytester.path / "report.xml").read_text()
    for secret in ("KEYVALUE-abcdef123", "p@ss:w0rd/x", "YWxpY2U6cEBzczp3MHJkL3g="):
        assert secret not in everything


# -- cheap import, xdist -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PYTHONPATH entry holding only the ``runner`` package and its grammar (never the
    repository root, where ``requests/`` would pose as the requests library)."""
    folder = tmp_path_factory.mktemp("importpath")
    package = Path(runner.__file__).parent
    (folder / "runner").symlink_to(package, target_is_directory=True)
    # The parser reads the grammar from beside the package when it is not inside it.
    if (package.parent / "grammar.lark").exists():
        (folder / "grammar.lark").symlink_to(package.parent / "grammar.lark")
    return str(folder)


def _env_with(import_path: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [import_path, env.get("PYTHONPATH")]))
    return env


def test_importing_the_plugin_stays_cheap(import_path: str) -> None:
    code = (
        "import sys, pytest\n"
        "import runner.pytest_plugin\n"
        "heavy = {'lark', 'httpx', 'jmespath', 'rich', 'dotenv', 'typer'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env_with(import_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


# The xdist run (--dist loadfile) is in test_pytest_plugin_imports.py, with an imported login.
