"""A parked worktree reused by the next `[P]` task starts just like a fresh one (docs/parallel.md).

An integrated task's worktree is parked (``.specify/orch/worktrees/<run>/.spare-<task>``) and
switched to the next task's branch and base instead of checking out every file again. The
next task must see the integrated tree and nothing else: no ignored or untracked leftovers of
the task that used the directory before (those the main tree received are not in a fresh
checkout either), every file integrated since.
"""

from __future__ import annotations

from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task


def test_reused_worktree_holds_the_integrated_tree_only(git_repo: Path,
                                                        orch: OrchRunner) -> None:
    (git_repo / ".gitignore").write_text("*.log\n")
    # The main tree has these ignored files already, so orch leaves the tasks' copies in their
    # worktrees (it carries over only what the main tree lacks): the parked ones hold them.
    (git_repo / "build.log").write_text("main\n")
    (git_repo / "tmpdir").mkdir()
    (git_repo / "tmpdir" / "t.log").write_text("main\n")
    leftovers = "echo cache > build.log\nmkdir -p tmpdir && echo x > tmpdir/t.log\n"
    tasks = [
        shell_task("T001", "[P] first", f"{leftovers}echo 1 > one.txt\nrm README.md",
                   verify=["test -f one.txt"]),
        shell_task("T002", "[P] second", f"{leftovers}echo 2 > two.txt",
                   verify=["test -f two.txt"]),
        # Runs after T002 is integrated, in the worktree T001 or T002 left parked; a fresh
        # checkout has no ignored files.
        shell_task("T003", "[P] third",
                   "test ! -e build.log\ntest ! -e tmpdir\necho 3 > three.txt", deps="T002",
                   verify=["test -f one.txt && test -f two.txt && test ! -e README.md"]),
    ]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "three.txt").is_file()
    assert len(git(git_repo, "worktree", "list").splitlines()) == 1
    assert not list((git_repo / ".specify" / "orch" / "worktrees").rglob(".spare-*"))
    branches = git(git_repo, "for-each-ref", "--format=%(refname)", "refs/heads/orch/")
    assert branches.strip() == ""
