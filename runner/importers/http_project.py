"""``httprun import http PATH... --out DIR``: which files, where they go, and their environments.

- PATH is a file or a folder; a folder gives every ``*.http`` and ``*.rest`` file below it,
  except in ``.git``, ``.idea``, ``node_modules``, virtual environments and ``DIR/envs``.
- A file already inside DIR is converted where it is (``. --out .`` converts a repository in
  place: that is what it asks for, so it needs no ``--force``); any other goes to
  ``DIR/requests/`` with its path below PATH. ``.rest`` files become ``.http`` files.
- The environments beside the files (in their folder and its parents up to PATH) become
  ``DIR/envs/NAME.env`` and ``NAME.local.env``; names are renamed the same way there as in the
  request files.
- A file that cannot be converted (unreadable, or what comes out does not parse) is not
  written: it is reported and left as it is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError, UsageError
from ..masking import Masker
from ..reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file
from .dialect_envs import Environments, dotenv_files, env_sources, read_environments, shown
from .dialects import convert_http
from .envfiles import EnvValue, env_texts, expands
from .file_secrets import MovedSecrets, move_literal_secrets, replace_env_secrets
from .names import Renamer
from .output import PlannedFiles, file_name
from .report import ImportReport

SUFFIXES = (".http", ".rest")
_SKIPPED_FOLDERS = frozenset({".git", ".idea", ".venv", "venv", "node_modules", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Source:
    path: Path  # absolute
    root: Path  # the PATH folder it was found under (its own folder for a file PATH)
    shown: str  # as the report names it


def import_http_files(paths: list[Path], out: Path) -> tuple[PlannedFiles, ImportReport]:
    """The files to write for ``paths`` under ``out``, and the report."""
    out_root = out.resolve()
    sources = find_sources(paths, out_root)
    report = ImportReport()
    texts = [(source, text) for source in sources if (text := _read(source, report)) is not None]
    env_files = [f for s in sources for f in env_sources(s.path.parent, s.root)]
    # Every name up front, so that a name that is an identifier keeps it whatever comes first.
    env_keys = {
        key for table in read_environments(env_files, Renamer()).values.values() for key in table
    }
    renamer = Renamer(env_keys | {name for _, text in texts for name in _names_in(text)})
    environments = read_environments(env_files, renamer)
    run = _HttpImport(out, renamer, environments, report)
    for source, text in texts:
        run.import_file(source, text)
    run.plan_files()
    run.plan_envs()
    for where, what in environments.notes:
        run.report.attention(where, what)
    _report_dotenv_files(sources, out_root, run.report)
    for old, new in renamer.renamed().items():
        run.report.attention(old, f"renamed to '{new}' (httprun names are identifiers), everywhere")
    return run.planned, run.report


def _report_dotenv_files(sources: list[Source], out_root: Path, report: ImportReport) -> None:
    found = {f for s in sources for f in dotenv_files(s.path.parent, s.root)}
    for path in sorted(f for f in found if out_root / "envs" not in f.parents):
        report.attention(
            shown(path),
            "a dotenv file (httpyac reads it): httprun reads it as it is, with "
            f"--env {shown(path)} (or move it to envs/)",
        )


def find_sources(paths: list[Path], out_root: Path) -> list[Source]:
    found: dict[Path, Source] = {}
    for path in paths:
        if path.is_file():
            absolute = path.resolve()
            found.setdefault(absolute, Source(absolute, absolute.parent, str(path)))
        elif path.is_dir():
            root = path.resolve()
            for file in _walk(root, out_root / "envs"):
                shown = str(path / file.relative_to(root))
                found.setdefault(file, Source(file, root, shown))
        else:
            raise UsageError(
                f"no such file or folder: {path}",
                hint="give .http or .rest files, or folders that hold them",
            )
    if not found:
        names = ", ".join(str(path) for path in paths)
        raise UsageError(
            f"no .http or .rest files in {names}",
            hint="give .http or .rest files, or folders that hold them",
        )
    return list(found.values())


def _walk(root: Path, skipped: Path) -> list[Path]:
    files: list[Path] = []
    for folder, folders, names in os.walk(root):
        here = Path(folder)
        folders[:] = sorted(
            name
            for name in folders
            if name not in _SKIPPED_FOLDERS
            and here / name != skipped
            and not (here / name / "pyvenv.cfg").exists()
        )
        files += [here / name for name in sorted(names) if name.endswith(SUFFIXES)]
    return files


def _destination(source: Source, out_root: Path) -> tuple[Path, bool]:
    """Where the converted file goes, relative to DIR, and whether that is its own place."""
    if out_root == source.path.parent or out_root in source.path.parents:
        relative = source.path.relative_to(out_root)
        return relative.with_suffix(".http"), relative.suffix == ".http"
    relative = source.path.relative_to(source.root)
    return Path("requests") / relative.with_suffix(".http"), False


def _read(source: Source, report: ImportReport) -> str | None:
    try:
        return read_regular_file(source.path, limit=MAX_TEXT_FILE).decode("utf-8-sig")
    except UnreadableFile as error:
        report.attention(source.shown, f"cannot read it ({error.reason}); left as it is")
    except UnicodeDecodeError:
        report.attention(
            source.shown, "not UTF-8; left as it is: save it as UTF-8 and import again"
        )
    return None


_NAMES = re.compile(r"^[ \t]*@([^\s=]+)|\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}|@name[ \t=]+(\S+)", re.M)


def _names_in(text: str) -> set[str]:
    """The variable and request names a foreign file uses."""
    return {name for match in _NAMES.finditer(text) for name in match.groups() if name}


def canonical(text: str, path: str) -> str:
    """``text`` in the canonical style (a ParseError when it does not parse)."""
    from ..writer import format_text

    return format_text(text, path)


class _HttpImport:
    def __init__(
        self, out: Path, renamer: Renamer, environments: Environments, report: ImportReport
    ) -> None:
        self.out_root = out.resolve()
        self.renamer = renamer
        self.environments = environments
        self.planned = PlannedFiles(out, Masker(environments.secrets()))
        self.report = report
        taken = {
            value.name: value.value
            for env in environments.values.values()
            for value in env.values()
        }
        self.moved = MovedSecrets(taken)
        self.converted: list[tuple[Source, str, int]] = []  # source, text, requests

    def import_file(self, source: Source, text: str) -> None:
        converted = convert_http(text, source.shown, self.renamer, self.environments.names())
        for note in converted.notes:
            self.report.attention(f"{source.shown}:{note.line}", note.what)
        if converted.text is not None:
            text = self.move_literal_secrets(converted.text, source)
            self.converted.append((source, text, converted.requests))

    def plan_files(self) -> None:
        """Plan each converted file, once every file's literal secrets are known: a value
        one file gives a secret may stand in another."""
        masker = self.planned.masker
        masker.add_all(self.moved.moved.values())
        secrets = self.environments.secrets() | {v: n for n, v in self.moved.moved.items()}
        for source, text, requests in self.converted:
            text, changed = replace_env_secrets(text, secrets, masker)
            if changed:
                self.report.attention(
                    source.shown,
                    f"{changed} line(s) held a secret's value, now <<name>> (or ****, for an "
                    "encoded form): check them",
                )
            try:
                text = canonical(text, source.shown)
            except ParseError as error:
                self.report.attention(
                    source.shown,
                    f"cannot be written without its secrets ({error.message}); left as it is: "
                    "move them into an env file and import again",
                )
                continue
            relative, in_place = _destination(source, self.out_root)
            self.planned.add(relative, text, in_place=in_place)
            self.report.requests += requests

    def move_literal_secrets(self, text: str, source: Source) -> str:
        text, names = move_literal_secrets(text, self.moved)
        if names:
            listed = ", ".join(dict.fromkeys(names))
            self.report.attention(
                source.shown,
                f"secrets written in the file moved to the envs/*.local.env files as {listed}; "
                "the file reads them as <<name>>",
            )
        return text

    def plan_envs(self) -> None:
        tables = self.environments.values
        if self.moved.moved and not tables:
            tables = {"default": {}}
            self.report.attention(
                "envs/default.env",
                "made for the secrets of the request files: run with --env envs/default.env",
            )
        for env_name, table in tables.items():
            values = list(table.values())
            names = {value.name for value in values}
            values += [
                EnvValue(name, value, secret=True)
                for name, value in self.moved.moved.items()
                if name not in names
            ]
            self.plan_env(env_name, values)

    def plan_env(self, env_name: str, values: list[EnvValue]) -> None:
        stem = file_name(env_name, "env")
        for value in values:
            if expands(value.value):
                self.report.attention(
                    f"envs/{stem}.env: {value.name}",
                    "'${' in the value: httprun's env files expand ${NAME}; check it",
                )
        described = ", ".join(self.environments.origins.get(env_name, [])) or "request files"
        plain, local = env_texts(values, described)
        self.planned.add(Path("envs") / f"{stem}.env", plain)
        if local:
            self.planned.add(Path("envs") / f"{stem}.local.env", local)
