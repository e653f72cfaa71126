"""A real merge commit made with git plumbing, without touching any working tree.

Used by the local forge and the GitHub test double. `git merge-tree --write-tree`
(git 2.38+) merges in memory; `update-ref` with the old value makes the branch
update a compare-and-swap, so a concurrent push is never lost.
"""

from __future__ import annotations

import git

from ssops_ci.model.problems import SsopsError


class MergeConflict(Exception):
    pass


class BaseMoved(Exception):
    """The branch moved between reading it and writing the merge (another merge or push won)."""


def merge_of(repo: git.Repo, base_ref: str, head_sha: str, depth: int = 500) -> str | None:
    """The merge commit on `base_ref`'s first-parent history that merged `head_sha`, if one does (an earlier
    attempt that died before it could say so)."""
    for line in repo.git.rev_list("--first-parent", "--parents", f"-{depth}", f"refs/heads/{base_ref}").splitlines():
        commit, *parents = line.split()
        if head_sha in parents[1:]:
            return str(commit)
    return None


def merge_into(repo: git.Repo, base_ref: str, head_sha: str, message: str, author: str) -> str:
    """Merge `head_sha` into `refs/heads/<base_ref>`; returns the merge commit."""
    ref = f"refs/heads/{base_ref}"
    old = repo.git.rev_parse(ref)
    status, out, err = repo.git.merge_tree(
        "--write-tree", "--name-only", old, head_sha, with_extended_output=True, with_exceptions=False
    )
    if status == 1 and out:
        # A conflict exits 1 and still prints the merged tree, then the conflicting paths.
        paths = ", ".join(line for line in out.split("\n\n")[0].splitlines()[1:])
        raise MergeConflict(f"{base_ref} and {head_sha[:12]} conflict in {paths or 'the tree'}")
    if status != 0:
        # Git failing: an unknown commit, or a git older than 2.38 that has no --write-tree.
        raise SsopsError(
            f"git merge-tree --write-tree failed ({repo.git.version()}): {err.strip()[:300]} "
            "(in-memory merges need git 2.38 or newer)"
        )
    tree = out.splitlines()[0]
    env = {
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.ssops.local",
        "GIT_COMMITTER_NAME": "ssops-ci",
        "GIT_COMMITTER_EMAIL": "ssops-ci@users.noreply.ssops.local",
    }
    with repo.git.custom_environment(**env):
        merged: str = repo.git.commit_tree(tree, "-p", old, "-p", head_sha, "-m", message)
    try:
        repo.git.update_ref(ref, merged, old)  # only if the branch is still where the merge started
    except git.GitCommandError:
        raise BaseMoved(f"{base_ref} moved while merging {head_sha[:12]}; nothing was merged") from None
    if not repo.bare and repo.head.is_valid() and not repo.head.is_detached and repo.head.ref.path == ref:
        # The branch is checked out here: move the index and files along, like `git merge` would.
        repo.git.read_tree("-u", "-m", old, merged)
    return merged
