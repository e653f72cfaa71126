"""Rendering: a validated Request plus its catalog kind -> a Stack of Terraform files.

One Jinja render per file, the skeleton: every value a template emits (each went through
`hcl.literal`) is written as a numbered placeholder string and its literal kept aside.
Since values can only ever be single literals, the skeleton has exactly the block
structure of the real output, and putting the literals back in their places gives the
real text. Each distinct skeleton is parsed once with the HCL parser checkov ships and
compiled (see shapes) into functions that fill in a stack's values, so the resources of
every stack are known without parsing it.
"""

from __future__ import annotations

import contextvars
import hashlib
import posixpath
import re
import traceback
from dataclasses import dataclass, field
from typing import Any

from hcl2.api import loads as parse_hcl
from jinja2 import StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError, Undefined, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.loaders import BaseLoader
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ssops_ci.config.catalog import Catalog, Kind
from ssops_ci.config.platform import Platform
from ssops_ci.model.layout import TEMPLATES
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Resource, Stack
from ssops_ci.stages import hcl, names
from ssops_ci.stages.blocks import declared_providers, implied_refusals, refused, resources
from ssops_ci.stages.schema import template_line
from ssops_ci.stages.shapes import Shape, compile_shape

GENERATOR = "ssops-ci"
CHECKSUM_RE = re.compile(r"^# checksum: sha256:([0-9a-f]{64})\n", re.M)
_EMITTED = re.compile(r'"__ssops_(\d+)__"')
# What the skeleton render emitted so far: the value behind each placeholder and its literal.
_emitted: contextvars.ContextVar[tuple[list[Any], list[str]]] = contextvars.ContextVar("ssops_render_values")
HEADER_LINES = 4


def header(req: Request, kind: Kind, body: str) -> str:
    digest = hashlib.sha256(body.encode()).hexdigest()
    return (
        f"# Rendered by {GENERATOR} from {req.path} with {kind.name}@{kind.spec.version} "
        f"({TEMPLATES}/{kind.folder}).\n"
        f"# Do not edit: change the request or the template and run `ssops-ci render`.\n"
        f"# checksum: sha256:{digest}\n\n"
    )


def body_of(text: str) -> tuple[str | None, str]:
    """(checksum claimed in the header, body after the header) of a rendered file."""
    m = CHECKSUM_RE.search(text)
    if not m:
        return None, text
    return m.group(1), text[m.end() :].removeprefix("\n")


def aws_tag_value(text: str) -> str:
    """AWS accepts only letters, digits, spaces and `_.:/=+-@` in tag values, up to 256 characters."""
    safe = "".join(ch if ch.isalnum() or ch in " _.:/=+-@" else "_" for ch in text)
    return safe[:256]


class _Loader(BaseLoader):
    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        # The template name doubles as the "file name" so tracebacks point into templates/.
        return self.sources[template], f"{TEMPLATES}/{template}", lambda: True


