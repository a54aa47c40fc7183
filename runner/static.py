"""The static pass that ``httprun check`` runs: everything that can be known before sending.

Every run passes each file through it too (:func:`refuse_invalid`, from ``FileRun``): a file
with errors that do not depend on the environment sends none of its requests.

:func:`check_file` reports, each at its span, sorted by position:

- directive problems (unknown keys, bad values: :mod:`runner.directives`);
- JMESPath that does not compile, or calls a function JMESPath does not have, in checks,
  captures and ``<<expr>>`` interpolations (each distinct expression compiled once);
- checks and captures that read a field the response document does not have (warnings);
- variables nothing can define at the point of use: the first name of an ``<<expr>>`` that is
  not given by the env files or ``--var`` (``defined``), not a file variable of this or an
  earlier block, not a request name or capture of an earlier block, and not ``auth`` where an
  ``@auth`` profile is in effect. File variable values are evaluated lazily, when a request
  uses them, so names anywhere in the file count for them;
- ``<<$dynamic>>`` values that do not exist or have the wrong arguments;
- ``{{name}}`` (other tools' variables, plain text in httprun) with the ``<<...>>`` to write
  (an error in a request line, which a run refuses too; a warning elsewhere), and bodies that
  end with a comment line or hold a line that looks like a check or a request line (warnings);
- httpyac JavaScript blocks (``{{`` to ``}}`` lines) in a body (errors: they would be sent);
- request names used twice (warnings).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jmespath.exceptions import JMESPathError
from jmespath.functions import Functions

from .dialects import OTHER_VARIABLE, other_variable, script_block, script_blocks
from .directives import did_you_mean, request_settings, validate_directive
from .dynamic import DynamicSources, evaluate_dynamic
from .errors import Diagnostic, InvalidFile, ParseError, ResolveError
from .imports import misplaced_directives
from .jmes import compile_query, error_position, explain_error, root_names
from .nodes import (
    Block,
    BodyInclude,
    BodyText,
    Directive,
    HttpFile,
    Interp,
    InterpKind,
    Template,
)
from .parser import names_of_broken_blocks, parse_file_collecting
from .source import Span, source_line

__all__ = [
    "RESPONSE_FIELDS",
    "check_file",
    "check_parsed",
    "parse_for_run",
    "refuse_invalid",
]

#: The top-level fields of the response document that checks and captures read (FORMAT.md).
RESPONSE_FIELDS = ("status", "reason", "headers", "body", "text", "elapsed_ms", "url")

_FUNCTIONS = frozenset(Functions().FUNCTION_TABLE)
_DASHED_NAME = re.compile(r"(?<![\w\"'`])([A-Za-z_]\w*(?:-\w+)+)")
_UNDEFINED_HINT = "define it in an env file, with '@name = value', or pass --var NAME=VALUE"
# How many distinct undefined names of one file get a "did you mean" (see closest_name).
_SUGGESTED = 100
# REST Client and JetBrains names of dynamic values that httprun spells differently.
_DYNAMIC_SPELLINGS = {
    "$guid": "$uuid",
    "$random.uuid": "$uuid",
    "$processEnv": "$env",
    "$localDatetime": "$datetime",
}


class _AnyEnvironment(Mapping[str, str]):
    """A process environment in which every name is set: ``$env NAME`` is checked for its
    shape only, since the environment of the run is not known yet."""

    def __getitem__(self, key: str) -> str:
        return ""

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_INERT_SOURCES = DynamicSources(
    now=lambda: datetime(2000, 1, 1, tzinfo=UTC),
    random_int=lambda low, high: low,
    new_uuid=lambda: uuid.UUID(int=0),
    environ=_AnyEnvironment(),
)


def check_file(http_file: HttpFile, defined: Collection[str]) -> list[Diagnostic]:
    """Everything wrong with ``http_file`` that is visible without sending it.

    ``defined`` are the variable names that the env files and ``--var`` provide.
    """
    return _FileChecker(http_file, defined).run()


def check_parsed(
    http_file: HttpFile, syntax_errors: Sequence[ParseError], defined: Collection[str]
) -> list[Diagnostic]:
    """What ``httprun check`` (and the language server) report for a file that
    :func:`~runner.parser.parse_text_collecting` read: every syntax error, then what
    :func:`check_file` finds in the blocks that parse. The names the broken blocks define
    count as defined there, so their readers get no "undefined variable" on top."""
    found = [diagnostic for error in syntax_errors for diagnostic in error.diagnostics()]
    if syntax_errors:
        defined = {*defined, *names_of_broken_blocks(http_file.path, syntax_errors)}
    return found + check_file(http_file, defined)


def parse_for_run(path: str) -> HttpFile:
    """Parse the request file ``path`` for a run. A file with syntax errors is refused with
    them and the errors of its blocks that parse, as ``httprun check`` shows them; a file that
    parses is left to :func:`refuse_invalid` (the run calls it once, when it opens the file)."""
    http_file, syntax_errors = parse_file_collecting(path)
    if syntax_errors:
        refuse_invalid(http_file, syntax_errors)
    return http_file


def refuse_invalid(http_file: HttpFile, syntax_errors: Sequence[ParseError] = ()) -> None:
    """Raise :class:`InvalidFile` with the errors ``httprun check`` reports for ``http_file``
    whatever the environment: directive values, JMESPath that does not compile, dynamic
    values that do not exist, other tools' ``{{...}}`` in a URL and JavaScript blocks in a
    body. A run calls this before sending any request of the file. ``syntax_errors``, those
    of the blocks that did not parse (``http_file`` holds the others), come first; one of them
    alone is raised as it is.

    Undefined names are left to the run, which knows the environment and may run only part
    of the file; warnings never stop a run. Cheap: the rules that can only warn are passed
    over, and every JMESPath is compiled through the cache the run's checks use.
    """
    found = _FileChecker(http_file, (), errors_only=True).run()
    errors = [diagnostic for diagnostic in found if diagnostic.severity == "error"]
    if len(syntax_errors) == 1 and not errors:
        raise syntax_errors[0]
    errors[:0] = [diagnostic for error in syntax_errors for diagnostic in error.diagnostics()]
    if errors:
        raise InvalidFile(errors)


class _FileChecker:
    def __init__(
        self, http_file: HttpFile, defined: Collection[str], *, errors_only: bool = False
    ) -> None:
        self.file = http_file
        self.defined = frozenset(defined)
        # Only the errors that do not depend on the environment (see refuse_invalid).
        self.errors_only = errors_only
        self.found: list[Diagnostic] = []
        self.compiled: dict[str, _Problem | None] = {}  # expression → its problem, if any
        self.suggested: dict[str, str] = {}  # undefined name → its "did you mean" (or "")
        blocks = () if errors_only else http_file.blocks  # what follows is about names only
        # Where each name is first defined in the file, for "defined only later" hints.
        self.first_definition: dict[str, int] = {}
        for block in blocks:
            for variable in block.variables:
                self.first_definition.setdefault(variable.name, variable.span.line)
            if block.request is not None and block.name:
                self.first_definition.setdefault(block.name, block.span.line)
            for capture in block.captures:
                self.first_definition.setdefault(capture.name, capture.span.line)
        self.any_auth = any(
            directive.key == "auth" and directive.value.strip().lower() != "none"
            for block in blocks
            for directive in block.directives
        )

    def run(self) -> list[Diagnostic]:
        everywhere = self.defined | set(self.first_definition)
        if self.any_auth:
            everywhere |= {"auth"}
        available = set(self.defined)  # names a request of the current block can read
        defaults: list[Directive] = []  # the file's default directives, as the run reads them
        names_seen: dict[str, int] = {}
        for directive in misplaced_directives(self.file):
            self.error(
                f"'@{directive.key}' belongs in the file's first block",
                directive.span,
                label="it is about the whole file, so it must come before the first request",
                hint="move this line above the file's first '###' (or its first request line)",
            )
        for block in self.file.blocks:
            self.check_directives(block, names_seen)
            available.update(variable.name for variable in block.variables)
            for variable in block.variables:
                self.check_template(variable.value, everywhere, lazy=True)
                self.scan_other_dialect(variable.value.span)
            if block.request is None:
                defaults.extend(block.directives)
            else:
                # <<auth.*>> is readable under an @auth profile: added for this request only,
                # in place (a copy of every name defined so far, per request, is quadratic).
                # Only names need the settings: refuse_invalid passes over them.
                profile = None if self.errors_only else request_settings(defaults, block).auth
                lends_auth = profile is not None and "auth" not in available
                if lends_auth:
                    available.add("auth")
                self.check_request(block, available)
                if lends_auth:
                    available.discard("auth")
            if not self.errors_only:
                available |= block.provides
        self.found.sort(
            key=lambda d: (d.span.line, d.span.column) if d.span is not None else (1 << 30, 0)
        )
        return self.found

    # -- directives and names --

    def check_directives(self, block: Block, names_seen: dict[str, int]) -> None:
        for directive in block.directives:
            self.found.extend(validate_directive(directive))
        if self.errors_only:
            return  # what follows only warns
        named = [directive for directive in block.directives if directive.key == "name"]
        if named and block.request is None:
            self.warn(
                "'@name' in a block without a request names nothing",
                named[0].span,
                hint="put it right above a request line",
            )
        for directive in named[:-1]:
            self.warn(
                "more than one '@name' in this block",
                directive.span,
                label="ignored: the last '@name' of a block wins",
            )
        name = block.name
        if block.request is not None and name:
            if name in names_seen:
                self.warn(
                    f"request name '{name}' is used twice",
                    named[-1].span,
                    label=f"first used at line {names_seen[name]}",
                    hint="give each request its own name: later references read the last "
                    "response, and --name runs both",
                )
            else:
                names_seen[name] = named[-1].span.line

    # -- the request --

    def check_request(self, block: Block, available: AbstractSet[str]) -> None:
        request = block.request
        assert request is not None
        self.check_template(request.url, available)
        if "{{" in request.url.source:
            self.scan_other_dialect(request.url.span, request_line=True)
        for header in request.headers:
            self.check_template(header.value, available)
            self.scan_other_dialect(header.value.span)
        if request.body is not None:
            for part in request.body.parts:
                if isinstance(part, BodyInclude):
                    self.check_template(part.path, available)
                    self.scan_other_dialect(part.path.span)
                else:
                    self.check_template(part.template, available)
                    self.scan_other_dialect(part.template.span)
                    self.check_script_blocks(part)
                    self.check_body_lines(part)
        for check in block.checks:
            self.check_query(check.query, check.query_span, "check")
            if check.value is not None and check.value.template is not None:
                self.check_template(check.value.template, available)
                self.scan_other_dialect(check.value.span)
            elif (
                check.value is not None
                and isinstance(check.value.json, str)
                and "{{" in check.value.json
            ):
                self.scan_other_dialect(check.value.span)
        for capture in block.captures:
            self.check_query(capture.query, capture.query_span, "capture")

    def check_script_blocks(self, part: BodyText) -> None:
        """httpyac's JavaScript blocks after a request are body lines to httprun: an error,
        since the run would send the script as the body."""
        source = part.template.source
        if "{{" not in source:
            return  # most bodies: no line to look at
        lines = source.split("\n")
        wording = script_block()
        for start, _ in script_blocks(lines):
            self.error(
                wording.message,
                self.line_span(part.template.span.line + start, lines[start]),
                label=wording.label,
                hint=wording.hint,
            )

    def check_body_lines(self, part: BodyText) -> None:
        if self.errors_only:
            return  # it only warns
        template = part.template
        lines = template.source.split("\n")
        first = template.span.line
        for index, text in enumerate(lines):
            stripped = text.lstrip(" \t")
            if stripped != text and stripped[:2] in ("??", ">>"):
                self.warn(
                    f"indented '{stripped[:2]}' line is sent as part of the body",
                    self.line_span(first + index, text),
                    hint="checks and captures start at column 1",
                )
            elif re.match(r"[A-Z][A-Z0-9_-]*[ \t]+(?:https?://|<<)", text):
                self.warn(
                    "this body line looks like a request line",
                    self.line_span(first + index, text),
                    label="it is sent as part of the body",
                    hint="start a new request with a '###' line above it",
                )
        last = lines[-1]
        if last.lstrip(" \t").startswith(("#", "//")):
            self.warn(
                "the body ends with a comment line, which is sent as part of the body",
                self.line_span(first + len(lines) - 1, last),
                hint="comments are not read inside a body: move it above the request line",
            )

    # -- templates and variables --

    def check_template(
        self, template: Template, available: AbstractSet[str], *, lazy: bool = False
    ) -> None:
        valid: list[Interp] = []
        for interp in template.interpolations():
            if interp.kind is InterpKind.DYNAMIC:
                self.check_dynamic(interp)
                continue
            problem = self.expression_problem(interp.expr, interp.span, "interpolation")
            if problem is not None:
                self.found.append(problem)
            else:
                valid.append(interp)
        if self.errors_only:
            return  # names are left to the run
        missing = template.reads - available  # the names are worked out once, on the node
        if not missing:
            return
        for interp in valid:
            for name in sorted(root_names(interp.expr) & missing):
                self.undefined(name, interp, available, lazy=lazy)

    def undefined(
        self, name: str, interp: Interp, available: AbstractSet[str], *, lazy: bool
    ) -> None:
        if name == "auth":
            self.error(
                "'auth' is not defined here",
                interp.span,
                label="the token is only there for requests with an @auth profile",
                hint="add '# @auth cafe24' (or oauth2) above the request line or at the top "
                "of the file",
            )
            return
        later = self.first_definition.get(name)
        if later is not None and not lazy:
            self.error(
                f"undefined variable '{name}'",
                interp.span,
                label=f"'{name}' is only defined later, at line {later}",
                hint="move the definition above this request, or pass --var NAME=VALUE",
            )
            return
        self.error(
            f"undefined variable '{name}'",
            interp.span,
            label=f"nothing defines '{name}'{self.closest_name(name, available)}",
            hint=_UNDEFINED_HINT,
        )

    def closest_name(self, name: str, available: Collection[str]) -> str:
        """ "; did you mean 'x'?" for an undefined ``name``. Each answer compares ``name`` with
        every name the file defines, so only the first _SUGGESTED distinct names of a file get
        one: 8,000 undefined names in a file that defines 8,000 took minutes (quadratic)."""
        if name not in self.suggested and len(self.suggested) < _SUGGESTED:
            self.suggested[name] = did_you_mean(name, {*available, *self.first_definition})
        return self.suggested.get(name, "")

    def check_dynamic(self, interp: Interp) -> None:
        word, _, rest = interp.expr.partition(" ")
        if "$" + word in _DYNAMIC_SPELLINGS:
            ours = _DYNAMIC_SPELLINGS["$" + word]
            self.error(
                f"unknown dynamic value '${word}'",
                interp.span,
                label=f"httprun calls it {ours}",
                hint=f"write <<{' '.join([ours, *rest.split()])}>>",
            )
            return
        try:
            evaluate_dynamic(interp.expr, interp.span, _INERT_SOURCES)
        except ResolveError as error:
            self.found.append(
                Diagnostic("error", error.message, interp.span, error.label, error.hint)
            )

    def scan_other_dialect(self, span: Span, *, request_line: bool = False) -> None:
        """Other tools' ``{{...}}`` in the source text that ``span`` covers, each with the
        httprun text to write instead. A warning where templates of other languages are at
        home (headers, bodies, values); an error in a request line, where a ``{{`` cannot be
        what the user meant (and which a run refuses too)."""
        if self.errors_only and not request_line:
            return
        for line, start, text in _covered_text(span):
            matched: list[tuple[int, int]] = []
            for found in OTHER_VARIABLE.finditer(text):
                matched.append(found.span())
                column = start + found.start()
                where = Span(span.path, line, column, line, column + len(found.group(0)))
                self.other_dialect_value(found.group(0), found.group(1), where, request_line)
            if request_line:
                self.stray_braces(
                    Span(span.path, line, start, line, start + len(text)), text, matched
                )

    def other_dialect_value(self, written: str, inner: str, where: Span, error: bool) -> None:
        wording = other_variable(written, inner)
        report = self.error if error else self.warn
        report(wording.message, where, label=wording.label, hint=wording.hint)

    def stray_braces(self, line: Span, text: str, matched: list[tuple[int, int]]) -> None:
        """``{{`` in ``text``, the part of a request line that ``line`` covers, that is no
        ``{{name}}`` (unclosed, empty, nested)."""
        position = text.find("{{")
        while position >= 0:
            if not any(start <= position < end for start, end in matched):
                column = line.column + position
                self.error(
                    "'{{' in a request line",
                    Span(line.path, line.line, column, line.line, column + 2),
                    label="not an httprun variable, and no URL holds it",
                    hint="write <<name>> to insert a value; percent-encode a literal brace as %7B",
                )
                return  # one per line is enough
            position = text.find("{{", position + 2)

    # -- JMESPath --

    def check_query(self, query: str, span: Span, what: str) -> None:
        problem = self.expression_problem(query, span, what, precise=True)
        if problem is not None:
            self.found.append(problem)
            return
        if self.errors_only:
            return  # what follows only warns
        for name in sorted(root_names(query)):
            if name not in RESPONSE_FIELDS:
                self.warn(
                    f"the response document has no field '{name}'",
                    span,
                    label=f"{what}s read {', '.join(RESPONSE_FIELDS)}"
                    + did_you_mean(name, RESPONSE_FIELDS),
                    hint=f"to read the JSON body, write body.{name}",
                )

    def expression_problem(
        self, expression: str, span: Span, what: str, *, precise: bool = False
    ) -> Diagnostic | None:
        """The problem with ``expression``, placed at ``span``. With ``precise``, ``span``
        starts at the expression's first character and the problem is narrowed to the
        offending columns. Each distinct expression is compiled once per file."""
        if expression not in self.compiled:
            self.compiled[expression] = _jmespath_problem(expression)
        problem = self.compiled[expression]
        if problem is None:
            return None
        where = span
        if precise and problem.offset is not None:
            column = span.column + problem.offset
            where = Span(span.path, span.line, column, span.line, column + problem.width)
        return Diagnostic(
            "error", problem.message.format(what=what), where, problem.label, problem.hint
        )

    # -- output --

    def warn(self, message: str, span: Span, *, label: str = "", hint: str = "") -> None:
        if not self.errors_only:
            self.found.append(Diagnostic("warning", message, span, label, hint))

    def error(self, message: str, span: Span, *, label: str = "", hint: str = "") -> None:
        self.found.append(Diagnostic("error", message, span, label, hint))

    def line_span(self, line: int, text: str) -> Span:
        start = len(text) - len(text.lstrip(" \t")) + 1
        return Span(self.file.path, line, start, line, len(text.rstrip()) + 1)


@dataclass(frozen=True, slots=True)
class _Problem:
    """What is wrong with an expression; ``offset``/``width`` locate it inside the expression."""

    message: str  # with "{what}" for "check", "capture" or "interpolation"
    label: str
    hint: str
    offset: int | None
    width: int = 1


def _jmespath_problem(expression: str) -> _Problem | None:
    try:
        parsed = compile_query(expression).parsed
    except JMESPathError as error:
        return _compile_error(expression, error)
    unknown = sorted(set(_function_names(parsed)) - _FUNCTIONS)
    if not unknown:
        return None
    name = unknown[0]
    call = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}\s*\(", expression)
    return _Problem(
        f"unknown JMESPath function '{name}()' in {{what}}",
        f"not a JMESPath function{did_you_mean(name, _FUNCTIONS)}",
        "the functions are " + ", ".join(sorted(_FUNCTIONS)),
        call.start() if call is not None else None,
        len(name),
    )


def _compile_error(expression: str, error: JMESPathError) -> _Problem:
    detail, position = explain_error(error, with_column=False), error_position(error) or 0
    hint = "JMESPath syntax: https://jmespath.org/specification.html"
    quoted = _DASHED_NAME.sub(r'"\1"', expression)
    if quoted != expression:
        hint = f"quote names that contain '-': {quoted}"
    offset = position if isinstance(position, int) and 0 <= position <= len(expression) else None
    escaped = expression.replace("{", "{{").replace("}", "}}")
    return _Problem(f"invalid JMESPath in {{what}}: {escaped}", detail, hint, offset)


def _function_names(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if node.get("type") == "function_expression":
            yield str(node.get("value"))
        for child in node.get("children", ()):
            yield from _function_names(child)


def _covered_text(span: Span) -> Iterator[tuple[int, int, str]]:
    """(line, column of the first character, text) for each line ``span`` covers, from the
    remembered source; nothing when the source is unknown."""
    for line in range(span.line, span.end_line + 1):
        text = source_line(span.path, line)
        if text is None:
            return
        start = span.column if line == span.line else 1
        end = span.end_column if line == span.end_line else len(text) + 1
        yield line, start, text[start - 1 : end - 1]
