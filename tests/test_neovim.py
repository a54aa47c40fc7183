"""``httprun lsp`` in a real editor: Debian's Neovim (0.7), headless, with its built-in LSP client
started by the README's own snippet (taken from the README, so the two cannot drift apart).

Skipped, loudly, where ``nvim`` is not installed (``apt-get install neovim``); failed instead when
``REQUIRE_NEOVIM_TESTS`` is set (CI sets it when it could install Neovim). The Lua script waits
with ``vim.wait`` and a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import runner

REPO = Path(runner.__file__).resolve().parent.parent
NEOVIM_07_HEADING = "Neovim 0.7"
DEADLINE_MS = 20_000  # for the server to start and publish (it takes ~1 s on an idle machine)

# What the test adds after the README's snippet: open the request file, wait for the server's
# diagnostics, write what Neovim shows as JSON, quit (whatever happened).
HARNESS = """
local result = {}
local ok, problem = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(REQUEST_FILE))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  result.arrived = vim.wait(DEADLINE_MS, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  result.diagnostics = {}
  for _, found in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, {
      lnum = found.lnum, col = found.col, end_col = found.end_col,
      severity = found.severity, source = found.source, message = found.message,
    })
  end
end)
result.error = not ok and tostring(problem) or nil
vim.fn.writefile({ vim.fn.json_encode(result) }, RESULT_FILE)
vim.cmd("qall!")
"""


def readme_snippet() -> str:
    """The README's Neovim 0.7 snippet: the first ``lua`` block after its paragraph."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(NEOVIM_07_HEADING, text.index("### Neovim"))
    found = re.search(r"```lua\n(.*?)```", text[start:], re.DOTALL)
    assert found is not None, "README.md lost its Neovim 0.7 snippet"
    return found.group(1)


def neovim() -> str:
    path = shutil.which("nvim")
    if path is None:
        message = "Neovim is not installed (apt-get install -y neovim): the editor test is skipped"
        if os.environ.get("REQUIRE_NEOVIM_TESTS"):
            pytest.fail(message + "; REQUIRE_NEOVIM_TESTS is set", pytrace=False)
        pytest.skip(message)
    return path


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of printable ASCII is a valid Lua string


def test_neovim_shows_the_servers_diagnostic(tmp_path: Path) -> None:
    nvim = neovim()
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.env").write_text("host=http://127.0.0.1:9\n", encoding="utf-8")
    request_file = tmp_path / "api.http"
    request_file.write_text("GET <<hots>>/products\n\n?? status == 200\n", encoding="utf-8")
    result_file = tmp_path / "result.json"
    init = tmp_path / "init.lua"
    init.write_text(
        f"REQUEST_FILE = {lua_string(str(request_file))}\n"
        f"RESULT_FILE = {lua_string(str(result_file))}\n"
        f"DEADLINE_MS = {DEADLINE_MS}\n" + readme_snippet() + HARNESS,
        encoding="utf-8",
    )
    # `httprun` as the README's snippet names it: this venv's, first on PATH.
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no user config, plugins or shada
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    completed = subprocess.run(
        [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=DEADLINE_MS / 1000 + 30,
    )
    assert result_file.exists(), completed.stderr.decode(errors="replace")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result.get("error") is None, result["error"]
    assert result["filetype"] == "http"
    assert result["arrived"], "no diagnostic arrived within the deadline"
    (shown,) = result["diagnostics"]
    assert shown["source"] == "httprun"
    assert shown["severity"] == 1  # vim.diagnostic.severity.ERROR: dev.env does not define it
    assert (shown["lnum"], shown["col"], shown["end_col"]) == (0, 4, 12)
    assert "undefined variable 'hots'" in shown["message"]
    assert "did you mean 'host'" in shown["message"]
