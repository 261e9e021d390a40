"""A lane's git work without a git process where libgit2 does it exactly (vcs/lanegit.py), and
a reused worktree that is the same as a fresh checkout (docs/parallel.md, issue 23).

Everything here is real git: the commits libgit2 writes are compared byte for byte with
``git commit-tree``'s, the reused worktree file by file with ``git worktree add``'s, and the
git processes of a parallel run are counted through a ``git`` on PATH that notes each one.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.vcs.lanegit import LaneGit
from orch.vcs.repo import open_repo
from orch.vcs.worktrees import SPARE_PREFIX, Worktrees


def test_lane_commits_are_the_commits_git_writes(git_repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1700000000 +0130")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1700000100 -0700")
    head = git(git_repo, "rev-parse", "HEAD").strip()
    tree = git(git_repo, "rev-parse", "HEAD^{tree}").strip()
    lane = LaneGit(open_repo(git_repo))
    ours = lane.commit(tree, [head], "orch: task T001")
    theirs = git(git_repo, "commit-tree", tree, "-p", head, "-m", "orch: task T001").strip()
    assert ours == theirs  # byte-identical objects: same identity, dates, message


def test_lane_commits_use_orchs_identity_where_git_has_none(
        git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME", raising=False)
        monkeypatch.delenv(f"GIT_{role}_EMAIL", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    tree = git(git_repo, "rev-parse", "HEAD^{tree}").strip()
    commit = LaneGit(open_repo(git_repo)).commit(tree, [], "orch: integrated tree")
    assert git(git_repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", commit) == \
        "orch <orch@localhost>|orch <orch@localhost>|orch: integrated tree\n\n"


def test_lane_refs_are_written_and_deleted_as_git_would(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    lane = LaneGit(open_repo(git_repo))
    lane.update_ref("refs/heads/orch/r1/T001", head, "orch")
    assert git(git_repo, "rev-parse", "orch/r1/T001").strip() == head
    assert "orch" in git(git_repo, "reflog", "show", "orch/r1/T001")
    git(git_repo, "pack-refs", "--all")  # a packed ref goes from packed-refs too
    lane.delete_ref("refs/heads/orch/r1/T001")
    assert git(git_repo, "for-each-ref", "refs/heads/orch").strip() == ""
    assert lane.show(head, "README.md") == "# test project\n"


def _listing(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every path under ``root`` but its ``.git`` link: kind, permission bits, content."""
    found: dict[str, tuple[str, int, bytes]] = {}
    for current, dirs, files in os.walk(root):
        here = Path(current)
        for name in [*dirs, *files]:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if rel == ".git":
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", 0, os.readlink(path).encode())
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode), b"")
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def test_a_reused_worktree_is_a_fresh_checkout_of_the_new_base(git_repo: Path,
                                                                tmp_path: Path) -> None:
    (git_repo / ".gitignore").write_text("*.log\nbuild/\n")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "a.txt").write_text("a\n")
    (git_repo / "src" / "gone.txt").write_text("gone\n")
    (git_repo / "run.sh").write_text("#!/bin/sh\n")
    (git_repo / "run.sh").chmod(0o755)
    (git_repo / "link").symlink_to("src/a.txt")
    commit_all(git_repo, "files")
    lanes = Worktrees(git_repo, "r1")
    base = lanes.base_commit()
    first = lanes.create("T001", base)
    # Everything a task can leave behind: edits, deletions, mode changes, untracked and
    # ignored files, an empty directory, a repository of its own.
    (first / "src" / "a.txt").write_text("changed by T001\n")
    (first / "src" / "gone.txt").unlink()
    (first / "run.sh").chmod(0o644)
    (first / "new.txt").write_text("T001\n")
    (first / "x.log").write_text("ignored\n")
    (first / "build" / "deep").mkdir(parents=True)
    (first / "build" / "deep" / "out.bin").write_bytes(b"\0\1")
    (first / "empty").mkdir()
    git(first / "build", "init", "-q", "inner")  # ignored: no gitlink (that is not parked)
    (first / "build" / "inner" / "f").write_text("inner\n")
    lanes.commit_task("T001", base)
    lanes.remove("T001", keep_branch=False)  # integrated elsewhere: parked for the next task
    assert [p.name for p in lanes.base_dir.iterdir()] == [f"{SPARE_PREFIX}T001"]
    (git_repo / "main-only.txt").write_text("integrated since\n")  # the new base moved on
    new_base = lanes.base_commit()
    reused = lanes.create("T002", new_base)
    assert not list(lanes.base_dir.glob(f"{SPARE_PREFIX}*")), "the parked worktree was reused"
    fresh = tmp_path / "fresh"
    git(git_repo, "worktree", "add", "-q", "--detach", str(fresh), new_base)
    assert _listing(reused) == _listing(fresh)
    assert git(reused, "status", "--porcelain", "--ignored") == ""
    git(git_repo, "worktree", "remove", "--force", str(fresh))
    lanes.remove("T002", keep_branch=False)
    lanes.finish()
    assert len(git(git_repo, "worktree", "list").splitlines()) == 1
    assert not lanes.base_dir.exists()


