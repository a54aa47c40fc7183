"""The per-user token store: one JSON file, readable by its owner alone.

Where: ``platformdirs.user_data_dir("httprun")/tokens.json`` (``~/.local/share/httprun`` on
Linux), or the file that ``HTTPRUN_TOKEN_STORE`` names (see :func:`token_store_path`).
The file is mode 0600 in a folder of mode 0700. Before the store is read or written, a file open
to other users, or a folder of its own that is, is made private again (the ``notice`` callback
says so); one not ours to change is refused with an :class:`AuthError`. A folder shared with
other files (a home, a project, /tmp) keeps its mode: refused when others may write to it (they
could swap the file), left alone when they may only list it (the file's 0600 keeps them out).

``HTTPRUN_TOKEN_STORE`` may name a symlink (CI caches restore one): the store is the link's
target, written atomically beside it, so the link survives every write.

Layout::

    {"version": 1,
     "entries": {"<profile>|<token_url>|<client_id>|<mall>": {
         "profile": "cafe24", "token_url": "...", "client_id": "...", "mall_id": "demo",
         "updated_at": "2024-05-01T03:00:00Z", "token": {...Token.to_json()...}}}}

Every write goes to a temporary file in the target's folder, is flushed to disk, and replaces the
store with ``os.replace``: a crash leaves the old store or the new one, never half of one.
That matters because cafe24 rotates refresh tokens: a lost write is a lost login.

:meth:`TokenStore.lock` is an inter-process lock (a ``.lock`` file beside the target) that callers
hold around read-check-refresh-write, so two httprun processes never refresh with the same
refresh token.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import filelock

from ..errors import AuthError
from ..jsonvalues import MAX_DEPTH, TooDeep, decode_json
from ..reading import UnreadableFile, read_regular_file
from ..sizes import MB
from .profiles import Profile
from .tokens import Token, TokenFormatError, format_time, utc_now

STORE_SETTING = "HTTPRUN_TOKEN_STORE"
STORE_FILE_NAME = "tokens.json"
_FORMAT_VERSION = 1
_FILE_MODE = 0o600
_FOLDER_MODE = 0o700
# A refresh holds the lock for one HTTP exchange; waiting longer means something is stuck.
DEFAULT_LOCK_TIMEOUT = 120.0
# A store is about 1 KB per entry: far more is not a store, and must not be read into memory.
_MAX_BYTES = 16 * MB


def token_store_path(
    settings: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The store file to use.

    ``HTTPRUN_TOKEN_STORE`` from the process environment wins over the same key in the env
    files' settings (as python-dotenv never overrides the environment); else the per-user default.
    ``~`` is expanded; a relative path is relative to the current folder.
    """
    environ = os.environ if environ is None else environ
    for source in (environ, settings or {}):
        value = source.get(STORE_SETTING, "").strip()
        if "\0" in value:  # no file system takes one; os calls would raise ValueError
            raise AuthError(
                f"{STORE_SETTING} holds a NUL character, so it names no file",
                hint=f"set {STORE_SETTING} to a path such as ~/.httprun/tokens.json",
            )
        if value:
            return Path(value).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("httprun", appauthor=False)) / STORE_FILE_NAME


