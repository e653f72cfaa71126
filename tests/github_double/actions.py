"""GitHub Actions, simulated over the double: which of the repository's real workflow files an event
starts, by GitHub's documented rules, and running their jobs and steps.

- Events a workflow's GITHUB_TOKEN causes start no workflow, except workflow_dispatch.
- push, pull_request and pull_request_review use the workflow file of the commit they are about (a pull
  request's own copy); workflow_run and check_suite use the default branch's; a dispatch the ref's.
- A job's token holds exactly its `permissions:`; a fork's pull request gets a read-only token and no
  secrets; an environment's secrets reach only jobs running for the default branch.
- `run:` steps run in bash for real (ssops-ci, git); actions are played by the simulator: checkout
  clones the double's origin at the asked ref and depth, upload/download-artifact go through the double.
"""

from __future__ import annotations

import fnmatch
import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github_double.expressions import condition, interpolate, text
from tests.github_double.server import GitHubDouble
from tests.github_double.state import ACTIONS_APP_ID, Artifact, CheckRun, Event, WorkflowRun, now
from tests.github_double.triggers import WORKFLOW_RUN_LEVELS, started

PERMISSION_NAMES = {"pull-requests": "pull_requests", "id-token": None, "security-events": None}


@dataclass
class Settings:
    """What the repository's Actions settings hold."""

    vars: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> its secrets (default branch only)
    tool_dirs: list[Path] = field(default_factory=list)  # put on PATH (terraform, for setup-terraform)
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class JobResult:
    name: str
    result: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""


@dataclass
class Run:
    run: WorkflowRun
    jobs: list[JobResult]

    @property
    def conclusion(self) -> str:
        return self.run.conclusion or "?"

    def log(self) -> str:
        return "\n".join(f"--- {j.name}: {j.result}\n{j.log}" for j in self.jobs)


def _bin_shims(root: Path) -> Path:
    """A `python` that skips `pip install` (ssops-ci is installed already) and runs anything else for real."""
    shims = root / "shims"
    shims.mkdir(parents=True, exist_ok=True)
    python = shims / "python"
    python.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = -m ] && [ "$2" = pip ] && [ "$3" = install ]; then echo "(pip install skipped)"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    return shims


