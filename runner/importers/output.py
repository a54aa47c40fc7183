"""The files an import writes: all planned first, then refused as a whole when one exists
(unless ``--force``), so an import never leaves half a project behind."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InternalError, UsageError
from ..masking import Masker
from ..reporters.atomic import write_atomically

_SECRET_MODE = 0o600  # NAME.local.env holds secrets: its owner alone reads it
_UNSAFE = re.compile(r"[^\w\s.-]+")
_GITIGNORE_LINE = "*.local.env"


def file_name(name: str, default: str = "requests") -> str:
    """A folder or file name from a name in a collection: no path separators, no blanks (a
    name to type in a shell without quotes: ``Admin API`` -> ``Admin-API``), no leading dot,
    at most 80 characters, never empty."""
    cleaned = _UNSAFE.sub("-", name).strip(" .-")[:80].strip(" .-")
    return re.sub(r"[\s-]*\s[\s-]*", "-", cleaned) or default


class PlannedFiles:
    """Files to write under ``root``, by path relative to it. ``masker`` knows the secrets of
    the import: a request file that would hold one is a bug, refused before anything is
    written."""

    def __init__(self, root: Path, masker: Masker) -> None:
        self.root = root
        self.masker = masker
        self.files: dict[Path, str] = {}
        # Files that replace their own source (a conversion in place): writing them is what
        # the user asked for, so they never count as files the import would overwrite.
        self.in_place: set[Path] = set()

    def unique(self, relative: Path) -> Path:
        """``relative``, or ``stem-2.ext``... when that path is planned already."""
        candidate, counter = relative, 1
        while candidate in self.files:
            counter += 1
            candidate = relative.with_name(f"{relative.stem}-{counter}{relative.suffix}")
        return candidate

    def add(self, relative: Path, text: str, *, in_place: bool = False) -> Path:
        """Plan ``text`` at ``relative`` (made unique; ``in_place``: the file there is the
        source of ``text``, converted); returns the path chosen."""
        if relative.is_absolute() or ".." in relative.parts:
            raise InternalError(ValueError(f"an import path leaves the output folder: {relative}"))
        if relative.suffix == ".http" and self.masker.mask(text) != text:
            raise InternalError(ValueError(f"a secret would be written into {relative}"))
        chosen = self.unique(relative)
        self.files[chosen] = text
        if in_place and chosen == relative:
            self.in_place.add(chosen)
        return chosen

    def existing(self) -> list[Path]:
        """The planned files that would overwrite a file (not their own source, and not one
        that holds the same text already)."""
        return [
            path
            for path in self.files
            if path not in self.in_place
            and (self.root / path).exists()
            and not self._holds(path, self.files[path])
        ]

    def _holds(self, path: Path, text: str) -> bool:
        try:
            return (self.root / path).read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            return False

    def write(self, *, force: bool) -> list[Path]:
        """Write every planned file (``.local.env`` ones readable by their owner alone) and
        add ``*.local.env`` to ``root/.gitignore`` when a local env file is written and git
        would not ignore it yet. Returns the paths written, relative to ``root``."""
        existing = self.existing()
        if existing and not force:
            names = ", ".join(str(self.root / path) for path in existing[:5])
            more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
            raise UsageError(
                f"the import would overwrite {names}{more}",
                hint="add --force to overwrite them, or choose another folder with --out",
            )
        for path, text in self.files.items():
            secret = path.name.endswith(".local.env")
            write_atomically(
                self.root / path,
                text,
                kind="imported file",
                mode=_SECRET_MODE if secret else 0o644,
            )
        written = list(self.files)
        if any(path.name.endswith(".local.env") for path in written) and self._ignore_local_env():
            written.append(Path(".gitignore"))
        return written

    def _ignore_local_env(self) -> bool:
        """Append ``*.local.env`` to ``root/.gitignore`` unless a line already says it;
        whether the file changed."""
        gitignore = self.root / ".gitignore"
        try:
            current = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(
                f"cannot read {gitignore}: {error}",
                hint=f"add the line '{_GITIGNORE_LINE}' to it yourself",
            ) from None
        if any(line.strip() == _GITIGNORE_LINE for line in current.splitlines()):
            return False
        separator = "" if not current or current.endswith("\n") else "\n"
        write_atomically(
            gitignore, f"{current}{separator}{_GITIGNORE_LINE}\n", kind=".gitignore", mode=0o644
        )
        return True
