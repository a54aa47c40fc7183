"""``httprun lsp``: a language server (pygls, stdio) for request files, in every editor.

It reuses the parser, the static pass and the runner, never a second copy of them:

- ``analysis``: one document's parse (every block's errors) and ``httprun check`` diagnostics,
  worked out once per version of the text;
- ``positions``: httprun's 1-based code-point spans as LSP ranges (UTF-16 by default);
- ``server``: the pygls server, its settings (the env files) and the features it registers.
"""