class Actions:
    def __init__(self, double: GitHubDouble, workdir: Path, settings: Settings | None = None) -> None:
        self.double = double
        self.workdir = workdir
        self.settings = settings or Settings()
        self.runs: list[Run] = []
        self.held: set[str] = set()
        self.waiting: list[_Queued] = []
        self.shims = _bin_shims(workdir)
        self.double.origin.git.config("uploadpack.allowAnySHA1InWant", "true")

    # ------------------------------------------------------------------ events -> runs

    def drain(self, limit: int = 40) -> list[Run]:
        """Process events until nothing more happens; returns the runs that ran (held workflows wait)."""
        ran: list[Run] = []
        while self.double.events:
            event = self.double.events.pop(0)
            for file, doc in self.triggered(event):
                queued = self._queue(file, doc, event)
                if file in self.held:
                    self._wait(queued)
                    continue
                if len(ran) >= limit:
                    names = [r.run.workflow for r in ran]
                    raise RuntimeError(f"more than {limit} workflow runs: an event loop? {names}")
                ran.append(self._execute(queued))
        return ran

    def hold(self, *files: str) -> None:
        """Runs of these workflows wait in the queue (a busy runner pool) until released."""
        self.held.update(files)

    def release(self, *files: str, limit: int = 40) -> list[Run]:
        """Run what waited for these workflows, in order, then everything that follows from it."""
        self.held.difference_update(files)
        ready = [q for q in self.waiting if q.file in files]
        self.waiting = [q for q in self.waiting if q.file not in files]
        return [self._execute(q) for q in ready] + self.drain(limit)

    def _wait(self, queued: _Queued) -> None:
        """GitHub's concurrency rule: a group holds at most one pending run; a newer one cancels it."""
        for older in [q for q in self.waiting if queued.group and q.group == queued.group]:
            self.waiting.remove(older)
            self._cancel(older)
        self.waiting.append(queued)

    def _cancel(self, queued: _Queued) -> None:
        run = queued.run
        run.status, run.conclusion = "completed", "cancelled"
        for check in queued.checks:
            check.status, check.conclusion, check.completed_at = "completed", "cancelled", now()
        done = Run(run, [])
        self.runs.append(done)
        self._completed(done, queued.event, queued.fork, queued.level)

    def workflows_at(self, sha: str) -> dict[str, dict[str, Any]]:
        git = self.double.origin.git
        try:
            names = git.ls_tree("--name-only", sha, ".github/workflows/").splitlines()
        except Exception:
            return {}
        out = {}
        for path in names:
            if path.endswith((".yml", ".yaml")):
                doc = yaml.load(git.show(f"{sha}:{path}"), Loader=yaml.BaseLoader)  # noqa: S506 - builds nothing
                out[Path(path).name] = doc if isinstance(doc, dict) else {}
        return out

    def _files_for(self, event: Event) -> str:
        """Which commit's workflow files an event runs."""
        if event.name in ("push", "pull_request", "pull_request_review", "workflow_dispatch"):
            return event.sha
        return self.double.sha("main")

    def triggered(self, event: Event) -> list[tuple[str, dict[str, Any]]]:
        workflows = self.workflows_at(self._files_for(event))
        files = started(workflows, event.name, event.payload, event.actor.kind)
        return [(f, workflows[f]) for f in files]

    # ------------------------------------------------------------------ one run

    def _github(self, event: Event, run: WorkflowRun, doc: dict[str, Any]) -> dict[str, Any]:
        payload = {**event.payload}
        payload.setdefault("repository", {"full_name": "acme/ssops", "default_branch": "main", "name": "ssops"})
        sha, ref = event.sha, event.ref
        if event.name in ("workflow_run", "check_suite"):
            sha, ref = self.double.sha("main"), "refs/heads/main"
        return {
            "event_name": event.name,
            "event": payload,
            "sha": sha,
            "ref": ref,
            "ref_name": ref.rsplit("/", 1)[-1],
            "repository": "acme/ssops",
            "repository_owner": "acme",
            "run_id": str(run.id),
            "run_attempt": "1",
            "actor": event.actor.login,
            "workflow": doc.get("name", run.workflow),
            "server_url": "https://github.example",
            "api_url": self.double.url,
        }

    def _queue(self, file: str, doc: dict[str, Any], event: Event) -> _Queued:
        """A new run, queued: its concurrency group and its jobs' check runs exist from now on."""
        pr_numbers = [int(event.payload["pull_request"]["number"])] if "pull_request" in event.payload else []
        run = WorkflowRun(
            id=next(self.double._ids),
            workflow=file,
            name=doc.get("name", file),
            event=event.name,
            head_sha=event.sha,
            head_branch=event.ref.removeprefix("refs/heads/"),
            actor=event.actor.login,
            status="queued",
            pull_requests=pr_numbers,
        )
        self.double.runs[run.id] = run
        github = self._github(event, run, doc)
        title = doc.get("run-name")
        ctx = {"github": github, "inputs": event.payload.get("inputs") or {}, "vars": self.settings.vars}
        run.display_title = text(interpolate(title, ctx)) if title else run.name
        fork = bool(
            ((event.payload.get("pull_request") or {}).get("head") or {}).get("repo", {}).get("full_name", "acme/ssops")
            != "acme/ssops"
        )
        level = event.level + 1 if event.name == "workflow_run" else 1
        concurrency = doc.get("concurrency")
        group = concurrency.get("group") if isinstance(concurrency, dict) else concurrency
        queued = _Queued(file, doc, event, run, github, fork, level, text(interpolate(group, ctx)) if group else None)
        for key, job in (doc.get("jobs") or {}).items():
            name = str(job.get("name", key))
            if "${{" not in name and "strategy" not in job:
                check = CheckRun(next(self.double._ids), name, run.head_sha, ACTIONS_APP_ID, "queued")
                self.double.check_runs[check.id] = check
                queued.checks.append(check)
        return queued

    def run(self, file: str, doc: dict[str, Any], event: Event) -> Run:
        return self._execute(self._queue(file, doc, event))

    def _execute(self, queued: _Queued) -> Run:
        run = queued.run
        run.status = "in_progress"
        jobs = self._jobs(queued)
        run.status = "completed"
        run.conclusion = "failure" if any(j.result == "failure" for j in jobs) else "success"
        done = Run(run, jobs)
        self.runs.append(done)
        self._completed(done, queued.event, queued.fork, queued.level)
        return done

    def _completed(self, done: Run, event: Event, fork: bool, level: int) -> None:
        run = done.run
        payload = {
            "action": "completed",
            "workflow_run": {
                "id": run.id,
                "name": run.name,
                "head_sha": run.head_sha,
                "head_branch": run.head_branch,
                "event": run.event,
                "conclusion": run.conclusion,
                "display_title": run.display_title,
                # GitHub lists the run's pull requests only when the head is in this repository.
                "pull_requests": [] if fork else [{"number": n} for n in run.pull_requests],
            },
        }
        if level < WORKFLOW_RUN_LEVELS:
            completed = Event("workflow_run", payload, event.actor, run.head_sha, "refs/heads/main", level)
            self.double.events.append(completed)

    def _jobs(self, q: _Queued) -> list[JobResult]:
        results: dict[str, JobResult] = {}
        out: list[JobResult] = []
        pending = dict(q.doc.get("jobs") or {})
        while pending:
            ready = [n for n, j in pending.items() if all(d in results for d in _needs(j))]
            if not ready:
                raise RuntimeError(f"jobs waiting on each other: {sorted(pending)}")
            for name in ready:
                job = pending.pop(name)
                result = self._job(q, name, job, results)
                results[name] = result
                out.append(result)
        return out

    def _context(self, q: _Queued, results: dict[str, JobResult], job: dict[str, Any]) -> dict[str, Any]:
        needs = {d: {"result": results[d].result, "outputs": results[d].outputs} for d in _needs(job)}
        inputs = q.event.payload.get("inputs") or {}
        return {"github": q.github, "needs": needs, "inputs": inputs, "vars": self.settings.vars, "env": {}}

    def _job(self, q: _Queued, name: str, job: dict[str, Any], results: dict[str, JobResult]) -> JobResult:
        ctx = self._context(q, results, job)
        status = "success" if all(results[d].result == "success" for d in _needs(job)) else "failure"
        if not condition(job.get("if"), ctx, status):
            self._job_check(q, str(job.get("name", name)), "skipped")
            return JobResult(name, "skipped")
        combos = self._matrix(job, ctx)
        parts = [
            self._instance(q, name, job, {**ctx, "matrix": m, "strategy": {"job-index": i}})
            for i, m in enumerate(combos)
        ]
        result = "failure" if any(p.result == "failure" for p in parts) else "success"
        outputs = {k: v for p in parts for k, v in p.outputs.items()}
        return JobResult(name, result, outputs, "\n".join(p.log for p in parts))

    @staticmethod
    def _matrix(job: dict[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
        matrix = (job.get("strategy") or {}).get("matrix")
        if matrix is None:
            return [{}]
        matrix = interpolate(matrix, ctx)
        axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
        combos = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())] if axes else []
        return combos + list(matrix.get("include") or []) or [{}]

    # ------------------------------------------------------------------ one job on one runner

    def _token(self, job: dict[str, Any], doc: dict[str, Any], fork: bool) -> str:
        declared = job.get("permissions", doc.get("permissions"))
        if declared is None:
            declared = (
                {"contents": "read", "metadata": "read"}
                if self.double.workflow_permissions == "read"
                else {k: "write" for k in ("contents", "pull-requests", "issues", "checks", "statuses", "actions")}
            )
        if isinstance(declared, str):
            declared = {}
        scopes = {}
        for key, level in declared.items():
            scope = PERMISSION_NAMES.get(key, key)
            if scope:
                scopes[scope] = "read" if fork and level == "write" else level
        return self.double.job_token(scopes)

    def _secrets(self, job: dict[str, Any], github: dict[str, Any], fork: bool, token: str) -> dict[str, str]:
        out = {"GITHUB_TOKEN": token}
        if fork:
            return out  # a fork's pull request gets no secrets
        out.update(self.settings.secrets)
        env_name = job.get("environment")
        if env_name:
            env_name = env_name if isinstance(env_name, str) else env_name.get("name")
            if github["ref"] != "refs/heads/main":
                raise PermissionError(
                    f"branch {github['ref']} may not use environment {env_name} (default branch only)"
                )
            out.update(self.settings.environments.get(env_name, {}))
        return out

    def _instance(self, q: _Queued, name: str, job: dict[str, Any], ctx: dict[str, Any]) -> JobResult:
        token = self._token(job, q.doc, q.fork)
        try:
            secrets = self._secrets(job, ctx["github"], q.fork, token)
        except PermissionError as e:
            return JobResult(name, "failure", log=str(e))
        ctx = {**ctx, "secrets": secrets, "github": {**ctx["github"], "token": token}, "steps": {}}
        workspace = self.workdir / f"run{q.run.id}-{name}-{ctx['strategy']['job-index']}"
        workspace.mkdir(parents=True)
        runner = _Runner(self, workspace, q.run, ctx)
        runner.env = {k: text(v) for k, v in interpolate(q.doc.get("env") or {}, ctx).items()}
        job_env = interpolate(job.get("env") or {}, {**ctx, "env": runner.env})
        runner.env.update({k: text(v) for k, v in job_env.items()})
        ok = runner.steps(job.get("steps") or [])
        outputs = {k: text(interpolate(v, runner.ctx)) for k, v in (job.get("outputs") or {}).items()}
        self._job_check(q, text(interpolate(job.get("name", name), ctx)), "success" if ok else "failure")
        return JobResult(name, "success" if ok else "failure", outputs, runner.log)

    def _job_check(self, q: _Queued, name: str, conclusion: str) -> None:
        """GitHub Actions reports every job as a check run of its own app on the run's commit (the one queued
        with the run, when its name was known then)."""
        check = next((c for c in q.checks if c.name == name and c.status != "completed"), None)
        if check is None:
            check = CheckRun(next(self.double._ids), name, q.run.head_sha, ACTIONS_APP_ID)
            self.double.check_runs[check.id] = check
        check.status, check.conclusion, check.completed_at = "completed", conclusion, now()


