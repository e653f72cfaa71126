"""The hostile and broken pull requests, by class. Each says what the developer and the gate must see."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.adversarial.arena import request

Q = "requests/payments/jobs.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    cls: str
    says: str  # a phrase the developer must read (validate, plan or the report)
    tier: str | None  # the gate's verdict; None: nothing to plan (no stack, no governance)
    writes: dict[str, str | bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    render: bool = False


def _spec(case_id: str, spec: str, says: str, cls: str = "yaml") -> Case:
    return Case(case_id, cls, says, "blocked", {Q: request(spec=spec)})


def _text(case_id: str, description: str, says: str = "text contains U+") -> Case:
    return Case(case_id, "control", says, "blocked", {Q: request(description=description)})


GOVERNANCE = "changes platform-owned paths"
_BUILD_FILES = [
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "Makefile",
    "requirements.txt",
    "tox.ini",
    "noxfile.py",
    "conftest.py",
    "sitecustomize.py",
    ".pre-commit-config.yaml",
    "MANIFEST.in",
    "README.md",
    ".gitignore",
    "docs/index.md",
    "requests/README.md",
    ".github/CODEOWNERS",
    ".github/workflows/evil.yml",
    "bench/gen.py",
    "scripts/deploy.sh",
    "rendered/README.md",
    "templates/queue/NOTES.md",
    "policies/extra.yaml",
]
# a file under requests/ that is no request is refused outright (blocked beats high)
CASES: list[Case] = [
    Case(
        f"governance-{p.replace('/', '-')}",
        "governance",
        GOVERNANCE,
        "blocked" if p.startswith("requests/") else "high",
        {p: "# harmless-looking\n" if p.startswith("templates/") else "print('pwned')\n"},
    )
    for p in _BUILD_FILES
]
CASES += [
    Case(
        "governance-beside-a-valid-request",
        "governance",
        GOVERNANCE,
        "high",
        {Q: request(), "setup.py": "import os\n"},
        render=True,
    ),
    # a PR that deletes a file the gate reads would, once merged, block every PR: it is blocked itself
    Case(
        "governance-removes-a-policy-file",
        "governance",
        "required file is missing",
        "blocked",
        remove=("policies/risk.yaml",),
    ),
]

# ----------------------------------------------------------------------------- YAML that must not load
CASES += [
    _spec("tag-int", "{retentionDays: !!int abc}", "YAML tags (!!int) are not allowed"),
    _spec("tag-binary", "{retentionDays: !!binary aGVsbG8=}", "YAML tags (!!binary) are not allowed"),
    _spec("tag-python-object", "{x: !!python/object/apply:os.system [id]}", "YAML tags (!!python/object/apply"),
    _spec("tag-python-name", "{x: !!python/name:os.system x}", "YAML tags (!!python/name:os.system)"),
    _spec("tag-python-module", "{x: !!python/module:os x}", "YAML tags (!!python/module:os)"),
    _spec("tag-local", "{x: !local thing}", "YAML tags (!local) are not allowed"),
    _spec("tag-nonspecific", "{retentionDays: ! 4}", "YAML tags (!) are not allowed"),
    _spec("tag-str", "{retentionDays: !!str 4}", "YAML tags (!!str) are not allowed"),
    _spec("tag-on-mapping", "!!map {retentionDays: 4}", "YAML tags (!!map) are not allowed"),
    _spec("tag-set", "!!set {a, b}", "YAML tags (!!set) are not allowed"),
    _spec("tag-timestamp", "{retentionDays: !!timestamp 2026-01-01}", "YAML tags (!!timestamp)"),
    _spec("anchor", "&a {retentionDays: 4}", "YAML anchors (&name) are not allowed"),
    Case(
        "alias",
        "yaml",
        "YAML aliases (*name) are not allowed",
        "blocked",
        {Q: request(spec="{delaySeconds: *d}")},
    ),
    Case(
        "merge-key",
        "yaml",
        "YAML anchors (&name) are not allowed",
        "blocked",
        {Q: request(extra_meta="  x: &base {a: 1}\n", spec="{<<: *base}")},
    ),
    _spec("duplicate-key", "{retentionDays: 4, retentionDays: 5}", "duplicate key 'retentionDays'"),
    _spec("integer-key", "{1: 4}", "must be a string"),
    _spec("null-key", "{~: 4}", "must be a string"),
    _spec("list-key", "{[a]: 4}", "mapping keys must be plain strings"),
    _spec("spec-is-a-list", "[1, 2]", "spec"),
    _spec("spec-is-text", "hello", "spec"),
    Case("document-is-a-list", "yaml", "requests/payments/jobs.yaml:1", "blocked", {Q: "- a\n- b\n"}),
    Case("document-is-a-number", "yaml", "requests/payments/jobs.yaml:1", "blocked", {Q: "42\n"}),
    Case("empty-file", "yaml", "requests/payments/jobs.yaml:1", "blocked", {Q: ""}),
    Case("only-a-comment", "yaml", "requests/payments/jobs.yaml:1", "blocked", {Q: "# nothing\n"}),
    Case("two-documents", "yaml", "invalid YAML", "blocked", {Q: request() + "---\n" + request()}),
    Case("tab-indent", "yaml", "indents with spaces only", "blocked", {Q: request().replace("  name:", "\tname:")}),
    Case("unclosed-flow", "yaml", "invalid YAML", "blocked", {Q: request(spec="{retentionDays: 4")}),
    Case("unclosed-quote", "yaml", "invalid YAML", "blocked", {Q: request(description='"never closed')}),
    Case("not-utf8", "yaml", "not valid UTF-8", "blocked", {Q: request().encode() + b"# \xff\xfe\n"}),
    Case("utf16", "yaml", "not valid UTF-8", "blocked", {Q: request().encode("utf-16")}),
    Case("over-64-kib", "yaml", "the limit is 64 KiB", "blocked", {Q: request() + "#" + "x" * 70_000 + "\n"}),
    Case("nul-byte-raw", "yaml", "requests/payments/jobs.yaml:", "blocked", {Q: request(description="a\x00b")}),
    Case(
        "deep-nesting",
        "yaml",
        "requests/payments/jobs.yaml:",
        "blocked",
        {Q: request(spec="{x: " + "[" * 400 + "]" * 400 + "}")},
    ),
    Case("unknown-apiversion", "yaml", "apiVersion", "blocked", {Q: request().replace("ssops/v1", "ssops/v9")}),
    Case("unknown-kind", "yaml", "kind", "blocked", {Q: request(kind="Mainframe")}),
    Case("kind-is-a-list", "yaml", "kind", "blocked", {Q: request(kind="[Queue]")}),
    Case("metadata-missing", "yaml", "metadata", "blocked", {Q: "apiVersion: ssops/v1\nkind: Queue\nspec: {}\n"}),
]

# ----------------------------------------------------------------------------- numbers and dates
_WAIVER = "  waivers:\n    - check: CKV_AWS_27\n      reason: tested\n      expires: {}\n"
CASES += [
    _spec("inf", "{retentionDays: .inf}", "'.inf' is not a finite number", "numbers"),
    _spec("minus-inf", "{retentionDays: -.inf}", "'-.inf' is not a finite number", "numbers"),
    _spec("nan", "{retentionDays: .nan}", "'.nan' is not a finite number", "numbers"),
    _spec("exponent-overflow", "{retentionDays: 1.0e+400}", "'1.0e+400' is not a finite number", "numbers"),
    _spec("exponent-without-dot", "{retentionDays: 1e400}", "spec.retentionDays", "numbers"),  # YAML 1.1: text
    _spec("huge-float", "{retentionDays: 1e308}", "spec.retentionDays", "numbers"),
    _spec("huge-int", "{retentionDays: " + "9" * 60 + "}", "spec.retentionDays", "numbers"),
    _spec("negative", "{retentionDays: -1}", "spec.retentionDays", "numbers"),
    _spec("float-for-int", "{retentionDays: 4.5}", "spec.retentionDays", "numbers"),
    _spec("bool-for-int", "{retentionDays: true}", "spec.retentionDays", "numbers"),
    _spec("string-for-bool", "{fifo: sometimes}", "spec.fifo", "numbers"),
    _spec("usage-inf", "{usage: {requests: .inf}}", "is not a finite number", "numbers"),
    _spec("usage-nan", "{usage: {requests: .nan}}", "is not a finite number", "numbers"),
    _spec("usage-negative", "{usage: {requests: -5}}", "spec.usage.requests", "numbers"),
    _spec("usage-1e308", "{usage: {requests: 1e308}}", "spec.usage.requests", "numbers"),
    _spec("usage-text", "{usage: {requests: lots}}", "spec.usage.requests", "numbers"),
    _spec("date-for-int", "{retentionDays: 2026-01-01}", "spec.retentionDays", "dates"),
    _spec("impossible-date", "{retentionDays: 2026-02-29}", "'2026-02-29' is not a valid date", "dates"),
    Case(
        "waiver-feb-29-non-leap",
        "dates",
        "'2027-02-29' is not a valid date",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("2027-02-29"))},
    ),
    Case(
        "waiver-month-13",
        "dates",
        "'2026-13-01' is not a valid date",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("2026-13-01"))},
    ),
    Case(
        "waiver-day-32",
        "dates",
        "'2026-01-32' is not a valid date",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("2026-01-32"))},
    ),
    Case(
        "waiver-date-as-text",
        "dates",
        "expires",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("next week"))},
    ),
    Case(
        "waiver-timestamp-overflow",
        "dates",
        "'99999-01-01'",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("99999-01-01"))},
    ),
]

# ----------------------------------------------------------------------------- controls and bidi in text
CASES += [
    Case(
        "raw-carriage-return",
        "control",
        "a carriage return without a line feed",
        "blocked",
        {Q: request(description="fine\r## Approved by the platform team")},
    ),
    _text("escaped-carriage-return", '"fine\\r## Approved"'),
    _text("escaped-nul", '"a\\0b"'),
    _text("escape-sequence", '"\\e[31mred"'),
    _text("bell", '"\\a"'),
    _text("delete", '"a\\x7fb"'),
    _text("c1-next-line", '"a\\x85b"'),
    _text("c1-csi", '"a\\x9bb"'),
    _text("rlo", '"admin\\u202e"'),
    _text("lro", '"a\\u202db"'),
    _text("rle", '"a\\u202bb"'),
    _text("pdf", '"a\\u202cb"'),
    _text("rli-isolate", '"a\\u2067b"'),
    _text("fsi-isolate", '"a\\u2068b"'),
    _text("pdi-isolate", '"a\\u2069b"'),
    _text("rlm", '"a\\u200fb"'),
    _text("arabic-letter-mark", '"a\\u061cb"'),
    _text("bidi-raw", "a\u202eb"),
    Case(
        "bidi-in-a-key",
        "control",
        "key contains U+202E",
        "blocked",
        {Q: request(spec='{"retention\\u202eDays": 4}')},
    ),
    Case(
        "bidi-in-a-waiver-reason",
        "control",
        "text contains U+202E",
        "blocked",
        {Q: request(extra_meta=_WAIVER.format("2026-12-31").replace("tested", '"te\\u202ested"'))},
    ),
]

# ----------------------------------------------------------------------------- files skipped or followed
CASES += [
    Case(
        "link-to-a-system-file",
        "files",
        "is a symbolic link",
        "blocked",
        links={"requests/payments/evil.yaml": "/etc/passwd"},
    ),
    Case(
        "dangling-link",
        "files",
        "is a symbolic link",
        "blocked",
        links={"requests/payments/gone.yaml": "nowhere.yaml"},
    ),
    Case(
        "link-to-another-request",
        "files",
        "is a symbolic link",
        "blocked",
        links={"requests/payments/copy.yaml": "orders-db.yaml"},
    ),
    Case(
        "link-to-policies-folder",
        "files",
        "is a symbolic link",
        "blocked",  # refused outright; it is also a governance path (not requests/<team>/<name>.yaml)
        links={"requests/policies": "../policies"},
    ),
    Case(
        "link-in-rendered",
        "files",
        "is a symbolic link",
        "blocked",
        links={"rendered/payments/receipts/extra.tf": "/etc/passwd"},
    ),
    Case(
        "yml-beside-yaml",
        "files",
        "both ask for stack payments/receipts",
        "blocked",
        {"requests/payments/receipts.yml": request(kind="ObjectBucket", name="receipts")},
    ),
    Case(
        "stray-rendered-file",
        "files",
        "rendered/payments/ghost/main.tf",
        "blocked",
        {"rendered/payments/ghost/main.tf": 'resource "null_resource" "x" {}\n'},
    ),
    Case(
        "hand-edited-rendering",
        "files",
        "rendered/payments/receipts/main.tf",
        "blocked",
        {"rendered/payments/receipts/main.tf": 'resource "null_resource" "x" {}\n'},
    ),
    Case(
        "request-outside-a-team",
        "files",
        "requests live at requests/<team>/<name>.yaml",
        "blocked",
        {"requests/x.yaml": request()},
    ),
    Case(
        "request-too-deep",
        "files",
        "requests live at requests/<team>/<name>.yaml",
        "blocked",
        {"requests/payments/sub/x.yaml": request()},
    ),
    Case("json-request", "files", "requests live at", "blocked", {"requests/payments/jobs.json": "{}"}),
    Case("uppercase-file-name", "files", "must be", "blocked", {"requests/payments/Jobs.yaml": request(name="Jobs")}),
]

# ----------------------------------------------------------------------------- names
CASES += [
    Case(
        "team-name-twin",
        "names",
        "would give their prod resources the same cloud names",
        "blocked",
        # the arena's base has a team `payments-orders` beside `payments`, which has `orders-db` in prod
        {
            "requests/payments-orders/db.yaml": request(
                kind="PostgresDatabase",
                name="db",
                team="payments-orders",
                env="prod",
                spec="{size: small, storageGb: 20}",
            )
        },
    ),
    Case(
        "name-over-the-cloud-limit",
        "names",
        "but AWS allows 40",
        "blocked",
        {
            "requests/payments/checkout-session-cache-primary.yaml": request(
                kind="RedisCache", name="checkout-session-cache-primary", env="staging", spec="{}"
            )
        },
    ),
    Case(
        "double-dash",
        "names",
        "must be lowercase letters, digits and single dashes",
        "blocked",
        {"requests/payments/a--b.yaml": request(name="a--b")},
    ),
    Case("name-mismatch", "names", "metadata.name", "blocked", {Q: request(name="other")}),
    Case("team-mismatch", "names", "metadata.team", "blocked", {Q: request(team="search")}),
    Case(
        "reserved-word",
        "names",
        "platform or AWS",
        "blocked",
        {"requests/payments/admin-q.yaml": request(name="admin-q")},
    ),
]