def test_a_merge_with_nothing_integrated_since_is_the_tasks_tree(git_repo: Path) -> None:
    lanes = Worktrees(git_repo, "r1")
    base = lanes.base_commit()
    path = lanes.create("T001", base)
    (path / "one.txt").write_text("1\n")
    commit = lanes.commit_task("T001", base)
    merge = lanes.merge(base, commit)
    assert merge.result_tree == git(git_repo, "rev-parse", f"{commit}^{{tree}}").strip()
    (git_repo / "other.txt").write_text("integrated meanwhile\n")  # now a real three-way merge
    merged = lanes.merge(base, commit)
    assert merged.result_tree is not None
    names = git(git_repo, "ls-tree", "--name-only", merged.result_tree).split()
    assert {"one.txt", "other.txt"} <= set(names)
    lanes.remove("T001", keep_branch=False)
    lanes.finish()


COUNTING_GIT = """#!/bin/sh
echo "$*" >> "{log}"
exec "{real}" "$@"
"""


def test_a_parallel_task_costs_few_git_processes(git_repo: Path, tmp_path: Path,
                                                 orch: OrchRunner,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which("git")
    assert real is not None
    log = tmp_path / "git.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(COUNTING_GIT.format(log=log, real=real))
    (bin_dir / "git").chmod(0o755)
    tasks = [shell_task(f"T00{n}", f"[P] task {n}", f"echo {n} > t{n}.txt") for n in range(1, 7)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert all((git_repo / f"t{n}.txt").is_file() for n in range(1, 7))
    calls = log.read_text().splitlines()
    # Commits, refs and the plan's base text are written and read in-process: no git for them.
    assert not [c for c in calls if c.startswith(("commit-tree", "show "))], calls
    assert not [c for c in calls if c.startswith("update-ref") and "refs/heads/orch/" in c], calls
    # 83 for these six tasks, run start and checkpoint included; 24 a task before (each
    # commit-tree, update-ref, show and ls-files --stage a process).
    assert len(calls) <= 100, "\n".join(calls)


KILLING_GIT = """#!/bin/sh
# git, except that orch's process group is SIGKILLed right after the first command whose
# arguments match $KILL_AT.
"{real}" "$@"
rc=$?
case " $* " in
  *"$KILL_AT"*) if [ ! -e "$KILL_MARKER" ]; then : > "$KILL_MARKER"; kill -9 0; fi ;;
esac
exit $rc
"""


@pytest.mark.parametrize("kill_at", ["worktree add", "checkout -q -f -B", "clean -q -ffdx"])
def test_a_kill_while_a_lane_makes_its_worktree_saves_no_partial_work(
        git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: str) -> None:
    # Lanes make (or switch) their worktrees on their own threads, after the journal says
    # `worktree_created`: a kill meanwhile must not keep the half-made worktree as the task's
    # interrupted work, and the resume finishes every task from the integrated tree.
    real = shutil.which("git")
    assert real is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(KILLING_GIT.format(real=real))
    (bin_dir / "git").chmod(0o755)
    tasks = [shell_task("T001", "[P] one", "echo 1 > one.txt"),
             shell_task("T002", "[P] two", "echo 2 > two.txt", deps="T001"),
             shell_task("T003", "[P] three", "ls > three.txt", deps="T002")]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "KILL_AT": kill_at, "KILL_MARKER": str(tmp_path / "killed")}
    killed = subprocess.run([sys.executable, "-m", "orch", "run", "plan.md", "--jobs", "2",
                             "--yes"], cwd=git_repo, env=env, capture_output=True, text=True,
                            start_new_session=True)
    assert killed.returncode != 0 and (tmp_path / "killed").exists(), killed.stderr
    resumed = subprocess.run([sys.executable, "-m", "orch", "resume"], cwd=git_repo,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    assert "Traceback" not in resumed.stderr
    assert (git_repo / "three.txt").read_text().split() == [
        "README.md", "one.txt", "plan.md", "three.txt", "two.txt"]
    assert git(git_repo, "for-each-ref", "refs/orch/interrupted/") == ""
    assert len(git(git_repo, "worktree", "list").splitlines()) == 1
    assert git(git_repo, "for-each-ref", "refs/heads/orch/") == ""
    assert not list((git_repo / ".specify" / "orch" / "worktrees").rglob(".making-*"))