@dataclass
class _Queued:
    """A workflow run GitHub has created and not yet finished."""

    file: str
    doc: dict[str, Any]
    event: Event
    run: WorkflowRun
    github: dict[str, Any]
    fork: bool
    level: int  # 1, or one more than the run whose completion started it (workflow_run)
    group: str | None  # its concurrency group
    checks: list[CheckRun] = field(default_factory=list)


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


class _Runner:
    """The steps of one job, in one workspace."""

    def __init__(self, actions: Actions, workspace: Path, run: WorkflowRun, ctx: dict[str, Any]) -> None:
        self.a, self.ws, self.run, self.ctx = actions, workspace, run, ctx
        self.env: dict[str, str] = {}
        self.log = ""

    def steps(self, steps: list[dict[str, Any]]) -> bool:
        status = "success"
        for i, step in enumerate(steps):
            step_ctx = {**self.ctx, "env": self.env}
            if not condition(step.get("if"), step_ctx, status):
                continue
            env = {**self.env, **{k: text(v) for k, v in interpolate(step.get("env") or {}, step_ctx).items()}}
            outputs, ok = self.step(step, env, step_ctx, i)
            self.ctx["steps"][step.get("id", f"_{i}")] = {"outputs": outputs, "outcome": "success" if ok else "failure"}
            if not ok:
                status = "failure"
        return status == "success"

    def step(
        self, step: dict[str, Any], env: dict[str, str], ctx: dict[str, Any], i: int
    ) -> tuple[dict[str, str], bool]:
        if "uses" in step:
            action = step["uses"].split("@", 1)[0]
            with_ = {k: text(v) for k, v in interpolate(step.get("with") or {}, ctx).items()}
            return {}, self.action(action, with_)
        return self.shell(text(interpolate(step["run"], ctx)), env, step.get("working-directory"), i)

    # ------------------------------------------------------------------ actions the simulator plays

    def action(self, action: str, with_: dict[str, str]) -> bool:
        plays = {
            "actions/checkout": self.checkout,
            "actions/setup-python": lambda w: True,
            "actions/upload-artifact": self.upload,
            "actions/download-artifact": self.download,
            "hashicorp/setup-terraform": lambda w: True,
            "aws-actions/configure-aws-credentials": lambda w: True,
        }
        if action not in plays:
            raise RuntimeError(f"the simulator does not know action {action}")
        return plays[action](with_)

    def _git(self, *args: str, cwd: Path) -> str:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
        self.log += f"$ git {' '.join(args)}\n{out.stdout}{out.stderr}"
        if out.returncode:
            raise RuntimeError(f"git {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def checkout(self, with_: dict[str, str]) -> bool:
        path = self.ws / with_.get("path", "")
        path.mkdir(parents=True, exist_ok=True)
        ref = with_.get("ref") or self.ctx["github"]["sha"]
        ref = ref if len(ref) == 40 or ref.startswith("refs/") else f"refs/heads/{ref}"
        depth = int(with_.get("fetch-depth") or 1)
        origin = f"file://{self.a.double.origin.git_dir}"
        self._git("init", "-q", cwd=path)
        self._git("remote", "add", "origin", origin, cwd=path)
        if depth == 0:
            self._git("fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*", cwd=path)
            self._git("fetch", "-q", "--no-tags", "origin", ref, cwd=path)
        else:
            self._git("fetch", "-q", "--no-tags", f"--depth={depth}", "origin", ref, cwd=path)
        self._git("checkout", "-q", "--detach", "FETCH_HEAD", cwd=path)
        return True

    def upload(self, with_: dict[str, str]) -> bool:
        source = self.ws / with_["path"].rstrip("/")
        hidden = with_.get("include-hidden-files") == "true"
        files = (
            [source]
            if source.is_file()
            else sorted(p for p in source.rglob("*") if p.is_file())
            if source.exists()
            else []
        )
        base = source.parent if source.is_file() else source
        files = [f for f in files if hidden or not any(part.startswith(".") for part in f.relative_to(base).parts)]
        if not files:
            self.log += f"no files found at {with_['path']}\n"
            return with_.get("if-no-files-found", "warn") != "error"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for f in files:
                z.write(f, f.relative_to(base).as_posix())
        artifact = Artifact(next(self.a.double._ids), with_["name"], self.run.id, buffer.getvalue())
        self.a.double.artifacts[artifact.id] = artifact
        self.run.artifacts[artifact.name] = artifact.id
        return True

    def download(self, with_: dict[str, str]) -> bool:
        target = self.ws / with_.get("path", "")
        names = [
            n for n in self.run.artifacts if fnmatch.fnmatchcase(n, with_.get("name") or with_.get("pattern", "*"))
        ]
        for n in names:
            dest = target if with_.get("name") or with_.get("merge-multiple") == "true" else target / n
            dest.mkdir(parents=True, exist_ok=True)
            zipfile.ZipFile(io.BytesIO(self.a.double.artifacts[self.run.artifacts[n]].data)).extractall(dest)
        return bool(names)

    # ------------------------------------------------------------------ run:

    def shell(self, script: str, env: dict[str, str], workdir: str | None, i: int) -> tuple[dict[str, str], bool]:
        output = self.ws / f".output-{i}"
        output.write_text("")
        script_file = self.ws / f".step-{i}.sh"
        script_file.write_text(script)
        github = self.ctx["github"]
        event = self.ws / ".event.json"
        event.write_text(json.dumps(github["event"]))
        path = os.pathsep.join(
            [
                str(self.a.shims),
                *map(str, self.a.settings.tool_dirs),
                str(Path(sys.executable).parent),
                os.environ.get("PATH", ""),
            ]
        )
        full_env = {
            "PATH": path,
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_SHA": github["sha"],
            "GITHUB_REF": github["ref"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_API_URL": github["api_url"],
            "GITHUB_WORKSPACE": str(self.ws),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.ws / ".summary.md"),
            "RUNNER_TEMP": str(self.ws / ".tmp"),
            **self.a.settings.extra_env,
            **env,
        }
        cwd = self.ws / (workdir or "")
        out = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        self.log += f"$ {script.strip()}\n{out.stdout}{out.stderr}(exit {out.returncode})\n"
        return _outputs(output.read_text()), out.returncode == 0


def _outputs(text_: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = iter(text_.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            key, delimiter = line.split("<<", 1)
            out[key] = "\n".join(itertools.takewhile(lambda ln, end=delimiter: ln != end, lines))
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
