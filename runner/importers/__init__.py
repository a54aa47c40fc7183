"""``httprun import``: bring Postman collections, other ``.http`` dialects and curl commands in.

Each importer turns what the user brings into httprun request text and env files, passes the
text through the canonical writer (``runner.writer.format_text``), and lists in an
:class:`~runner.importers.report.ImportReport` everything that needs a person. The shared pieces:

- ``braces``: one ``{{...}}`` expression of another tool into its ``<<...>>`` form;
- ``names``: names that are not identifiers, renamed the same way everywhere;
- ``envfiles``: dotenv text, secrets split into the ``NAME.local.env`` companion;
- ``output``: the files to write, refused as a whole when one exists (unless ``--force``);
- ``report``: the items that need a person, and the closing summary line.
"""
