"""The catalog: what can be requested, read from `templates/<folder>/template.yaml`.

Each kind's request model is built here from its declarative parameter schema, so
the platform team adds a kind with YAML and Jinja2, never Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from ssops_ci import API_VERSION
from ssops_ci.config import files, yamlsrc
from ssops_ci.model.layout import SHARED, TEMPLATES
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.request import Name
from ssops_ci.model.stack import ResourceType
from ssops_ci.model.text import nfc
from ssops_ci.ports import Tree

Env = Literal["dev", "staging", "prod"]
ENVIRONMENTS: tuple[Env, ...] = ("dev", "staging", "prod")
PARAM_NAME = r"^[a-z][A-Za-z0-9]{0,40}$"


def _all_envs() -> list[Env]:
    return list(ENVIRONMENTS)


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    type: Literal["string", "integer", "number", "boolean", "list", "map"]
    description: str = Field(min_length=1)
    enum: list[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    rule: str | None = None  # the pattern in words, said instead of the regex when a value breaks it
    max_length: int | None = Field(default=None, alias="maxLength", ge=1)
    max_items: int | None = Field(default=None, alias="maxItems", ge=1)
    default: Any = None
    example: Any = None  # what `ssops-ci new` writes for a required parameter

    @model_validator(mode="after")
    def _coherent(self) -> Parameter:
        if self.required and self.example is None:
            raise ValueError("a parameter without a default needs an example for `ssops-ci new`")
        if self.enum is not None and self.type != "string":
            raise ValueError("enum is only supported on string parameters")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as e:
                raise ValueError(f"pattern is not a valid regular expression: {e}") from None
        return self

    @property
    def required(self) -> bool:
        return "default" not in self.model_fields_set


class CheckovException(BaseModel):
    """A checkov check this kind deliberately does not satisfy, and why."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^CKV2?_[A-Z0-9_]+$")
    reason: str = Field(min_length=10)
    environments: list[Env] = Field(default_factory=_all_envs)


class UsageAssumption(BaseModel):
    """A usage figure cost estimates need but Terraform does not know (requests, GB stored...)."""

    model_config = ConfigDict(extra="forbid")
    # None: the catalog does not guess; the cost shows "depends on usage" until a request states it
    default: float | None = Field(default=None, ge=0)
    unit: str
    description: str
    resource: str | None = None  # the resource address it applies to (default: every resource)


