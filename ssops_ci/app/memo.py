"""Parsed requests and rendered files remembered by the digest of everything they are made from.

A parsed request is a function of its path, its bytes, the catalog and the teams; a request's files
are a function of the request and of what the renderer reads (catalog, shared partials, platform,
allowed providers). The cache namespaces ssops-ci's own code. A key is a digest of all of it, so an
entry is only ever reused for exactly the same inputs; a damaged or foreign entry is computed again.
Failures are never remembered, and a parsed request is kept only if reading it back gives the same
value.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ValidationError

from ssops_ci.config.catalog import Catalog
from ssops_ci.config.teams import Teams
from ssops_ci.model.request import Request
from ssops_ci.ports import Cache
from ssops_ci.stages import validate
from ssops_ci.stages.render import Renderer


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


class ParsedRequests:
    """`validate.parse`, remembered."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._contexts: dict[tuple[int, int], str] = {}

    def _context(self, catalog: Catalog, teams: Teams | None) -> str:
        # one catalog and one teams file per run: worked out once
        key = (id(catalog), id(teams))
        if key not in self._contexts:
            specs = [k.spec.model_dump_json() for _, k in sorted(catalog.kinds.items())]
            self._contexts[key] = _digest(*specs, teams.model_dump_json() if teams else "")
        return self._contexts[key]

    def __call__(self, path: str, data: bytes, catalog: Catalog, teams: Teams | None) -> Request:
        key = _digest("parse", self._context(catalog, teams), path, data)
        found = self.cache.get(key)
        if found is not None:
            try:
                return Request.model_validate(found)
            except ValidationError:
                pass  # damaged: parsed again
        req = validate.parse(path, data, catalog, teams)
        kept = json.loads(req.model_dump_json())
        if Request.model_validate(kept) == req:
            self.cache.put(key, kept)
        return req


class RenderedFiles:
    def __init__(self, renderer: Renderer, cache: Cache | None) -> None:
        self.renderer = renderer
        self.cache = cache
        self._context = renderer.fingerprint() if cache is not None else ""

    def of(self, req: Request) -> dict[str, str]:
        """File name -> text of the request's stack (raises InputError as rendering does)."""
        if self.cache is None:
            return self.renderer.render(req).files
        key = _digest("render", self._context, req.model_dump_json())
        found = self.cache.get(key)
        files = found.get("files") if found else None
        if isinstance(files, dict) and files and all(isinstance(v, str) for v in files.values()):
            return {str(k): v for k, v in files.items()}
        files = self.renderer.render(req).files
        self.cache.put(key, {"files": files})
        return files
