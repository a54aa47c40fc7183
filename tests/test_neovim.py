"""``httprun lsp`` in a real editor: Debian's Neovim (0.7), headless, with its built-in LSP client
started by the README's own snippet (taken from the README, so the two cannot drift apart): the
diagnostic it shows, a completion inside ``<<``, and a request run from its code lens.

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
from typing import Any

import pytest

import runner

REPO = Path(runner.__file__).resolve().parent.parent
NEOVIM_07_HEADING = "Neovim 0.7"
DEADLINE_MS = 20_000  # for the server to start and publish (it takes ~1 s on an idle machine)

# What the test adds after the README's snippet: open the request file, wait until ``READY``
# (the server's diagnostics have come, or the server is up), run ``ACTION``, write what Neovim
# shows as JSON, quit (whatever happened).
HARNESS = """
local result = {}
local function shown(buf)
  local list = {}
  for _, found in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, {
      lnum = found.lnum, col = found.col, end_col = found.end_col,
      severity = found.severity, source = found.source, message = found.message,
    })
  end
  return list
end
local ok, problem = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(REQUEST_FILE))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  result.arrived = vim.wait(DEADLINE_MS, function() return READY(buf) end, 20)
  result.diagnostics = shown(buf)
  ACTION(buf, result, shown)
end)
result.error = not ok and tostring(problem) or nil
vim.fn.writefile({ vim.fn.json_encode(result) }, RESULT_FILE)
vim.cmd("qall!")
"""
NO_ACTION = """
READY = function(buf) return #vim.diagnostic.get(buf) > 0 end
ACTION = function(buf, result, shown) end
"""
# Run the "Run" lens of the request on line RUN_LINE (0-based) as a user's mapping would
# (vim.lsp.codelens.run() would ask which of the line's two lenses), then wait for the run's
# diagnostics.
RUN_LENS = """
READY = function(buf)  -- a clean file has no diagnostics to wait for: wait for the server
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
    if client.initialized then return true end
  end
  return false
end
ACTION = function(buf, result, shown)
  local lenses = vim.lsp.buf_request_sync(buf, "textDocument/codeLens",
    { textDocument = vim.lsp.util.make_text_document_params(buf) }, DEADLINE_MS)
  for _, answer in pairs(lenses or {}) do
    for _, lens in ipairs(answer.result or {}) do
      if lens.range.start.line == RUN_LINE and lens.command.title == "Run" then
        local ran = vim.lsp.buf_request_sync(buf, "workspace/executeCommand",
          { command = lens.command.command, arguments = lens.command.arguments }, DEADLINE_MS)
        for _, outcome in pairs(ran or {}) do result.run = outcome.result end
      end
    end
  end
  vim.wait(DEADLINE_MS, function()
    for _, found in ipairs(vim.diagnostic.get(buf)) do
      if found.source == "httprun run" then return true end
    end
  end, 20)
  result.after_run = shown(buf)
end
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


def run_neovim(folder: Path, host: str, request_text: str, action: str) -> dict[str, Any]:
    """Neovim with the README's snippet in ``folder`` (whose envs/dev.env sets ``host``) on a
    request file of ``request_text``; what the harness wrote."""
    nvim = neovim()
    (folder / "envs").mkdir()
    (folder / "envs" / "dev.env").write_text(f"host={host}\n", encoding="utf-8")
    request_file = folder / "api.http"
    request_file.write_text(request_text, encoding="utf-8")
    result_file = folder / "result.json"
    init = folder / "init.lua"
    init.write_text(
        f"REQUEST_FILE = {lua_string(str(request_file))}\n"
        f"RESULT_FILE = {lua_string(str(result_file))}\n"
        f"DEADLINE_MS = {DEADLINE_MS}\n" + action + readme_snippet() + HARNESS,
        encoding="utf-8",
    )
    # `httprun` as the README's snippet names it: this venv's, first on PATH.
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "XDG_CONFIG_HOME": str(folder / "config"),  # no user config, plugins or shada
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_STATE_HOME": str(folder / "state"),
        "XDG_CACHE_HOME": str(folder / "cache"),  # the server's response files too
        "HTTPRUN_TOKEN_STORE": str(folder / "store" / "tokens.json"),
    }
    completed = subprocess.run(
        [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)],
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=DEADLINE_MS / 1000 + 30,
    )
    assert result_file.exists(), completed.stderr.decode(errors="replace")
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    assert result.get("error") is None, result["error"]
    return result


def test_neovim_shows_the_servers_diagnostic(tmp_path: Path) -> None:
    text = "GET <<hots>>/products\n\n?? status == 200\n"
    result = run_neovim(tmp_path, "http://127.0.0.1:9", text, NO_ACTION)
    assert result["filetype"] == "http"
    assert result["arrived"], "no diagnostic arrived within the deadline"
    (shown,) = result["diagnostics"]
    assert shown["source"] == "httprun"
    assert shown["severity"] == 1  # vim.diagnostic.severity.ERROR: dev.env does not define it
    assert (shown["lnum"], shown["col"], shown["end_col"]) == (0, 4, 12)
    assert "undefined variable 'hots'" in shown["message"]
    assert "did you mean 'host'" in shown["message"]


def test_neovim_runs_a_request_from_its_code_lens(tmp_path: Path, local_server: str) -> None:
    text = "### Products\nGET <<host>>/json\n\n?? status == 200\n?? body.count == 2\n"
    action = "RUN_LINE = 1\n" + RUN_LENS
    result = run_neovim(tmp_path, local_server, text, action)
    assert result["arrived"], "the server did not start within the deadline"
    assert result["run"]["outcome"] == "failed"
    (failed,) = [d for d in result["after_run"] if d["source"] == "httprun run"]
    assert failed["lnum"] == 4
    assert failed["message"].startswith("body.count == 2: ")
    # Neovim 0.7 cannot show documents: the file is there, its path said in a message.
    response = Path(result["run"]["response"])
    assert response.is_relative_to(tmp_path / "cache" / "httprun" / "responses")
    assert json.loads(response.read_text(encoding="utf-8"))["response"]["body"]["count"] == 1


# Ask for completion at COMPLETE_LINE/COMPLETE_CHARACTER (0-based) as the editor's omnifunc
# would, and keep the labels it offers.
COMPLETE = """
READY = function(buf) return #vim.diagnostic.get(buf) > 0 end
ACTION = function(buf, result, shown)
  local params = vim.lsp.util.make_text_document_params(buf)
  local answers = vim.lsp.buf_request_sync(buf, "textDocument/completion", {
    textDocument = params,
    position = { line = COMPLETE_LINE, character = COMPLETE_CHARACTER },
  }, DEADLINE_MS)
  result.labels = {}
  for _, answer in pairs(answers or {}) do
    local items = answer.result and (answer.result.items or answer.result) or {}
    for _, item in ipairs(items) do table.insert(result.labels, item.label) end
  end
end
"""


def test_neovim_completes_a_variable_inside_the_markers(tmp_path: Path) -> None:
    # The open "<<" makes the file invalid (the diagnostic says when the server is ready);
    # completion still offers the env file's names.
    text = "GET <<ho\n"
    action = "COMPLETE_LINE = 0\nCOMPLETE_CHARACTER = 8\n" + COMPLETE
    result = run_neovim(tmp_path, "http://127.0.0.1:9", text, action)
    assert result["arrived"], "the server did not start within the deadline"
    assert "host" in result["labels"]  # the names are those that start with "ho"
