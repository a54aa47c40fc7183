"""Two httprun PROCESSES refreshing one rotating token at once: one refresh, both end working.

A tiny real token server on 127.0.0.1 rotates refresh tokens and refuses a reused one, as cafe24
does; without the store's inter-process lock, the second process would send the dead token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_auth_support import REPO, RotatingProvider, serve_rotating_provider

from runner.auth.profiles import profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import Token, utc_now


@pytest.fixture
def token_server() -> Iterator[tuple[str, RotatingProvider]]:
    # The provider takes a while to answer a refresh, so the second process surely arrives
    # while the first one's refresh is in flight (the provider's own latency, not a test wait).
    with serve_rotating_provider(refresh_latency=0.3) as served:
        yield served


WORKER = textwrap.dedent(
    """\
    import json, sys, time
    from pathlib import Path
    import httpx
    from runner.auth.manager import TokenManager
    from runner.auth.profiles import profile_from_variables
    from runner.auth.store import TokenStore

    base, store_path, folder, name = sys.argv[1:5]
    variables = {"token_url": base + "/token", "client_id": "cid", "client_secret": "csecret"}
    profile = profile_from_variables("oauth2", variables.get, None)
    with httpx.Client() as client:
        manager = TokenManager(
            store=TokenStore(store_path), client=client, interactive=False, notify=print
        )
        Path(folder, "ready-" + name).write_text("ready")
        deadline = time.monotonic() + 30
        while not Path(folder, "go").exists():
            if time.monotonic() > deadline:
                sys.exit("never told to go")
            time.sleep(0.005)
        token = manager.token_for(profile)
        bearer = {"Authorization": "Bearer " + token.access_token}
        status = client.get(base + "/api", headers=bearer)
    print(json.dumps({"access": token.access_token, "status": status.status_code}))
    """
)


def test_two_processes_refresh_once_and_both_end_with_a_working_token(
    tmp_path: Path, token_server: tuple[str, RotatingProvider]
) -> None:
    base, provider = token_server
    store_path = tmp_path / "store" / "tokens.json"
    variables = {"token_url": base + "/token", "client_id": "cid", "client_secret": "csecret"}
    profile = profile_from_variables("oauth2", variables.get, None)
    expired = Token("a0-expired", "r0-initial-token", expires_at=utc_now() - timedelta(hours=1))
    TokenStore(store_path).put(profile, expired)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), base, str(store_path), str(tmp_path), str(number)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for number in (1, 2)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{n}").exists() for n in (1, 2)):
            assert time.monotonic() < deadline, "workers never became ready"
            assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
            time.sleep(0.01)
        (tmp_path / "go").write_text("go")
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    results = []
    for (stdout, stderr), worker in zip(outputs, workers, strict=True):
        assert worker.returncode == 0, stderr
        results.append(json.loads(stdout))
    assert provider.refreshes == 1
    assert provider.rejected == 0
    assert [result["status"] for result in results] == [200, 200]
    assert results[0]["access"] == results[1]["access"]
    stored = TokenStore(store_path).get(profile)
    assert stored is not None
    assert stored.access_token == results[0]["access"]
    assert stored.refresh_token in provider.refresh_tokens
