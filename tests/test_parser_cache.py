"""The analysed grammar is cached in the user's cache folder, safely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "import runner.parser as p\n"
    "print(p._grammar_cache_path())\n"
    "print(len(p.parse_text('GET http://x/\\n\\n### b\\nPOST http://y/\\n').requests))\n"
)


def probe(cache_home: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    return done.stdout.split()


def test_the_grammar_is_cached_in_a_private_folder_and_reused(tmp_path: Path) -> None:
    path, count = probe(tmp_path)
    cache = Path(path)
    assert cache.parent == tmp_path / "httprun" and count == "2"
    assert cache.is_file()
    assert cache.parent.stat().st_mode & 0o777 == 0o700
    written = cache.stat().st_mtime_ns
    assert probe(tmp_path)[1] == "2"
    assert cache.stat().st_mtime_ns == written  # loaded, not rebuilt


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    path, _ = probe(tmp_path)
    Path(path).write_bytes(b"not a pickle at all")
    assert probe(tmp_path)[1] == "2"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_a_folder_owned_by_someone_else_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "httprun"
    folder.mkdir(mode=0o700)
    os.chown(folder, 12345, 12345)
    path, count = probe(tmp_path)
    assert path == "None" and count == "2"
    assert list(folder.iterdir()) == []
