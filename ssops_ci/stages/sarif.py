"""SARIF 2.1.0 output, so GitHub code scanning shows findings inline on the pull request."""

from __future__ import annotations

import json
from typing import Any

from ssops_ci import __version__
from ssops_ci.model.finding import Finding
from ssops_ci.model.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _level(f: Finding) -> str:
    return "error" if f.blocking else _LEVEL[f.severity] if _LEVEL[f.severity] != "error" else "warning"


def build(report: Report) -> dict[str, Any]:
    findings = [f for s in report.stacks for f in s.findings]
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in findings:
        rules.setdefault(
            f.check_id,
            {
                "id": f.check_id,
                "name": f.check_id.replace(".", "_"),
                "shortDescription": {"text": f.message.split(" (")[0][:200]},
                "helpUri": f.link or "https://github.com/acme/ssops#readme",
                "properties": {"source": f.source, "severity": f.severity},
            },
        )
        location: dict[str, Any] = {"artifactLocation": {"uri": f.file or f"requests/{f.stack}.yaml"}}
        if f.line:
            location["region"] = {"startLine": f.line}
        results.append(
            {
                "ruleId": f.check_id,
                "level": _level(f),
                "message": {"text": f"{f.stack}: {f.message}. Fix: {f.remediation}"},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {"ssopsFinding": f"{f.stack}/{f.check_id}/{f.resource or ''}"},
                **({"suppressions": [{"kind": "external", "justification": f.waiver_reason}]} if f.waived else {}),
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ssops-ci",
                        "version": __version__,
                        "informationUri": "https://github.com/acme/ssops",
                        "rules": list(rules.values()),
                    }
                },
                "versionControlProvenance": [{"repositoryUri": "ssops", "revisionId": report.head}],
                "results": results,
            }
        ],
    }


def dumps(report: Report) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"
