"""The real curl binary, for the tests that compare what it sends with what httprun sends."""

from __future__ import annotations

import os
import shutil

import pytest


def require_curl() -> str:
    """The path of curl; without it the test skips loudly, or fails under REQUIRE_CURL_TESTS=1
    (.ci/run sets it when curl is installed, so CI never skips these tests silently)."""
    curl = shutil.which("curl")
    if curl is None:
        if os.environ.get("REQUIRE_CURL_TESTS") == "1":
            pytest.fail("curl is missing but REQUIRE_CURL_TESTS=1")
        pytest.skip("SKIPPED LOUDLY: no curl binary on PATH; install curl to run this test")
    return curl
