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
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError, UsageError
from ..masking import Masker
from ..reading import MAX_TEXT_FILE, UnreadableFile, read_regular_file
from .dialect_envs import Environments, env_sources, read_environments
from .dialects import canonical, convert_http
from .envfiles import env_texts, expands
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
    out_root = out.resolve()
    sources = find_sources(paths, out_root)
    env_files = [f for s in sources for f in env_sources(s.path.parent, s.root)]
    renamer = Renamer()
    environments = read_environments(env_files, renamer)
    masker = Masker(environments.secrets())
    planned = PlannedFiles(out, masker)
    report = ImportReport()
    known = environments.names()
    for source in sources:
        _import_file(source, out_root, planned, report, renamer, known, environments)
    _plan_envs(environments, planned, report)
    for where, what in environments.notes:
        report.attention(where, what)
    for old, new in renamer.renamed().items():
        report.attention(old, f"renamed to '{new}' (httprun names are identifiers), everywhere")
    return planned, report


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


def _import_file(
    source: Source,
    out_root: Path,
    planned: PlannedFiles,
    report: ImportReport,
    renamer: Renamer,
    known: frozenset[str],
    environments: Environments,
) -> None:
    try:
        text = read_regular_file(source.path, limit=MAX_TEXT_FILE).decode("utf-8-sig")
    except UnreadableFile as error:
        report.attention(source.shown, f"cannot read it ({error.reason}); left as it is")
        return
    except UnicodeDecodeError:
        report.attention(
            source.shown, "not UTF-8; left as it is: save it as UTF-8 and import again"
        )
        return
    converted = convert_http(text, source.shown, renamer, known)
    for note in converted.notes:
        report.attention(f"{source.shown}:{note.line}", note.what)
    if converted.text is None:
        return
    result = _without_secrets(converted.text, source, environments, planned.masker, report)
    try:
        canonical(result, source.shown)
    except ParseError as error:
        report.attention(
            source.shown,
            f"cannot write it without a secret ({error.message}); "
            "left as it is: move the secret into an env file and import again",
        )
        return
    relative, in_place = _destination(source, out_root)
    planned.add(relative, result, in_place=in_place)
    report.requests += converted.requests


def _without_secrets(
    text: str, source: Source, environments: Environments, masker: Masker, report: ImportReport
) -> str:
    """``text`` with each secret of the env files it holds replaced by ``<<name>>`` (noted):
    no secret is written into a request file."""
    if masker.mask(text) == text:
        return text
    lines = text.split("\n")
    secrets = sorted(environments.secrets().items(), key=lambda item: -len(item[0]))
    for index, line in enumerate(lines):
        if masker.mask(line) == line:
            continue
        for value, name in secrets:
            line = line.replace(value, f"<<{name}>>")
        if masker.mask(line) != line:
            line = masker.mask(line)  # an encoded form: no variable can stand for it
        lines[index] = line
        report.attention(
            source.shown,
            "a line held a secret of the env files, written as <<name>> (or ****): check it; "
            "secrets belong in envs/NAME.local.env",
        )
    return "\n".join(lines)


def _plan_envs(environments: Environments, planned: PlannedFiles, report: ImportReport) -> None:
    for env_name, table in environments.values.items():
        described = ", ".join(environments.origins.get(env_name, []))
        values = list(table.values())
        for value in values:
            if expands(value.value):
                report.attention(
                    f"envs/{file_name(env_name, 'env')}.env: {value.name}",
                    "'${' in the value: httprun's env files expand ${NAME}; check it",
                )
        plain, local = env_texts(values, described)
        stem = file_name(env_name, "env")
        planned.add(Path("envs") / f"{stem}.env", plain)
        if local:
            planned.add(Path("envs") / f"{stem}.local.env", local)