class Example(BaseModel):
    """A request this kind must render cleanly; the catalog's own tests render each one in every
    environment it names (provider schema, AWS limits, checkov, terraform fmt, prices)."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    spec: dict[str, Any] = Field(default_factory=dict)
    environments: list[str] | None = None  # None: every environment


class TemplateFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    # Fields earlier versions read, and what replaces them (said instead of "unknown field").
    RETIRED_FIELDS: ClassVar[dict[str, str]] = {
        "max_name_length": "replaced by per-resource name limits: delete it and declare "
        "resources.<type>.names.<attribute> (max_length, pattern, rule, source); see the README, 'Catalog checks'"
    }
    api_version: Literal["ssops/v1"] = Field(alias="apiVersion")
    kind: str = Field(pattern=r"^[A-Z][A-Za-z0-9]{2,40}$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    description: str = Field(min_length=1)
    owner: str
    parameters: dict[Annotated[str, StringConstraints(pattern=PARAM_NAME)], Parameter]
    values: dict[str, Any] = Field(default_factory=dict)
    resources: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]+$")], ResourceType]
    usage: dict[Annotated[str, StringConstraints(pattern=PARAM_NAME)], UsageAssumption] = Field(default_factory=dict)
    checkov_exceptions: list[CheckovException] = Field(default_factory=list)
    # What to tell a developer when a check fails on this kind (check id -> hint).
    remediation: dict[str, str] = Field(default_factory=dict)
    # The branches of the templates worth exercising, beyond the defaults (none: the defaults only).
    examples: list[Example] = Field(default_factory=list)

    @model_validator(mode="after")
    def _usage_not_a_parameter(self) -> TemplateFile:
        if "usage" in self.parameters:
            raise ValueError("'usage' is reserved for cost usage overrides; rename the parameter")
        return self


@dataclass(frozen=True)
class Kind:
    """One catalog entry: its declaration, its Jinja2 sources and its request model."""

    folder: str
    spec: TemplateFile
    sources: dict[str, str]  # template name relative to templates/ -> source
    request_model: type[BaseModel] = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.kind

    @property
    def pattern_rules(self) -> dict[str, str]:
        """Each parameter pattern that has a rule in words: pattern -> words."""
        return {p.pattern: p.rule for p in self.spec.parameters.values() if p.pattern and p.rule}

    @property
    def outputs(self) -> list[str]:
        """Template names that render to files in a stack (`*.tf.j2`), in output order."""
        return sorted(n for n in self.sources if n.startswith(self.folder + "/") and n.endswith(".tf.j2"))


@dataclass(frozen=True)
class Catalog:
    kinds: dict[str, Kind]
    shared: dict[str, str]  # templates/_shared partials, importable by every kind

    def get(self, kind: str) -> Kind | None:
        return self.kinds.get(kind)

    def resource_types(self, kinds: set[str]) -> dict[str, ResourceType]:
        out: dict[str, ResourceType] = {}
        for k in kinds:
            kind = self.get(k)
            if kind:
                out.update(kind.spec.resources)
        return out

    def encryption_keys(self) -> dict[str, str]:
        """Resource type -> where it names its KMS key, as the kinds declare it (for the org's checks)."""
        out: dict[str, str] = {}
        for name in sorted(self.kinds):
            for rtype, declared in self.kinds[name].spec.resources.items():
                if declared.encryption_key:
                    out.setdefault(rtype, declared.encryption_key)
        return out

    def kinds_reached_by(self, path: str) -> list[str]:
        """Kinds a change to `path` under templates/ reaches (all kinds for shared partials)."""
        if path.startswith(SHARED):
            return sorted(self.kinds)
        parts = PurePosixPath(path).parts
        if len(parts) < 3 or parts[0] != TEMPLATES:
            return []
        return [k.name for k in self.kinds.values() if k.folder == parts[1]]


# ----------------------------------------------------------------------------- request models

FreeText = Annotated[str, StringConstraints(max_length=256), AfterValidator(nfc)]


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name = Field(description="Lowercase letters, digits and single dashes; unique within the team.")
    team: Name = Field(description="Owning team; must match the folder and exist in policies/teams.yaml.")
    environment: Env
    costCenter: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="Cost center charged for this resource, e.g. CC-1042."
    )
    description: FreeText = Field(default="", description="Free text; shows up in resource tags.")
    waivers: list[Any] = Field(
        default_factory=list,
        description="Time-boxed exceptions: [{check, reason, expires}]; they need platform approval.",
    )


def _text(max_length: int, pattern: str | None = None) -> Any:
    return Annotated[str, StringConstraints(strict=True, pattern=pattern, max_length=max_length), AfterValidator(nfc)]


