"""``httprun import postman``: a collection (and its environments) as request and env files.

The folder tree becomes a tree of ``.http`` files under ``requests/`` (one per folder, the
top-level requests in a file named after the collection), the environments ``envs/NAME.env``
plus ``envs/NAME.local.env`` for secrets. Auth is resolved down the tree (collection, folder,
request), test scripts become checks and captures where they have a declarative form, and
everything else is reported. cafe24's guide set-up (OAuth 2.0 at cafe24's URLs) becomes
``# @auth cafe24``: its hand-made token requests, Basic value, pasted token and Bearer headers
are left out, and ``version`` is ``api_version``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InternalError, ParseError
from ..masking import Masker, is_secret_name
from .envfiles import EnvValue, env_texts, expands
from .names import Renamer
from .output import PlannedFiles, file_name
from .postman_auth import AuthPlan, is_cafe24, learn_secrets, plan_auth
from .postman_context import Context, has_literal
from .postman_json import read_document
from .postman_model import (
    Auth,
    Environment,
    Folder,
    Pair,
    Request,
    read_collection,
    read_environment,
)
from .postman_request import SideFile, request_lines
from .postman_scripts import convert_tests
from .report import ImportReport

_PREREQUEST = (
    "a pre-request script, which httprun does not run: kept as a comment; use @name = value "
    "and <<$dynamic>> values"
)
_CAPTURE = re.compile(r"^>> ([A-Za-z_]\w*) =", re.MULTILINE)
_FILE_VARIABLE = re.compile(r"^@([A-Za-z_]\w*) =", re.MULTILINE)
_REFERENCE = re.compile(r"(?<!\\)<<%?([A-Za-z_]\w*)")
_CAFE24_TOKEN_REQUEST = re.compile(r"\.cafe24api\.com/api/v2/oauth/token\b")
_CAFE24_BEARER = re.compile(r"(?i)bearer\s+\{\{\s*access_token\s*\}\}\s*")
# cafe24's guide variables that @auth cafe24 makes unnecessary, and why.
_CAFE24_UNNEEDED = {
    "authorization_basic": "the Basic value of the token requests: @auth cafe24 makes it from "
    "client_id and client_secret",
    "access_token": "the pasted token: @auth cafe24 logs in and refreshes by itself "
    "('httprun auth login --env ENV')",
}


def import_postman(
    collection_path: Path, environment_paths: list[Path], out: Path
) -> tuple[PlannedFiles, ImportReport]:
    """The files to write and the report; nothing is written here."""
    collection = read_collection(*read_document(collection_path))
    environments = [read_environment(*read_document(path)) for path in environment_paths]
    masker = Masker()
    cafe24 = any(is_cafe24(auth) for auth, _ in _auths(collection))
    rename = Renamer(
        _names(collection, environments), fixed={"version": "api_version"} if cafe24 else None
    )
    context = Context(rename, ImportReport(), masker)
    _learn_secrets(collection, environments, context)
    planned = PlannedFiles(out, masker)
    writer = _Writer(collection, environments, context, planned, cafe24)
    writer.plan_requests(collection_path)
    writer.plan_environments(collection)
    return planned, context.report


def _learn_secrets(collection: Folder, environments: list[Environment], context: Context) -> None:
    """Every secret of the export, before anything is written or printed: secret or
    secret-named environment values and variables, and each auth block's credentials and live
    tokens, used or not."""
    pairs = [pair for environment in environments for pair in environment.values]
    pairs += _variables(collection)
    context.masker.add_all(
        pair.value
        for pair in pairs
        if (pair.kind == "secret" or is_secret_name(pair.key)) and has_literal(pair.value)
    )
    for auth, _ in _auths(collection):
        learn_secrets(auth, context)


def _variables(folder: Folder) -> list[Pair]:
    found = list(folder.variables)
    for child in folder.children:
        if isinstance(child, Folder):
            found += _variables(child)
    return found


def _auths(folder: Folder) -> Iterator[tuple[Auth, str]]:
    if folder.auth is not None:
        yield folder.auth, folder.where
    for child in folder.children:
        if isinstance(child, Folder):
            yield from _auths(child)
        elif child.auth is not None:
            yield child.auth, child.where


def _names(collection: Folder, environments: list[Environment]) -> list[str]:
    names = [pair.key for environment in environments for pair in environment.values]
    return names + [pair.key for pair in _variables(collection)]


@dataclass
class _Scope:
    """What a folder passes down: its auth (and where it is set), variables, test scripts."""

    auth: Auth | None
    auth_where: str
    variables: list[Pair] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)


class _Writer:
    def __init__(
        self,
        collection: Folder,
        environments: list[Environment],
        context: Context,
        planned: PlannedFiles,
        cafe24: bool,
    ) -> None:
        self.collection = collection
        self.environments = environments
        self.context = context
        self.report = context.report
        self.planned = planned
        self.cafe24 = cafe24
        self.env_names = {pair.key for env in environments for pair in env.values}
        self.overridden: dict[str, Pair] = {}  # collection variables the environments set
        self._plan_cache: dict[int, AuthPlan] = {}  # by auth block: each reported once
        self._texts: dict[Path, str] = {}  # the request files planned
        self.env_values = {context.rename(name) for name in self.env_names}
        self._cafe24_plan: AuthPlan | None = None
        if cafe24:
            auth, where = next((a, w) for a, w in _auths(collection) if is_cafe24(a))
            self._cafe24_plan = plan_auth(auth, where, context)

    # ---- request files ------------------------------------------------------------------------

    def plan_requests(self, source: Path) -> None:
        root = self.collection
        scope = _Scope(root.auth, root.where)
        self._folder(root, scope, PurePosixPath(file_name(root.name, "collection")), source)
        self._report_captures_used_elsewhere()

    def _report_captures_used_elsewhere(self) -> None:
        """Postman's environment.set lasts the whole run; an httprun capture lasts its file."""
        captured: dict[str, list[Path]] = {}
        for path, text in self._texts.items():
            for name in _CAPTURE.findall(text):
                captured.setdefault(name, []).append(path)
        for path, text in self._texts.items():
            defined = set(_CAPTURE.findall(text)) | set(_FILE_VARIABLE.findall(text))
            for name in dict.fromkeys(_REFERENCE.findall(text)):
                if name in defined or name in self.env_values or name not in captured:
                    continue
                self.report.attention(
                    str(path),
                    f"<<{name}>> is captured in {captured[name][0]}, and captures last one file "
                    f"in httprun: move the requests into one file, or set {name} in the env file",
                )

    def _folder(self, folder: Folder, parent: _Scope, path: PurePosixPath, source: Path) -> None:
        """Plan the file of ``folder``'s requests at ``path`` (without ``.http``); its folders'
        files go in the folder of that name (the collection's: in ``requests/`` itself)."""
        scope = _Scope(
            folder.auth if folder.auth is not None else parent.auth,
            folder.where if folder.auth is not None else parent.auth_where,
            [*parent.variables, *folder.variables],
            list(parent.tests),
        )
        checks = convert_tests(folder.scripts.tests, self.context.rename)
        kept = {line.strip() for line in checks.kept}
        # The folder's checks run for every request in it, as in Postman.
        scope.tests += [line for line in folder.scripts.tests if line.strip() not in kept]
        comments = self._folder_scripts(folder, checks.kept)
        requests = [child for child in folder.children if isinstance(child, Request)]
        if requests:
            self._file(folder, scope, requests, path, source, comments)
        for child in folder.children:
            if isinstance(child, Folder):
                under = path.parent if folder is self.collection else path
                self._folder(child, scope, under / file_name(child.name), source)

    def _folder_scripts(self, folder: Folder, kept_tests: list[str]) -> list[str]:
        """The comment lines of a folder's (or the collection's) script lines that httprun does
        not run, each kind reported once."""
        lines = []
        if kept_tests:
            self.report.attention(
                folder.where,
                f"{len(kept_tests)} line(s) of the folder's test script have no httprun form: "
                "kept as comments; write them as ?? checks",
            )
            lines.append("# Postman test script lines of this folder (not run):")
            lines += [f"#   {line}" for line in kept_tests]
        prerequest = [line for line in folder.scripts.prerequest if line.strip()]
        if prerequest:
            self.report.attention(folder.where, _PREREQUEST)
            lines.append("# Postman pre-request script of this folder (not run):")
            lines += [f"#   {line}" for line in prerequest]
        return lines

    def _file(
        self,
        folder: Folder,
        scope: _Scope,
        requests: list[Request],
        path: PurePosixPath,
        source: Path,
        script_comments: list[str],
    ) -> None:
        relative = self.planned.unique(Path("requests") / f"{path}.http")
        side_files: dict[Path, str] = {}
        side_file = self._side_file_planner(relative, side_files)
        names = Renamer()  # the @names of this file: one for each request
        blocks = []
        plans, bearer_dropped = self._plans(requests, scope)
        default = _file_default([plan for _, plan in plans])
        for request, plan in plans:
            blocks.append(self._block(request, plan, default, scope, names, side_file))
            self.report.requests += 1
        if not blocks:
            return
        if bearer_dropped:
            self.report.attention(
                folder.where,
                f"'Authorization: Bearer {{{{access_token}}}}' left out of {bearer_dropped} "
                "request(s): @auth cafe24 sends the token",
            )
        header = self._header(folder, scope, default, source, script_comments)
        text = "\n\n".join(["\n".join(header), *blocks]) + "\n"
        for side_path, side_text in side_files.items():
            self._refuse_secrets(side_path, side_text)
        self._refuse_secrets(relative, text)
        self.planned.add(relative, _canonical(text, relative))
        self._texts[relative] = text
        for side_path, side_text in side_files.items():
            self.planned.add(side_path, side_text)

    def _side_file_planner(self, relative: Path, side_files: dict[Path, str]) -> SideFile:
        """Plans body files beside ``relative`` (``NAME.body.json``, ``NAME.body-2.json``...)
        into ``side_files``."""

        def side_file(extension: str, text: str) -> str:
            wanted = relative.with_name(f"{relative.stem}.body{extension}")
            taken = {*self.planned.files, *side_files}
            chosen, counter = wanted, 1
            while chosen in taken:
                counter += 1
                chosen = wanted.with_name(f"{relative.stem}.body-{counter}{extension}")
            side_files[chosen] = text
            return f"./{chosen.name}"

        return side_file

    def _plans(
        self, requests: list[Request], scope: _Scope
    ) -> tuple[list[tuple[Request, AuthPlan]], int]:
        """The requests to write with their auth plans, and how many cafe24 Bearer headers
        are left out; cafe24's hand-made token requests and requests without a URL are
        left out, and reported."""
        plans = []
        bearer_dropped = 0
        for request in requests:
            if self.cafe24 and _CAFE24_TOKEN_REQUEST.search(request.url):
                self.report.attention(
                    request.where,
                    "a cafe24 token request by hand: left out, @auth cafe24 gets and refreshes "
                    "the token itself",
                )
                continue
            if not request.url.strip():
                self.report.attention(request.where, "the request has no URL: left out")
                continue
            plan, dropped = self._plan(request, scope)
            bearer_dropped += dropped
            plans.append((request, plan))
        return plans, bearer_dropped

    def _plan(self, request: Request, scope: _Scope) -> tuple[AuthPlan, int]:
        """The request's auth plan, and 1 when a cafe24 Bearer header is left out for it."""
        auth, where = scope.auth, scope.auth_where
        if request.auth is not None:  # its own; else inherited from the nearest folder
            auth, where = request.auth, request.where
        key = id(auth)
        if key not in self._plan_cache:
            self._plan_cache[key] = plan_auth(auth, where, self.context)
        plan = self._plan_cache[key]
        bearer = self.cafe24 and any(_is_cafe24_bearer(pair) for pair in request.headers)
        if bearer and not plan.directive and self._cafe24_plan is not None:
            plan = self._cafe24_plan  # the guide's calls: no auth of their own, the header
        return plan, int(bearer and plan.directive == "cafe24")

    def _block(
        self,
        request: Request,
        plan: AuthPlan,
        default: AuthPlan | None,
        scope: _Scope,
        names: Renamer,
        side_file: SideFile,
    ) -> str:
        lines = [f"### {' '.join(request.name.split())}"]
        lines += _comment_lines(request.description)
        lines.append(f"# @name {names.fresh(request.name)}")
        if request.no_redirect:
            lines.append("# @no-redirect")
        if default is None and plan.directive:  # else the file's default says it
            lines.append(f"# @auth {plan.directive}")
            lines += [f"@{name} = {value}" for name, value in plan.settings]
        if plan.comment:
            lines += _comment_lines(plan.comment)  # it may hold the collection's line breaks
        drop = _is_cafe24_bearer if plan.directive == "cafe24" else _never
        parts = request_lines(request, plan, self.context, side_file, drop)
        lines += parts.before
        if request.scripts.prerequest and any(s.strip() for s in request.scripts.prerequest):
            self.report.attention(request.where, _PREREQUEST)
            lines.append("# Postman pre-request script (not run):")
            lines += [f"#   {line}" for line in request.scripts.prerequest if line.strip()]
        checks = convert_tests([*scope.tests, *request.scripts.tests], self.context.rename)
        if checks.kept:  # the folders' lines without a form are in the file's header
            self.report.attention(
                request.where,
                f"{len(checks.kept)} test script line(s) have no httprun form: kept as "
                "comments; write them as ?? checks",
            )
            lines.append("# Postman test script lines (not run):")
            lines += [f"#   {line}" for line in checks.kept]
        lines += parts.request
        if checks.lines:
            lines += ["", *checks.lines]
        return "\n".join(lines)

    def _header(
        self,
        folder: Folder,
        scope: _Scope,
        default: AuthPlan | None,
        source: Path,
        script_comments: list[str],
    ) -> list[str]:
        where = " ".join(f"{source.name}: {folder.where}".split())
        lines = [f"# Imported by httprun from {where}"]
        lines += _comment_lines(folder.description)
        for pair in self._file_variables(scope.variables, folder.where):
            value = self.context.template(pair.value, folder.where)
            lines.append(f"@{self.context.rename(pair.key)} = {value}".rstrip())
        if default is not None and default.directive:
            lines.append(f"# @auth {default.directive}")
            lines += [f"@{name} = {value}" for name, value in default.settings]
        return lines + script_comments

    def _file_variables(self, variables: list[Pair], where: str) -> list[Pair]:
        """The collection and folder variables a request file may hold; the others (secret,
        set by an environment, several lines) go to the env files."""
        out = []
        for pair in variables:
            if not pair.key.strip() or pair.disabled:
                continue
            if self.cafe24 and pair.key in _CAFE24_UNNEEDED:
                self.report.attention(
                    where, f"variable {pair.key} left out: {_CAFE24_UNNEEDED[pair.key]}"
                )
                continue
            if pair.kind == "secret" or is_secret_name(pair.key):
                self.context.masker.add(pair.value)
                name = self.context.rename(pair.key)
                self.context.extras.setdefault(name, EnvValue(name, pair.value, secret=True))
            elif pair.key in self.env_names or "\n" in pair.value or "\r" in pair.value:
                self.overridden.setdefault(pair.key, pair)
            else:
                out.append(pair)
        return out

    def _refuse_secrets(self, relative: Path, text: str) -> None:
        if self.context.masker.mask(text) == text:
            return
        named = [
            name for name, value in self._named_secrets() if Masker([value]).mask(text) != text
        ]
        which = f"the value of {named[0]}" if named else "a secret's value"
        raise ParseError(
            f"{self.collection.where}: {relative} would hold {which} as plain text",
            hint="in Postman, write that value as a {{variable}} everywhere it is used, export "
            "again and import (a secret of 1 to 3 characters also matches as a word: give it "
            "a longer value)",
        )

    def _named_secrets(self) -> list[tuple[str, str]]:
        """What the error names a secret by (never its value)."""
        pairs = [
            (f"the environment value {pair.key}", pair)
            for environment in self.environments
            for pair in environment.values
        ]
        pairs += [
            (f"the collection variable {pair.key}", pair) for pair in _variables(self.collection)
        ]
        return [
            (name, pair.value)
            for name, pair in pairs
            if pair.kind == "secret" or is_secret_name(pair.key)
        ]

    # ---- env files ----------------------------------------------------------------------------

    def plan_environments(self, collection: Folder) -> None:
        environments = self.environments
        if not environments and (self.context.extras or self.overridden):
            environments = [Environment(collection.name, "the collection")]
            env = f"envs/{file_name(collection.name, 'environment')}.env"
            self.report.attention(
                collection.where,
                f"values moved out of the request files (credentials, secret variables) are in "
                f"{env} and its .local.env: run with --env {env}",
            )
        for environment in environments:
            self._environment(environment)

    def _environment(self, environment: Environment) -> None:
        values: dict[str, EnvValue] = {}
        where = environment.source
        for pair in environment.values:
            if not pair.key.strip():
                continue
            if pair.disabled:
                self.report.attention(where, f"{pair.key} is disabled: left out")
                continue
            if self.cafe24 and pair.key in _CAFE24_UNNEEDED:
                self.report.attention(where, f"{pair.key} left out: {_CAFE24_UNNEEDED[pair.key]}")
                continue
            self._check_value(pair, where)
            name = self.context.rename(pair.key)
            values[name] = EnvValue(name, pair.value, secret=pair.kind == "secret")
        for pair in self.overridden.values():
            name = self.context.rename(pair.key)
            values.setdefault(name, EnvValue(name, pair.value))
        for name, value in self.context.extras.items():
            values.setdefault(name, value)
        plain, local = env_texts(values.values(), where)
        stem = file_name(environment.name, "environment")
        self.planned.add(Path("envs") / f"{stem}.env", plain)
        if local:
            self.planned.add(Path("envs") / f"{stem}.local.env", local)

    def _check_value(self, pair: Pair, where: str) -> None:
        if expands(pair.value):
            self.report.attention(
                where, f"{pair.key} holds '${{': python-dotenv would expand it; check the value"
            )
        if "{{" in pair.value:
            self.report.attention(
                where,
                f"{pair.key} refers to other variables ({{{{...}}}}), which env files do not "
                "resolve: write the value",
            )


def _file_default(plans: list[AuthPlan]) -> AuthPlan | None:
    """The auth every request of a file shares, when it is an OAuth profile: the file's
    default. Otherwise each request says its own (its settings are variables of its block)."""
    if plans and plans[0].directive and all(plan == plans[0] for plan in plans):
        return plans[0]
    return None


def _is_cafe24_bearer(pair: Pair) -> bool:
    return pair.key.strip().lower() == "authorization" and bool(
        _CAFE24_BEARER.fullmatch(pair.value.strip())
    )


def _never(pair: Pair) -> bool:
    return False


def _comment_lines(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.strip().splitlines()]


def _canonical(text: str, path: Path) -> str:
    """Generated request text in the canonical style (text that does not parse is a bug of
    the importer, exit 70)."""
    from ..writer import format_text

    try:
        return format_text(text, str(path))
    except ParseError as error:
        raise InternalError(ValueError(f"the Postman import wrote invalid text: {error}")) from None
