"""A real headless browser for tests: Debian's chromium driven by selenium through chromedriver.

Use it from a test module with::

    pytest_plugins = ("browser",)

    def test_page(browser: Browser, tmp_path: Path) -> None:
        browser.open_file(tmp_path / "page.html")
        assert browser.driver.title == "..."
        assert browser.requests_sent() == [page_url]

(import ``Browser`` under ``TYPE_CHECKING`` only: importing the module before pytest loads it
as a plugin keeps pytest from rewriting its asserts, and pytest warns.)

The ``browser`` fixture starts one chromium per test session (so one per xdist worker) and
SKIPS the test when chromium, chromedriver or selenium is not installed (``apt-get install
chromium chromium-driver``; ``pip install selenium``). Set ``REQUIRE_BROWSER_TESTS=1`` (CI
should) to make that a failure instead of a skip.

Nothing is downloaded: chromedriver is given by path, which keeps Selenium Manager (selenium's
driver and browser downloader) from running, and chromium runs with its background networking,
component updates and sync off, in a fresh profile folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes tabs
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1280,900",
)
PAGE_LOAD_TIMEOUT_S = 30
# Installed in every document before its own scripts run: records each Content-Security-Policy
# violation, that is every fetch the page tried and its policy refused.
_CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def find_executable(candidates: tuple[str, ...], name: str) -> str | None:
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def _missing(what: str) -> None:
    message = f"{what} is not installed (apt-get install -y chromium chromium-driver)"
    if os.environ.get("REQUIRE_BROWSER_TESTS"):
        pytest.fail(message + "; REQUIRE_BROWSER_TESTS is set", pytrace=False)
    pytest.skip(message)


def launch_chromium(profile_dir: Path) -> Chrome:
    """Start headless chromium with ``profile_dir`` as its fresh user-data-dir.

    Skips the calling test when chromium, chromedriver or selenium is missing.
    """
    chromium = find_executable(CHROMIUM_CANDIDATES, "chromium")
    if chromium is None:
        _missing("chromium")
    driver_path = find_executable(CHROMEDRIVER_CANDIDATES, "chromedriver")
    if driver_path is None:
        _missing("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (pip install selenium)")
        raise  # not reached: _missing skips or fails
    assert chromium is not None and driver_path is not None

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    # The DevTools network events of every request the browser makes: see requests_sent().
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _CSP_RECORDER})
    except BaseException:
        driver.quit()
        raise
    return driver


class Browser:
    """A launched chromium and what tests ask of a page: load it, and list what it fetched.

    ``driver`` is the selenium WebDriver, for finding elements and clicking.
    """

    def __init__(self, driver: Chrome) -> None:
        self.driver = driver

    def open_file(self, path: Path) -> str:
        """Load ``path`` from its file:// URL; returns once the load event has fired."""
        self._performance_log()  # reading the log empties it: requests_sent() starts here
        url = path.resolve().as_uri()
        self.driver.get(url)
        return url

    def js(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body: ``return ...``) in the page."""
        return self.driver.execute_script(script, *args)

    def requests_sent(self) -> list[str]:
        """Every URL the browser requested since ``open_file`` (the document itself included),
        blocked ones too, from DevTools' ``Network.requestWillBeSent`` events."""
        urls: list[str] = []
        for entry in self._performance_log():
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(str(message["params"]["request"]["url"]))
        return urls

    def csp_violations(self) -> list[str]:
        """``"directive blocked-uri"`` for every fetch the page's CSP refused."""
        return [str(item) for item in self.js("return window.__cspViolations || [];")]

    def fetched_resources(self) -> list[str]:
        """Every URL the page fetched after the document itself (images, styles, scripts,
        fonts, XHR, ...), from the browser's Resource Timing entries."""
        return self._entry_names("resource")

    def navigations(self) -> list[str]:
        """The documents the page's navigation entries name (normally just itself)."""
        return self._entry_names("navigation")

    def _entry_names(self, kind: str) -> list[str]:
        script = "return performance.getEntriesByType(arguments[0]).map((e) => e.name);"
        return [str(name) for name in self.js(script, kind)]

    def _performance_log(self) -> list[dict[str, Any]]:
        get_log: Callable[[str], Any] = self.driver.get_log  # selenium leaves it untyped
        return list(get_log("performance"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the session (one per xdist worker); each test opens its own
    page with ``browser.open_file``. Skips when chromium is not installed."""
    with tempfile.TemporaryDirectory(prefix="httprun-chromium-") as profile:
        driver = launch_chromium(Path(profile))
        try:
            yield Browser(driver)
        finally:
            driver.quit()
