"""The HTML report: one self-contained, escaped, masked page, checked as text and in a real
headless chromium (tests/browser.py; skipped when chromium is not installed)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
from report_samples import (
    EVIL_BODY,
    EVIL_TITLE,
    REAL_REFRESH,
    REAL_TOKEN,
    SECRETS,
    empty_run,
    real_run,
    sample_run,
)

from runner.reporters.html import CSP, render_html, write_html

if TYPE_CHECKING:
    from browser import Browser

pytest_plugins = ("browser",)

T = TypeVar("T")
FAILED_CHECK_MESSAGE = 'expected "1100.00" (string), got 1100 (number)'


def wait_until(probe: Callable[[], T], what: str, timeout_s: float = 5.0) -> T:
    """Poll ``probe`` until it returns something truthy (the page's script runs on its own
    schedule after a click); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


# -- as text --------------------------------------------------------------------------------


def test_page_is_self_contained_with_a_csp_that_forbids_fetching() -> None:
    page = render_html(sample_run())
    head = page[: page.index("</head>")]
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'.replace("'", "&#x27;")
        in head
    )
    assert CSP == (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    )
    # The policy comes before anything it governs.
    assert head.index("Content-Security-Policy") < head.index("<style>")
    # Nothing points outside the page: no src/srcset/action/poster at all, links are anchors.
    assert not re.search(r"<[^>]+\s(src|srcset|action|poster|data|background)\s*=", page)
    hrefs = re.findall(r'\shref="([^"]*)"', page)
    assert hrefs and all(re.fullmatch(r"#req-\d+", href) for href in hrefs)
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == 1 and page.count("<style") == 1


def test_everything_from_the_run_is_escaped() -> None:
    page = render_html(sample_run())
    assert EVIL_TITLE not in page
    assert "List &lt;b&gt;products&lt;/b&gt; &amp; &lt;script&gt;window.pwned = 1" in page
    assert "<img" not in page
    assert EVIL_BODY not in page


