"""The per-user token store: one JSON file, readable by its owner alone.

Where: ``platformdirs.user_data_dir("httprun")/tokens.json`` (``~/.local/share/httprun`` on
Linux), or the file that ``HTTPRUN_TOKEN_STORE`` names (see :func:`token_store_path`).
The file is mode 0600; a folder httprun creates for it is mode 0700 (an existing folder the user
chose is left as it is: the file's own mode still keeps others out).

Layout::

    {"version": 1,
     "entries": {"<profile>|<token_url>|<client_id>|<mall>": {
         "profile": "cafe24", "token_url": "...", "client_id": "...", "mall_id": "demo",
         "updated_at": "2024-05-01T03:00:00Z", "token": {...Token.to_json()...}}}}

Every write goes to a temporary file in the same folder, is flushed to disk, and replaces the
store with ``os.replace``: a crash leaves the old store or the new one, never half of one.
That matters because cafe24 rotates refresh tokens: a lost write is a lost login.

:meth:`TokenStore.lock` is an inter-process lock (a ``.lock`` file beside the store) that callers
hold around read-check-refresh-write, so two httprun processes never refresh with the same
refresh token.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import filelock

from ..errors import AuthError
from ..jsonvalues import MAX_DEPTH, TooDeep, decode_json
from .profiles import Profile
from .tokens import Token, TokenFormatError, format_time, utc_now

STORE_SETTING = "HTTPRUN_TOKEN_STORE"
STORE_FILE_NAME = "tokens.json"
_FORMAT_VERSION = 1
_FILE_MODE = 0o600
_FOLDER_MODE = 0o700
# A refresh holds the lock for one HTTP exchange; waiting longer means something is stuck.
DEFAULT_LOCK_TIMEOUT = 120.0


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
        if value:
            return Path(value).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("httprun", appauthor=False)) / STORE_FILE_NAME


class TokenStore:
    """Token entries keyed by :attr:`Profile.store_key`, kept in one JSON file."""

    def __init__(self, path: Path | str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_timeout = lock_timeout
        # thread_local (the default): each thread takes the OS lock itself, so threads of one
        # process exclude each other as well as other processes do.
        self._lock = filelock.FileLock(self.lock_path, mode=_FILE_MODE)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> TokenStore:
        return cls(token_store_path(settings, environ))

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
        except (TokenFormatError, KeyError, TypeError, AttributeError):
            raise self._corrupt("an entry is malformed") from None

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

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            raise self._corrupt("not UTF-8 text") from None
        except OSError as error:
            raise AuthError(
                f"cannot read the token store {self.path}: {error.strerror or error}",
                hint=f"check its permissions, or point {STORE_SETTING} elsewhere",
            ) from None
        try:
            data = decode_json(text)
        except json.JSONDecodeError as error:
            raise self._corrupt(f"not JSON ({error.msg} at line {error.lineno})") from None
        except TooDeep:  # nested brackets: no store we write looks like this
            raise self._corrupt(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
            raise self._corrupt("it has no 'entries' object")
        if data.get("version") != _FORMAT_VERSION:
            raise self._corrupt(f"unknown format version {data.get('version')!r}")
        entries: dict[str, Any] = data["entries"]
        return entries

    def _corrupt(self, why: str) -> AuthError:
        return AuthError(
            f"the token store {self.path} cannot be read: {why}",
            hint="delete the file to start over (you will have to log in again)",
        )

    def _ensure_folder(self) -> None:
        folder = self.path.parent
        if folder.is_dir():
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
        folder = self.path.parent
        try:
            # mkstemp creates the file 0600 from the start: no moment where others can read it.
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=folder
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(payload)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temporary, _FILE_MODE)
                os.replace(temporary, self.path)
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
