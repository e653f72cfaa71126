"""A workflow run's artifacts, fetched through the API and unpacked with limits: the report an unprivileged
job uploaded is untrusted input to the job that reads it."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import requests

from ssops_ci.adapters.github.connection import Connection
from ssops_ci.model.problems import ForgeError

MAX_ARCHIVE = 20 * 1024 * 1024  # bytes of the zip
MAX_FILE = 20 * 1024 * 1024  # bytes of any one file in it


def _artifact(conn: Connection, run_id: int, name: str) -> dict[str, object]:
    listing = conn.raw(
        f"list the artifacts of run {run_id}", "GET", f"/repos/{conn.slug}/actions/runs/{run_id}/artifacts"
    )
    found = [a for a in (listing or {}).get("artifacts", []) if a.get("name") == name and not a.get("expired")]
    if not found:
        raise ForgeError(f"run {run_id} has no artifact {name!r}; did its evaluation finish?")
    artifact: dict[str, object] = found[0]
    if int(str(artifact.get("size_in_bytes") or 0)) > MAX_ARCHIVE:
        raise ForgeError(f"artifact {name!r} of run {run_id} is over {MAX_ARCHIVE // 2**20} MiB; refusing it")
    return artifact


def _download(conn: Connection, artifact_id: object) -> bytes:
    url = conn.url(f"/repos/{conn.slug}/actions/artifacts/{artifact_id}/zip")
    headers = {"Authorization": f"Bearer {conn.token()}", "Accept": "application/vnd.github+json"}
    session = conn.session()
    answer = conn.call(
        "fetch an artifact", lambda: session.get(url, headers=headers, allow_redirects=False, timeout=conn.timeout)
    )
    if answer.status_code != 302 or "Location" not in answer.headers:
        raise ForgeError(f"GitHub did not hand out artifact {artifact_id} (HTTP {answer.status_code})")
    # The archive sits behind a signed URL elsewhere: it gets no Authorization header.
    with session.get(answer.headers["Location"], stream=True, timeout=conn.timeout) as blob:
        blob.raise_for_status()
        data = blob.raw.read(MAX_ARCHIVE + 1, decode_content=True)
    if len(data) > MAX_ARCHIVE:
        raise ForgeError(f"artifact {artifact_id} is over {MAX_ARCHIVE // 2**20} MiB; refusing it")
    return data


def unpack(data: bytes, wanted: set[str]) -> dict[str, bytes]:
    """The named top-level files of a zip, each under the size limit; nothing else is read."""
    out: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ForgeError(f"the artifact is not a zip archive ({e})") from None
    for info in archive.infolist():
        name = PurePosixPath(info.filename).name
        if info.filename not in wanted or info.file_size > MAX_FILE:
            continue
        with archive.open(info) as f:
            out[name] = f.read(MAX_FILE + 1)[:MAX_FILE]
    return out


def fetch(conn: Connection, run_id: int, name: str, wanted: set[str]) -> dict[str, bytes]:
    """The `wanted` files of artifact `name` of workflow run `run_id`."""
    artifact = _artifact(conn, run_id, name)
    try:
        return unpack(_download(conn, artifact["id"]), wanted)
    except requests.RequestException as e:
        raise ForgeError(f"could not download artifact {name!r} of run {run_id}: {e}") from None
