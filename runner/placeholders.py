"""A request that reads an earlier response, resolved as far as it can be without it.

A dry run (and ``--curl``) sends nothing, so captures and named responses never get a value.
Such a request is still shown: every ``<<...>>`` that needs one of them stays as written
(``<<login.body.token>>``), everything else is resolved as a run would resolve it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .errors import HttprunError, UndefinedVariable
from .interpolate import evaluate
from .nodes import Block, Body, BodyInclude, BodyText, Interp, InterpKind, Template, Text
from .scope import Scope

_SIGIL = {InterpKind.EXPR: "", InterpKind.DYNAMIC: "$", InterpKind.PERCENT: "%"}


def keep_unresolved(block: Block, scope: Scope, from_responses: frozenset[str]) -> Block:
    """``block`` with each ``<<...>>`` of its request that reads a name in ``from_responses``
    (and has no value yet) turned into its own text."""
    request = block.request
    if request is None:
        return block

    def kept(template: Template) -> Template:
        parts = tuple(_kept_part(part, scope, from_responses) for part in template.parts)
        return template if parts == template.parts else Template(parts, template.span)

    body = request.body
    if body is not None:
        body = Body(tuple(_kept_body_part(part, kept) for part in body.parts), body.span)
    headers = tuple(replace(header, value=kept(header.value)) for header in request.headers)
    return replace(
        block, request=replace(request, url=kept(request.url), headers=headers, body=body)
    )


def _kept_body_part(
    part: BodyText | BodyInclude, kept: Callable[[Template], Template]
) -> BodyText | BodyInclude:
    if isinstance(part, BodyText):
        return BodyText(kept(part.template))
    return replace(part, path=kept(part.path))


def _kept_part(part: Text | Interp, scope: Scope, from_responses: frozenset[str]) -> Text | Interp:
    if isinstance(part, Text) or part.kind is InterpKind.DYNAMIC:
        return part
    try:
        evaluate(part, scope)
    except UndefinedVariable as error:
        if error.name in from_responses:
            return Text(f"<<{_SIGIL[part.kind]}{part.expr}>>")
    except HttprunError:
        pass  # resolving the request reports it
    return part