class TokenStore:
    """Token entries keyed by :attr:`Profile.store_key`, kept in one JSON file.

    ``path`` is what the user named (messages show it); :attr:`target` is the file written, the
    same path with symlinks resolved. ``notice`` is told, in one line, about every permission
    this store had to fix.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        # Resolved once: the lock below must be one object for the store's whole life (a second
        # lock on the same file in this process would wait for the first forever).
        self.target = Path(os.path.realpath(self.path))
        self.lock_path = self.target.with_name(self.target.name + ".lock")
        self._lock_timeout = lock_timeout
        self._notice = notice
        # thread_local (the default): each thread takes the OS lock itself, so threads of one
        # process exclude each other as well as other processes do.
        self._lock = filelock.FileLock(self.lock_path, mode=_FILE_MODE)

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        notice: Callable[[str], None] | None = None,
    ) -> TokenStore:
        return cls(token_store_path(settings, environ), notice=notice)

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's inter-process lock around read-check-refresh-write."""
        self._ensure_folder()
        try:
            self._lock.acquire(timeout=self._lock_timeout)
        except filelock.Timeout:
            raise AuthError(
                f"another httprun process has held the token store lock {self.lock_path} "
                f"for over {self._lock_timeout:.0f} s",
                hint="wait for it to finish; if no httprun is running, delete the .lock file",
            ) from None
        except OSError as error:
            raise AuthError(
                f"cannot lock the token store {self.lock_path}: {error.strerror or error}",
                hint=f"check the folder's permissions, or point {STORE_SETTING} elsewhere",
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    def get(self, profile: Profile) -> Token | None:
        entry = self._read().get(profile.store_key)
        if entry is None:
            return None
        try:
            return Token.from_json(entry["token"])
        except TokenFormatError as error:
            raise self._corrupt(f"the entry of {profile.label} is malformed: {error}") from None
        except (KeyError, TypeError, AttributeError):
            raise self._corrupt(f"the entry of {profile.label} is malformed") from None

    def put(self, profile: Profile, token: Token) -> None:
        entries = self._read()
        entries[profile.store_key] = {
            "profile": profile.name,
            "token_url": profile.token_url,
            "client_id": profile.client_id,
            "mall_id": profile.mall_id,
            "updated_at": format_time(utc_now()),
            "token": token.to_json(),
        }
        self._write(entries)

    def delete(self, profile: Profile) -> bool:
        """Remove the profile's entry; False when there was none."""
        entries = self._read()
        if entries.pop(profile.store_key, None) is None:
            return False
        self._write(entries)
        return True

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        """The entries; every read (get, put, delete) comes through here."""
        if self._folder_exists():
            self._check_folder()
        self._check_file()
        try:
            # Like every file httprun reads: regular files only (a FIFO would hang), capped.
            raw = read_regular_file(self.target, limit=_MAX_BYTES)
        except UnreadableFile as unreadable:
            if unreadable.missing:
                return {}
            if unreadable.kind is not None:  # a folder, a FIFO: nothing to delete and retry
                raise AuthError(
                    f"the token store {self.path} cannot be read: {unreadable.reason}",
                    hint=f"point {STORE_SETTING} at a file (httprun creates it)",
                ) from None
            if unreadable.too_large:
                raise self._corrupt(unreadable.reason) from None
            raise AuthError(
                f"cannot read the token store {self.path}: {unreadable.reason}",
                hint=f"check its permissions, or point {STORE_SETTING} elsewhere",
            ) from None
        return self._parse(raw)

    def _parse(self, raw: bytes) -> dict[str, Any]:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise self._corrupt(f"not UTF-8 text (byte {error.start + 1})") from None
        try:
            data = decode_json(text)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise self._corrupt(f"not JSON ({error.msg} at {where})") from None
        except TooDeep:  # nested brackets: no store we write looks like this
            raise self._corrupt(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        except ValueError as error:  # e.g. a number of more than 4300 digits
            raise self._corrupt(f"not JSON ({error})") from None
        if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
            raise self._corrupt("it has no 'entries' object")
        version = data.get("version")
        if version != _FORMAT_VERSION:
            # Only a small number is shown: the file's text is not ours to print (a token?).
            known = type(version) is int and 0 <= version < 1000
            raise self._corrupt(f"unknown format version {version if known else '(not 1)'}")
        entries: dict[str, Any] = data["entries"]
        return entries

    def _corrupt(self, why: str) -> AuthError:
        return AuthError(
            f"the token store {self.path} cannot be read: {why}",
            hint="delete the file to start over (you will have to log in again)",
        )

    # -- permissions -----------------------------------------------------------------------
    # Owner-only is the point of the store: a file others can read hands them the tokens, a
    # folder others can write lets them replace the file (or plant a symlink in its place).
    # Windows keeps a user's files private through ACLs, not mode bits: nothing to check there.

    def _check_folder(self) -> None:
        """Make the store's folder 0700, when it is the store's own; refuse a shared folder
        others can write to. A shared folder others can only list (a home, a project: 0755) is
        left alone, as its other users need it so, and the file's own 0600 keeps them out."""
        folder = self.target.parent
        info = os.stat(folder)
        mode = stat.S_IMODE(info.st_mode)
        if os.name != "posix" or mode & 0o077 == 0:
            return
        problem = f"the token store folder {folder} is open to other users (mode {mode:04o})"
        if not self._holds_only_the_store(folder):
            if mode & 0o022 == 0:
                return
            raise AuthError(
                f"{problem}: they can replace the store, and httprun will not change the mode "
                "of a folder that holds other files",
                hint=f"point {STORE_SETTING} at a file in a folder of its own, "
                "e.g. ~/.httprun/tokens.json",
            )
        self._tighten(folder, info, problem, _FOLDER_MODE)

    def _check_file(self) -> None:
        try:
            info = os.stat(self.target)
        except OSError:
            return  # missing, or unreadable: the read says which
        mode = stat.S_IMODE(info.st_mode)
        if os.name != "posix" or not stat.S_ISREG(info.st_mode) or mode & 0o077 == 0:
            return
        problem = f"the token store file {self.target} is open to other users (mode {mode:04o})"
        self._tighten(self.target, info, problem, _FILE_MODE)

    def _holds_only_the_store(self, folder: Path) -> bool:
        """True when ``folder`` holds nothing but this store's file, lock and temporary files."""
        name = self.target.name
        ours = {name, self.lock_path.name}
        try:
            with os.scandir(folder) as entries:  # stops at the first other file: cheap in $HOME
                return all(
                    entry.name in ours or entry.name.startswith(f".{name}.") for entry in entries
                )
        except OSError:  # a folder we may not list is not one we manage
            return False

    def _tighten(self, path: Path, info: os.stat_result, problem: str, mode: int) -> None:
        """chmod ``path`` to ``mode`` and say so, or refuse when it is not ours to change."""
        how = f"run `chmod {mode:o} {path}` as its owner, or point {STORE_SETTING} elsewhere"
        if info.st_uid != os.geteuid():
            raise AuthError(
                f"{problem}, and it is not yours to fix (owner uid {info.st_uid})", hint=how
            )
        try:
            os.chmod(path, mode)
        except OSError as error:
            raise AuthError(f"{problem}, and chmod failed: {error.strerror}", hint=how) from None
        if self._notice is not None:
            self._notice(f"{problem}: made it {mode:04o}")

    # -- writing ---------------------------------------------------------------------------

    def _folder_exists(self) -> bool:
        """Whether the store's folder exists; an OSError asking (a name too long, a loop of
        symbolic links) is a path the user gave, said as such rather than as a bug."""
        try:
            return self.target.parent.is_dir()
        except OSError as error:
            raise AuthError(
                f"cannot use the token store {self.path}: {error.strerror}",
                hint=f"point {STORE_SETTING} at a shorter path",
            ) from None

    def _ensure_folder(self) -> None:
        folder = self.target.parent
        if self._folder_exists():
            self._check_folder()
            return
        try:
            folder.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
            os.chmod(folder, _FOLDER_MODE)  # mkdir's mode is filtered by the umask
        except OSError as error:
            raise AuthError(
                f"cannot create the token store folder {folder}: {error.strerror or error}",
                hint=f"point {STORE_SETTING} at a writable place",
            ) from None

    def _write(self, entries: dict[str, Any]) -> None:
        self._ensure_folder()
        payload = json.dumps(
            {"version": _FORMAT_VERSION, "entries": entries}, indent=2, sort_keys=True
        )
        folder = self.target.parent
        try:
            # mkstemp creates the file 0600 from the start: no moment where others can read it.
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.target.name}.", suffix=".tmp", dir=folder
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(payload)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temporary, _FILE_MODE)
                # Onto the symlink's target, not the link: the link (a CI cache's) stays.
                os.replace(temporary, self.target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            _fsync_folder(folder)
        except OSError as error:
            raise AuthError(
                f"cannot write the token store {self.path}: {error.strerror or error}",
                hint=f"check the folder's permissions, or point {STORE_SETTING} elsewhere",
            ) from None


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open folders, and needs not."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
