"""A real merge commit made with git plumbing, without touching any working tree.

Used by the local forge and the GitHub test double. `git merge-tree --write-tree`
(git 2.38+) merges in memory; `update-ref` with the old value makes the branch
update a compare-and-swap, so a concurrent push is never lost.
"""

from __future__ import annotations

import git


class MergeConflict(Exception):
    pass


def merge_into(repo: git.Repo, base_ref: str, head_sha: str, message: str, author: str) -> str:
    """Merge `head_sha` into `refs/heads/<base_ref>`; returns the merge commit."""
    ref = f"refs/heads/{base_ref}"
    old = repo.git.rev_parse(ref)
    try:
        tree = repo.git.merge_tree("--write-tree", old, head_sha).splitlines()[0]
    except git.GitCommandError as e:
        raise MergeConflict(f"{base_ref} and {head_sha[:12]} conflict: {e.stdout.strip()[:500]}") from None
    env = {
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.ssops.local",
        "GIT_COMMITTER_NAME": "ssops-ci",
        "GIT_COMMITTER_EMAIL": "ssops-ci@users.noreply.ssops.local",
    }
    with repo.git.custom_environment(**env):
        merged: str = repo.git.commit_tree(tree, "-p", old, "-p", head_sha, "-m", message)
    repo.git.update_ref(ref, merged, old)
    if not repo.bare and repo.head.is_valid() and not repo.head.is_detached and repo.head.ref.path == ref:
        # The branch is checked out here: move the index and files along, like `git merge` would.
        repo.git.read_tree("-u", "-m", old, merged)
    return merged