def _annotation(p: Parameter) -> Any:
    if p.type == "string":
        return Literal[tuple(p.enum)] if p.enum else _text(p.max_length or 1024, p.pattern)
    if p.type in ("integer", "number"):
        base: type = int if p.type == "integer" else float
        return Annotated[base, Field(strict=True, ge=p.minimum, le=p.maximum)]
    if p.type == "boolean":
        return Annotated[bool, Field(strict=True)]
    item = Annotated[str, StringConstraints(strict=True, max_length=p.max_length or 256), AfterValidator(nfc)]
    if p.type == "list":
        return Annotated[list[item], Field(max_length=p.max_items or 50)]
    key = Annotated[str, StringConstraints(pattern=p.pattern or r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    return Annotated[dict[key, item], Field(max_length=p.max_items or 50)]


def _usage_model(spec: TemplateFile) -> Any:
    usage_fields: dict[str, Any] = {
        k: (Annotated[float, Field(ge=0)] | None, Field(None, description=f"{u.description} ({u.unit})"))
        for k, u in spec.usage.items()
    }
    model = create_model(f"{spec.kind}Usage", __config__=ConfigDict(extra="forbid", strict=True), **usage_fields)
    return (model | None, Field(None, description="Usage assumptions for cost estimates"))


def build_request_model(spec: TemplateFile) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for pname, p in spec.parameters.items():
        default = ... if p.required else p.default
        fields[pname] = (_annotation(p), Field(default, description=p.description, validate_default=True))
    if spec.usage:
        fields["usage"] = _usage_model(spec)
    spec_model = create_model(f"{spec.kind}Spec", __config__=ConfigDict(extra="forbid", strict=True), **fields)
    api_version: Any = Literal[API_VERSION]
    kind: Any = Literal[spec.kind]
    model: type[BaseModel] = create_model(
        f"{spec.kind}Request",
        __config__=ConfigDict(extra="forbid", strict=True, title=spec.kind, populate_by_name=True),
        apiVersion=(api_version, ...),
        kind=(kind, ...),
        metadata=(Metadata, ...),
        spec=(spec_model, Field(default_factory=dict)),
    )
    return model


# ----------------------------------------------------------------------------- loading


def _declaration(tree: Tree, folder: str) -> TemplateFile:
    decl_path = f"{TEMPLATES}/{folder}/template.yaml"
    data = tree.read(decl_path)
    if data is None:
        raise InputError([Problem(decl_path, 1, 1, "every template folder needs a template.yaml")])
    doc = yamlsrc.load(data, decl_path, max_bytes=256 * 1024)
    try:
        return TemplateFile.model_validate(doc.value)
    except ValidationError as e:
        raise InputError(files.problems_from(e, doc, TemplateFile.RETIRED_FIELDS, TemplateFile)) from None


def _sources(tree: Tree, paths: list[str]) -> dict[str, str]:
    return {
        p.removeprefix(TEMPLATES + "/"): yamlsrc.decode_utf8(tree.read(p) or b"", p) for p in paths if p.endswith(".j2")
    }


def _load_kind(tree: Tree, folder: str, paths: list[str]) -> Kind:
    spec = _declaration(tree, folder)
    sources = _sources(tree, paths)
    decl_path = f"{TEMPLATES}/{folder}/template.yaml"
    if not any(n.endswith(".tf.j2") for n in sources):
        raise InputError([Problem(decl_path, 1, 1, f"{TEMPLATES}/{folder}/ has no *.tf.j2 template")])
    try:
        model = build_request_model(spec)
    except (TypeError, ValueError, re.error) as e:
        raise InputError([Problem(decl_path, 1, 1, f"parameters do not form a valid schema: {e}")]) from None
    return Kind(folder=folder, spec=spec, sources=sources, request_model=model)


def _folders(tree: Tree) -> tuple[dict[str, list[str]], list[str]]:
    """Files per kind folder, and the shared partials."""
    by_folder: dict[str, list[str]] = {}
    shared: list[str] = []
    for path in tree.files(TEMPLATES):
        parts = PurePosixPath(path).parts
        if len(parts) < 3:
            continue
        if path.startswith(SHARED):
            shared.append(path)
        else:
            by_folder.setdefault(parts[1], []).append(path)
    return by_folder, shared


def load(tree: Tree) -> Catalog:
    """Every kind under templates/. Any malformed declaration fails the whole catalog."""
    by_folder, shared = _folders(tree)
    kinds: dict[str, Kind] = {}
    problems: list[Problem] = []
    for folder, paths in sorted(by_folder.items()):
        try:
            kind = _load_kind(tree, folder, paths)
        except InputError as e:
            problems.extend(e.problems)
            continue
        if kind.name in kinds:
            other = kinds[kind.name].folder
            problems.append(
                Problem(f"{TEMPLATES}/{folder}/template.yaml", 1, 1, f"kind {kind.name} is also declared in {other}/")
            )
            continue
        kinds[kind.name] = kind
    if problems:
        raise InputError(problems)
    return Catalog(kinds=kinds, shared=_sources(tree, shared))