def test_no_secret_in_the_page(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html(sample_run(), path)
    page = path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in page
    assert "Bearer ****" in page


def test_failures_and_errors_are_open_the_rest_folded() -> None:
    page = render_html(sample_run())
    opening = dict(
        re.findall(r'<details class="request [^"]*" id="(req-\d+)"[^>]*?( open)?>', page)
    )
    assert opening == {"req-0": "", "req-1": " open", "req-2": " open", "req-3": ""}


def test_an_interrupted_run_says_so() -> None:
    page = render_html(sample_run(interrupted=True))
    assert "INTERRUPTED · exit 130" in page
    assert "The run was interrupted" in page
    assert "<title>httprun: 1 passed, 3 failed, 1 skipped (interrupted)</title>" in page


def test_an_empty_run_still_makes_a_page(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "empty.html"
    write_html(empty_run(), path)
    page = path.read_text(encoding="utf-8")
    assert "<title>httprun: 0 passed, 0 failed</title>" in page
    assert "PASSED · exit 0" in page
    assert "No request was run." in page


def test_long_bodies_are_clipped_in_the_page() -> None:
    run = sample_run()
    exchange = run.files[0].requests[1].exchange
    assert exchange is not None
    exchange.response["text"] = "x" * 150_000
    exchange.response["body"] = "x" * 150_000
    page = render_html(run)
    assert "more characters: see the JSON report" in page
    assert "x" * 150_000 not in page


def test_report_of_a_real_run(tmp_path: Path) -> None:
    page = render_html(real_run(tmp_path))
    assert REAL_TOKEN not in page and REAL_REFRESH not in page
    assert "<title>httprun: 1 passed, 1 failed, 1 skipped</title>" in page
    assert page.count('class="bar"') == 2


# -- in a real browser ----------------------------------------------------------------------


@pytest.fixture
def report_page(browser: Browser, tmp_path: Path) -> Browser:
    path = tmp_path / "reports" / "run.html"
    write_html(sample_run(), path)
    browser.open_file(path)
    return browser


def test_renders_title_verdict_and_counts(report_page: Browser) -> None:
    from selenium.webdriver.common.by import By

    driver = report_page.driver
    assert driver.title == "httprun: 1 passed, 3 failed, 1 skipped"
    verdict = driver.find_element(By.ID, "verdict")
    assert verdict.text == "FAILED · exit 3"
    assert verdict.value_of_css_property("background-color") == "rgba(207, 34, 46, 1)"
    counts = {
        tile.get_attribute("data-count"): tile.find_element(By.TAG_NAME, "b").text
        for tile in driver.find_elements(By.CSS_SELECTOR, ".counts li")
    }
    assert counts == {
        "total": "4",
        "passed": "1",
        "failed": "1",
        "error": "1",
        "skipped": "1",
        "files": "1",
    }
    # The escaped title shows as text, and its script never ran.
    assert EVIL_TITLE in driver.find_element(By.ID, "req-0").text
    assert report_page.js("return typeof window.pwned") == "undefined"
    assert report_page.js("return document.images.length") == 0


def test_timeline_draws_a_bar_per_sent_request(report_page: Browser) -> None:
    from selenium.webdriver.common.by import By

    driver = report_page.driver
    lanes = driver.find_elements(By.CSS_SELECTOR, ".lanes .lane")
    assert len(lanes) == 4  # one lane per request
    bars = driver.find_elements(By.CSS_SELECTOR, ".lanes .bar")
    assert len(bars) == 3  # the skipped request was never sent: it has no bar
    boxes = [bar.rect for bar in bars]
    track = driver.find_element(By.CSS_SELECTOR, ".lanes .track").rect
    assert all(box["width"] > 0 and box["height"] > 0 for box in boxes)
    # Positioned from started_at relative to the run's start (+10, +140, +230 ms of 300 ms).
    lefts = [(box["x"] - track["x"]) / track["width"] for box in boxes]
    assert lefts == pytest.approx([10 / 300, 140 / 300, 230 / 300], abs=0.01)
    widths = [box["width"] / track["width"] for box in boxes]
    assert widths == pytest.approx([120 / 300, 80 / 300, 30 / 300], abs=0.01)
    assert "waiting for the sandbox" in lanes[3].text


def test_expanding_a_failed_request_shows_its_check_message(report_page: Browser) -> None:
    from selenium.webdriver.common.by import By

    driver = report_page.driver
    failed = driver.find_element(By.ID, "req-1")
    assert failed.get_attribute("open") is not None  # failures start open
    driver.find_element(By.ID, "collapse-all").click()
    wait_until(lambda: failed.get_attribute("open") is None, "the request to fold")
    message = failed.find_element(By.CSS_SELECTOR, "tr.fail td.msg")
    assert not message.is_displayed()

    failed.find_element(By.TAG_NAME, "summary").click()
    wait_until(message.is_displayed, "the check message to show")
    assert message.text == FAILED_CHECK_MESSAGE
    assert "1100" in failed.find_element(By.CSS_SELECTOR, "section.received pre").text


def test_filters_and_timeline_links(report_page: Browser) -> None:
    from selenium.webdriver.common.by import By

    driver = report_page.driver
    driver.find_element(By.CSS_SELECTOR, '[data-filter="failed"]').click()

    def shown(selector: str) -> list[str]:
        return [
            str(el.get_attribute("data-outcome"))
            for el in driver.find_elements(By.CSS_SELECTOR, selector)
            if el.is_displayed()
        ]

    wait_until(lambda: shown("details.request") == ["failed", "error"], "the failed filter")
    assert shown(".lanes .lane") == ["failed", "error"]
    driver.find_element(By.CSS_SELECTOR, '[data-filter="all"]').click()
    wait_until(lambda: len(shown("details.request")) == 4, "every request to show again")

    passed = driver.find_element(By.ID, "req-0")
    assert passed.get_attribute("open") is None
    driver.find_element(By.CSS_SELECTOR, '.lane-label[href="#req-0"]').click()
    wait_until(lambda: passed.get_attribute("open") is not None, "the linked request to open")


def test_nothing_is_fetched(report_page: Browser) -> None:
    url = report_page.driver.current_url
    assert url.startswith("file://")
    assert report_page.fetched_resources() == []
    assert report_page.navigations() == [url]
    assert report_page.requests_sent() == [url]
    assert report_page.csp_violations() == []


def test_the_fetch_detectors_do_see_a_fetch(
    browser: Browser, tmp_path: Path, closed_port_url: str
) -> None:
    # A control for test_nothing_is_fetched: the same checks on a page that does fetch.
    page = tmp_path / "fetches.html"
    page.write_text(
        f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<title>x</title><img src="{closed_port_url}/pixel.png">',
        encoding="utf-8",
    )
    browser.open_file(page)
    target = f"{closed_port_url}/pixel.png"
    assert target in browser.requests_sent()
    assert wait_until(browser.csp_violations, "the CSP violation") == [f"img-src {target}"]


def test_control_characters_never_reach_the_html() -> None:
    from runner.reporters.html import _e

    assert _e("a\x00b\x1b[31mc\td\ne") == "a\ufffdb\ufffd[31mc\td\ne"
