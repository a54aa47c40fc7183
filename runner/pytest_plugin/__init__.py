"""Run ``.http`` request files as pytest tests, and call them from Python tests.

httprun registers this plugin with pytest (entry point ``httprun``); it does nothing until you
point pytest at request files. Turn it off with ``-p no:httprun``.

Running request files
---------------------

A ``.http`` file named on the command line is always collected::

    pytest requests/products.http --http-env envs/sandbox.env

Files found while pytest walks directories are collected only when you opt in, so the plugin
never picks up unrelated files by surprise: list glob patterns in the ``httprun_files`` ini
option (relative to the ini file; a pattern without ``/`` matches file names in any folder;
``**`` spans folders), or pass ``--http-collect`` to collect every ``*.http`` under the paths
pytest walks::

    # pyproject.toml
    [tool.pytest.ini_options]
    httprun_files = ["requests/*.http"]
    httprun_env = ["envs/sandbox.env"]

Each request of a file is one test, named by its ``# @name``, else by its ``###`` title, else
``line N``: ``pytest "requests/products.http::products"`` runs one request, and ``-k`` works
as usual. The requests of a file run in file order and share the file's scope (captures and
named responses), exactly as ``httprun FILE`` runs them; every file starts from the
environment alone. Selecting a request that reads another's capture or ``@name`` runs that one
first, unreported (when that one fails, the skip reason says why). When a request fails, the
later requests of its file that depend on it (through captures or ``@name``, transitively) are
skipped with the reason ("depends on 'products' (line 7), which failed"); the others still
run. ``# @skip`` requests are reported as skipped. A failure shows the request line, the
status and httprun's own error report with ``file:line:col``, never a Python traceback; the
response is attached as a report section. A file that does not parse is a collection error,
shown the same way; a file in which ``httprun check`` finds errors (a bad directive value,
JMESPath that does not compile) sends nothing, and each of its requests errors with them.

A file with ``# @import`` lines runs the imported requests an item needs first, once per
session (once per worker with pytest-xdist), whichever item needs them first; a file collected
as items and imported by others sends its requests once too. When an imported request fails,
the items that need it (directly or through requests of their file) are skipped with the
reason ("needs 'login' from requests/login.http:5, which failed: ...").

A file with ``# @data`` (or every collected file, with ``--http-data``) is collected once per
data row, each row in a scope of its own; the row ends the item's name as pytest shows a
parameter: ``requests/products.http::create[row 3]``, or ``create[shirt]`` when the rows are
labelled by a ``name`` or ``id`` column. Select one row's request by its node id, a labelled
row with ``-k shirt``. A data file that cannot give rows is a collection error at its
``rows.csv:LINE``, and nothing is sent.

Options (command line, then ini equivalent):

``--http-env FILE`` / ``httprun_env``
    A dotenv file; repeatable, later files win. Given on the command line, the files replace
    those of the ini option.
``--http-var NAME=VALUE``
    Pin a variable over every other value; repeatable.
``--http-timeout SECONDS`` / ``httprun_timeout``
    Seconds to wait for each response (default 30).
``--http-insecure`` / ``httprun_insecure``
    Do not verify TLS certificates.
``--http-collect``
    Collect every ``*.http`` file under the paths pytest walks.
``--http-data PATH``
    Run every collected file once per row of this CSV, JSON or JSON Lines file (wins over the
    files' ``# @data``), as the command line's ``--data``.

Without these, the ``[tool.httprun]`` table of the project pytest runs in (its rootdir's
``pyproject.toml``; README "Project settings") gives ``env``, ``timeout``, ``max_retries`` and
``files`` (the ``.http`` files to collect while walking folders, as ``httprun_files`` does).

Parallel runs with pytest-xdist: use ``--dist loadfile`` so each file stays on one worker and
its requests share one scope, in order::

    pytest -n 4 --dist loadfile --http-collect requests/ --http-env envs/sandbox.env

With another ``--dist`` mode the requests of a file may land on different workers; a request
then runs what it depends on again on its own worker, so requests with side effects (a POST
that creates something) may be sent more than once.

Calling request files from Python tests
---------------------------------------

The ``httprun`` fixture runs files with the session's options (``--http-env``, ``--http-var``,
timeouts) and returns httprun's result objects::

    def test_catalogue(httprun):
        result = httprun.run("requests/products.http")  # a FileResult
        assert result.passed, httprun.describe(result)

        products = httprun.request("requests/products.http", "products")  # a RequestResult
        assert products.status == 200
        assert products.exchange.response["body"]["count"] >= 1
        assert all(check.passed for check in products.checks)

``run(path, *, env=None, name=None, line=None, vars=None)`` runs the whole file, or only the
request named ``name`` (or containing ``line``) and what it depends on; ``env`` (a file or a
list of files) replaces the session's env files and ``vars`` adds pins, for that call only.
Problems in the file (parse errors, an unknown name) are in ``FileResult.error``.
``request(path, name, *, env=None, vars=None)`` returns the named request's result and fails
the test with httprun's error report when the file cannot be run. ``describe(result)`` renders
a result's errors for an assertion message. Relative paths are taken from the current
directory.
"""

from __future__ import annotations

# pytest finds the hooks and the fixture as attributes of this module (the entry point), so the
# package re-exports them from the modules that define them.
from .collection import HttpFileCollector, pytest_collect_file, pytest_terminal_summary
from .fixture import HttprunFixture, httprun
from .items import HttpRequestFailed, HttpRequestItem, describe_request, pytest_runtest_makereport
from .options import pytest_addoption, pytest_configure, pytest_report_header

__all__ = [
    "HttpFileCollector",
    "HttpRequestFailed",
    "HttpRequestItem",
    "HttprunFixture",
    "describe_request",
    "httprun",
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_terminal_summary",
]
