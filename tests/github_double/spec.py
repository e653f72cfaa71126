"""GitHub's OpenAPI description (the shared subset) as a request and response validator."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import SHARED

SPEC_PATH = SHARED / "github-api" / "openapi-subset.json"
METHODS = ("get", "post", "put", "patch", "delete")


def _strip(node: Any) -> Any:
    # The README's known quirk: discriminator values are resolved as component names by the
    # validator; the oneOf alternatives still apply without it.
    # And: some schemas are `nullable` with an `enum` that does not list null (a check run's
    # `conclusion`; the check suite's lists it). GitHub sends null there (a running check has no
    # conclusion), so nullable is read as admitting null, as OpenAPI 3.0.0 to 3.0.2 read it.
    if isinstance(node, dict):
        out = {k: _strip(v) for k, v in node.items() if k != "discriminator"}
        if out.get("nullable") is True and isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _group(m: re.Match[str]) -> str:
    name = m.group(1)
    return f"(?P<{name}>{'.+' if name == 'ref' else '[^/]+'})"  # git refs contain slashes


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    operation: dict[str, Any]


class Spec:
    def __init__(self) -> None:
        self.raw = json.loads(SPEC_PATH.read_text())
        self.doc = _strip(self.raw)
        self.registry = Registry().with_resource(
            "urn:gh", Resource.from_contents(self.doc, default_specification=DRAFT4)
        )
        self.routes: list[Route] = []
        for template, item in self.doc["paths"].items():
            regex = re.sub(r"\{(\w+)\}", _group, template)
            for method in METHODS:
                if method in item:
                    self.routes.append(Route(method.upper(), template, re.compile(f"^{regex}$"), item[method]))

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for r in self.routes:
            m = r.pattern.match(path)
            if r.method == method and m:
                return r, m.groupdict()
        return None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            parts = node["$ref"].removeprefix("#/").split("/")
            target: Any = self.doc
            for p in parts:
                target = target[p]
            node = target
        return node

    def _errors(self, pointer: str, value: Any) -> list[str]:
        validator = OAS30Validator({"$ref": f"urn:gh#{pointer}"}, registry=self.registry)
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message[:200]}"
            for e in validator.iter_errors(value)
        ]

    def example(self, name: str) -> Any:
        return copy.deepcopy(self.raw["components"]["examples"][name]["value"])

    def request_errors(self, route: Route, params: dict[str, str], query: dict[str, str], body: Any) -> list[str]:
        op = route.operation
        errors = []
        declared = {}
        for p in op.get("parameters", []):
            p = self._resolve(p)
            declared[(p["in"], p["name"])] = p
        for name, value in params.items():
            schema = declared.get(("path", name), {}).get("schema", {})
            if schema.get("type") == "integer" and not value.isdigit():
                errors.append(f"path parameter {name}={value!r} is not an integer")
        for name in query:
            if ("query", name) not in declared:
                errors.append(f"query parameter {name!r} is not accepted by {route.method} {route.template}")
        rb = op.get("requestBody")
        if rb is not None:
            rb = self._resolve(rb)
            if body is None:
                if rb.get("required"):
                    errors.append("a request body is required")
            else:
                pointer = "/paths/" + route.template.replace("~", "~0").replace("/", "~1") + f"/{route.method.lower()}"
                schema_ptr = pointer + "/requestBody/content/application~1json/schema"
                errors += [f"request {e}" for e in self._errors(schema_ptr, body)]
        elif body not in (None, {}, b""):
            errors.append(f"{route.method} {route.template} takes no request body")
        return errors

    def response_errors(self, route: Route, status: int, body: Any) -> list[str]:
        responses = route.operation["responses"]
        key = str(status) if str(status) in responses else ("default" if "default" in responses else None)
        if key is None:
            return [f"status {status} is not a documented response of {route.method} {route.template}"]
        response = self._resolve(responses[key])
        content = response.get("content", {}).get("application/json")
        if content is None:
            if body in (None, b"", ""):
                return []
            if status >= 400:
                # GitHub sends its standard error object with every client error, documented in the REST
                # overview rather than under each operation: accept that, and only that.
                errors = self._errors("/components/schemas/validation-error", body) if "errors" in body else []
                return [f"response {e}" for e in errors or self._errors("/components/schemas/basic-error", body)]
            return [f"status {status} of {route.template} has no body in the spec"]
        pointer = "/paths/" + route.template.replace("~", "~0").replace("/", "~1") + f"/{route.method.lower()}"
        if "$ref" in responses[key]:
            name = responses[key]["$ref"].rsplit("/", 1)[-1]
            schema_ptr = f"/components/responses/{name}/content/application~1json/schema"
        else:
            schema_ptr = f"{pointer}/responses/{key}/content/application~1json/schema"
        return [f"response {e}" for e in self._errors(schema_ptr, body)]


_SPEC: Spec | None = None


def spec() -> Spec:
    """The one parsed description, shared by every double in the process."""
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec()
    return _SPEC