def _real_finalize(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises the precise "'x' is undefined" error
    return hcl.literal(value)


# Taking the eval context keeps Jinja from folding `{{ constant }}` at compile time: every render
# must see each of its own values.
@pass_eval_context
def _skeleton_finalize(_: Any, value: Any) -> str:
    text = _real_finalize(value)
    if isinstance(value, hcl.Raw) and value.inline_value is None:
        return text  # an identifier: structure, not a value
    values, texts = _emitted.get()
    values.append(value.inline_value if isinstance(value, hcl.Raw) else value)
    texts.append(text)
    return f'"__ssops_{len(values) - 1}__"'


def _real_text(skeleton: str, texts: list[str]) -> str | None:
    """The skeleton with each placeholder back to its literal; None if the template wrote one itself."""
    found = [int(m.group(1)) for m in _EMITTED.finditer(skeleton)]
    if found != list(range(len(texts))):
        return None
    return _EMITTED.sub(lambda m: texts[int(m.group(1))], skeleton)


def _environment(sources: dict[str, str], finalize: Any) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=_Loader(sources),
        undefined=StrictUndefined,
        finalize=finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(hcl_object=hcl.hcl_object, ident=hcl.ident)
    return env


@dataclass
class _Shape:
    """One parsed skeleton file compiled, or why it is refused."""

    compiled: Shape | None
    error: str | None = None


@dataclass
class _File:
    """One rendered output file, with what parsing its skeleton found."""

    name: str
    text: str
    resources: list[Resource]
    locals: dict[str, Any]
    providers: dict[str, str]  # what its required_providers declares


@dataclass
class Renderer:
    catalog: Catalog
    platform: Platform
    # Which providers a stack may require; by default the platform's own list. A head revision's stacks
    # are rendered with the base's list: a PR must not allow itself a provider binary and have CI run it.
    allowed_providers: list[str] | None = None
    _shapes: dict[str, _Shape] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sources = dict(self.catalog.shared)
        for kind in self.catalog.kinds.values():
            sources.update(kind.sources)
        self._skel = _environment(sources, _skeleton_finalize)
        if self.allowed_providers is None:
            self.allowed_providers = self.platform.allowed_providers

    def fingerprint(self) -> str:
        """A digest of everything besides the request that rendering reads (the code aside)."""
        h = hashlib.sha256()
        for name, source in sorted(self.catalog.shared.items()):
            h.update(f"{name}\0{source}\0".encode())
        for kind_name, kind in sorted(self.catalog.kinds.items()):
            h.update(f"{kind_name}\0{kind.spec.model_dump_json()}\0".encode())
            for name, source in sorted(kind.sources.items()):
                h.update(f"{name}\0{source}\0".encode())
        h.update(self.platform.model_dump_json().encode())
        h.update(repr(self.allowed_providers).encode())
        return h.hexdigest()

    def context(self, req: Request, kind: Kind) -> dict[str, Any]:
        env = self.platform.environments[req.environment]  # type: ignore[index]
        tags = {
            "team": req.team,
            "environment": req.environment,
            "cost-center": req.cost_center,
            "managed-by": GENERATOR,
            "ssops-request": req.path,
            "ssops-template": f"{kind.name}@{kind.spec.version}",
        }
        if req.description:
            tags["description"] = aws_tag_value(req.description)
        return {
            "request": {
                "name": req.name,
                "team": req.team,
                "environment": req.environment,
                "cost_center": req.cost_center,
                "description": req.description,
                "path": req.path,
                "stack_id": req.stack_id,
                # A name that is unique across teams and environments, for AWS resource names.
                "slug": slug(self.platform, req),
            },
            "spec": req.spec,
            "values": kind.spec.values,
            "tags": tags,
            "template": {"kind": kind.name, "version": kind.spec.version},
            "platform": env.model_dump(),
        }

    def render(self, req: Request) -> Stack:
        kind = self.catalog.get(req.kind)
        if kind is None:
            raise InputError([Problem(req.path, 1, 1, f"kind {req.kind} is not in the catalog")])
        ctx = self.context(req, kind)
        rendered: list[_File] = []
        problems: list[Problem] = []
        for name in kind.outputs:
            try:
                rendered.append(self._file(req, kind, name, ctx))
            except InputError as e:
                problems.extend(e.problems)
        if problems:
            raise InputError(problems)
        self._refuse_implied_providers(req, kind, rendered)
        stack = Stack(
            id=req.stack_id,
            request=req.path,
            kind=kind.name,
            template_version=kind.spec.version,
            team=req.team,
            environment=req.environment,
            dir=req.rendered_dir,
            files={f.name: f.text for f in rendered},
            resources=[r for f in rendered for r in f.resources],
            locals={k: v for f in rendered for k, v in f.locals.items()},
        )
        too_long, unknown = names.problems(req, stack, kind.spec.resources)
        if unknown:
            message = f"rendering {req.path}: cannot tell the name of " + "; ".join(unknown)
            raise InputError([Problem(f"{TEMPLATES}/{kind.folder}/template.yaml", 1, 1, message)])
        if too_long:
            raise InputError(too_long)
        return stack

    def _refuse_implied_providers(self, req: Request, kind: Kind, rendered: list[_File]) -> None:
        declared = {k: v for f in rendered for k, v in f.providers.items()}
        first = {r.type: r for f in rendered for r in reversed(f.resources)}
        refusals = implied_refusals(set(first), declared, self.allowed_providers or [])
        problems = []
        for rtype, message in refusals:
            path, line = template_line(self.catalog, kind.name, first[rtype])
            problems.append(Problem(path, line, 1, f"rendering {req.path}: {message}"))
        if problems:
            raise InputError(problems)

    def _file(self, req: Request, kind: Kind, name: str, ctx: dict[str, Any]) -> _File:
        """One template rendered as a skeleton, its structure checked, its literals put back."""
        out_name = posixpath.basename(name).removesuffix(".j2")
        template_path = f"{TEMPLATES}/{name}"
        values: list[Any] = []
        texts: list[str] = []
        token = _emitted.set((values, texts))
        try:
            skeleton = self._skel.get_template(name).render(ctx)
        except (TemplateError, SecurityError, TypeError, ValueError) as e:
            raise InputError([_template_problem(e, template_path, req.path)]) from None
        finally:
            _emitted.reset(token)
        body = _real_text(skeleton, texts)
        shape = self._shape(skeleton)
        if body is None or shape.compiled is None:
            why = shape.error or "the template writes a string of the form __ssops_N__, which ssops-ci reserves"
            raise InputError([Problem(template_path, 1, 1, f"rendering {req.path}: {why}")])
        blocks = shape.compiled.raw(values)
        refusal = refused(blocks, req.rendered_dir, self.allowed_providers or [])
        if refusal:
            raise InputError([Problem(template_path, 1, 1, f"rendering {req.path}: {r}") for r in refusal])
        body = body.rstrip("\n") + "\n"
        attributes = shape.compiled.attributes(values)
        found = resources(blocks, attributes, body, f"{req.rendered_dir}/{out_name}", HEADER_LINES)
        if found is None:
            message = f"rendering {req.path}: two blocks get the same address from the request's values"
            raise InputError([Problem(template_path, 1, 1, message)])
        return _File(
            name=out_name,
            text=header(req, kind, body) + body,
            resources=found,
            locals=shape.compiled.locals(values),
            providers=declared_providers(blocks),
        )

    def _shape(self, skeleton: str) -> _Shape:
        shape = self._shapes.get(skeleton)
        if shape is None:
            try:
                parsed = parse_hcl(skeleton)
            except Exception as e:  # lark raises many unrelated types; all mean "not valid HCL"
                shape = _Shape(compiled=None, error=f"the template produced invalid HCL: {str(e).splitlines()[0]}")
            else:
                shape = _Shape(compiled=compile_shape(parsed))
            self._shapes[skeleton] = shape
        return shape


def slug(platform: Platform, req: Request) -> str:
    """A name unique across teams and environments (with the collision check), for AWS resource names."""
    return f"{platform.name_prefix}-{req.team}-{req.name}-{req.environment}"


def _template_problem(e: Exception, template_path: str, request_path: str) -> Problem:
    line = 1
    if isinstance(e, TemplateSyntaxError) and e.lineno:
        line, template_path = e.lineno, (e.filename or template_path)
    else:
        for frame in reversed(traceback.extract_tb(e.__traceback__)):
            if frame.filename.startswith(TEMPLATES + "/") and frame.lineno:
                template_path, line = frame.filename, frame.lineno
                break
    return Problem(template_path, line, 1, f"rendering {request_path}: {type(e).__name__}: {e}")
