"""Second attack on `orch run --jobs N` (issue 11): worktree reuse, ``worktree:`` config and
git lock clean-up after a kill, on real repositories with real processes.

Each test reproduced a fault found by running orch as a hostile user would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from test_parallel import orch_branches, p_task, worktrees
from test_parallel_crash import blocked_task, busy_lanes, plan_repo, start, wait_for
from test_parallel_wtsetup import committed_paths, configure

HOLD_LOCK = """
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
print("held", flush=True)
sys.stdin.read()
os.write(fd, b"new index")
os.close(fd)
sys.exit(0 if os.path.exists(sys.argv[1]) else 1)
"""


def signal_busy_run(repo: Path, tasks: list[str], sig: int) -> tuple[int, str]:
    """Run ``tasks`` with two jobs and send ``sig`` to orch's process group once both lanes
    are busy; orch's exit code and its stderr."""
    plan_repo(repo, tasks)
    proc = start(repo, "run", "plan.md", "--jobs", "2", "--yes")
    wait_for(busy_lanes(repo, 2), proc)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate()
    return proc.returncode, err


def test_a_lock_a_live_git_holds_after_the_kill_is_never_removed(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    # orch is killed; then the user's own git (another terminal) takes .git/index.lock and is
    # still writing it when `orch resume` starts. The lock is newer than the killed orch's
    # project lock and that orch's process group is dead, yet the lock is not orch's.
    go = tmp_path / "go"
    signal_busy_run(git_repo, [blocked_task("T001", go), blocked_task("T002", go)],
                    signal.SIGKILL)
    lock = git_repo / ".git" / "index.lock"
    user_git = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], cwd=git_repo,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert user_git.stdout is not None and user_git.stdout.readline() == "held\n"
        go.write_text("go\n")
        result = orch("resume", cwd=git_repo)
        assert f"removed {lock}" not in result.stderr
        assert lock.exists()
        assert "Traceback" not in result.stderr
    finally:
        user_git.communicate("")
    assert user_git.returncode == 0


def run_three(repo: Path, orch: OrchRunner, leave: str, last: str, *,
              verify: list[str]) -> subprocess.CompletedProcess[str]:
    """``[P]`` T001 and T002 run ``leave``; ``[P]`` T003, which depends on both and so starts
    in one of their parked worktrees, runs ``last``."""
    (repo / "shared.txt").write_text("before\n")
    tasks = [p_task("T001", leave), p_task("T002", leave),
             shell_task("T003", "[P] task T003", last, verify=verify, deps="T001, T002")]
    (repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(repo)
    return orch("run", "plan.md", "--jobs", "2", "--yes", cwd=repo)


def test_index_flags_a_task_left_never_hide_the_next_tasks_work(git_repo: Path,
                                                                orch: OrchRunner) -> None:
    # An agent marked a file skip-worktree (or assume-unchanged) in its worktree's index;
    # the next task reusing that worktree edits the file: its edit must be committed (T003
    # has no check that would catch the loss after integration).
    leave = ("git update-index --skip-worktree shared.txt\n"
             "git update-index --assume-unchanged plan.md")
    result = run_three(git_repo, orch, leave, "echo T003 > shared.txt", verify=[])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "shared.txt").read_text() == "T003\n"
    assert len(worktrees(git_repo)) == 1


@pytest.mark.parametrize("leave", [
    "git bisect start",
    "git sparse-checkout set --no-cone /README.md",
    "git checkout -q --detach && echo x > c.txt && git add c.txt && git commit -qm x\n"
    "git checkout -q HEAD~1 && echo y > c.txt && git add c.txt && git commit -qm y\n"
    "git rebase HEAD@{2} || true",
])
def test_git_state_a_task_left_is_not_the_next_tasks(git_repo: Path, orch: OrchRunner,
                                                     leave: str) -> None:
    # A reused worktree must start as a fresh one would: no bisect or rebase in progress, no
    # sparse checkout hiding files.
    result = run_three(git_repo, orch, leave, "echo T003 > t3.txt",
                       verify=["! git status | grep -qi -e bisect -e rebas -e sparse",
                               "test -f shared.txt"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "t3.txt").read_text() == "T003\n"
    assert len(worktrees(git_repo)) == 1


def test_a_worktree_left_clean_is_still_reused(git_repo: Path, orch: OrchRunner) -> None:
    # The guard above must not stop reuse: T003 runs in a parked worktree, whose git admin
    # directory keeps the name of the task it was made for.
    result = run_three(git_repo, orch, "git status --short > /dev/null",
                       "basename $(git rev-parse --git-dir) > admin.txt", verify=[])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "admin.txt").read_text().strip() in ("T001", "T002")


TWO_TASKS = [p_task("T001", "echo 1 > t1.txt"), p_task("T002", "echo 2 > t2.txt")]


def linked_node_modules(repo: Path, extra: str = "") -> Path:
    """Config ``link: [node_modules]`` (``extra`` appended), the main tree's package file."""
    configure(repo, f"worktree:\n  link: [node_modules]\n{extra}", "node_modules/\n")
    package = repo / "node_modules" / "pkg" / "index.js"
    package.parent.mkdir(parents=True)
    package.write_text("module.exports = 1\n")
    return package


@pytest.mark.parametrize("replace", [
    "rm node_modules && mkdir -p node_modules/pkg && echo mine > node_modules/pkg/index.js",
    "rm node_modules && echo file > node_modules",
    "rm node_modules && ln -s pkg node_modules && mkdir pkg && echo x > pkg/y.js",
])
def test_a_task_replacing_the_link_never_touches_the_main_copy(
        git_repo: Path, orch: OrchRunner, replace: str) -> None:
    package = linked_node_modules(git_repo)
    result = run_three(git_repo, orch, replace, "test -L node_modules && echo 3 > t3.txt",
                       verify=["test -f t3.txt"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert package.read_text() == "module.exports = 1\n"
    assert not (git_repo / "node_modules").is_symlink()
    assert "node_modules" not in committed_paths(git_repo)
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []


def test_a_kill_during_setup_leaves_the_linked_copy_and_resumes_clean(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    go = tmp_path / "go"
    package = linked_node_modules(git_repo, f"  setup: test -f {go} || sleep 60\n")
    signal_busy_run(git_repo, TWO_TASKS, signal.SIGKILL)
    go.write_text("go\n")
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "t1.txt").is_file() and (git_repo / "t2.txt").is_file()
    assert package.read_text() == "module.exports = 1\n"
    assert not (git_repo / "node_modules").is_symlink()
    assert "node_modules" not in committed_paths(git_repo)
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []


KILLING_GIT = """#!/bin/sh
# git, except that orch's whole process group is SIGKILLed right after the first command whose
# arguments match $KILL_AT (once: the marker file stays).
"{real}" "$@"
rc=$?
case " $* " in
  *"$KILL_AT"*) if [ ! -e "$KILL_MARKER" ]; then : > "$KILL_MARKER"; kill -9 0; fi ;;
esac
exit $rc
"""


@pytest.mark.parametrize("kill_at", [
    "worktree move", "/.spare-", "checkout -q -f -B", "clean -q -ffdx"])
def test_a_kill_while_a_worktree_is_parked_or_reused_resumes_clean(
        git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: str) -> None:
    real = shutil.which("git")
    assert real is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(KILLING_GIT.format(real=real))
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KILL_AT", kill_at)
    monkeypatch.setenv("KILL_MARKER", str(tmp_path / "killed"))
    (git_repo / ".gitignore").write_text("*.log\n")
    leave = "echo $(basename $PWD) > $(basename $PWD).txt\necho leak > leak.log\nmkdir -p n/d\n" \
            "echo leak > 'n/d/odd name.txt'"
    tasks = [p_task("T001", leave), p_task("T002", leave),
             shell_task("T003", "[P] task T003", "ls > t3.txt", deps="T001, T002")]
    plan_repo(git_repo, tasks)
    proc = start(git_repo, "run", "plan.md", "--jobs", "2", "--yes")
    proc.communicate()
    assert (tmp_path / "killed").exists(), "orch never ran that git command"
    resumed = subprocess.run([sys.executable, "-m", "orch", "resume"], cwd=git_repo,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    assert "Traceback" not in resumed.stderr
    listing = (git_repo / "t3.txt").read_text().split()
    # T003 sees the integrated tree only: nothing its worktree held for T001 or T002.
    assert listing == ["README.md", "T001.txt", "T002.txt", "n", "plan.md", "t3.txt"]
    assert (git_repo / "leak.log").read_text() == "leak\n"  # an ignored file, carried back
    committed = git(git_repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
    assert sorted(p for p in committed if p.endswith(".txt")) == [
        "T001.txt", "T002.txt", "n/d/odd name.txt", "t3.txt"]
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []
    assert not (git_repo / ".specify" / "orch" / "worktrees").exists() or not list(
        (git_repo / ".specify" / "orch" / "worktrees").rglob("*.txt"))


@pytest.mark.parametrize("entry", ["config", "config/secret"])
def test_a_copied_relative_symlink_out_of_the_project_still_points_there(
        git_repo: Path, orch: OrchRunner, entry: str) -> None:
    # config/secret -> ../../shared/secret.txt resolves beside the project; the worktree sits
    # deeper, so the same relative link would point nowhere (or into orch's own directory).
    shared = git_repo.parent / "shared"
    shared.mkdir()
    (shared / "secret.txt").write_text("s3cret\n")
    configure(git_repo, f"worktree:\n  copy: [{entry}]\n", "config/\n")
    (git_repo / "config").mkdir()
    (git_repo / "config" / "secret").symlink_to(Path("..", "..", "shared", "secret.txt"))
    (git_repo / "config" / "local").symlink_to("secret")
    result = run_three(git_repo, orch, "cat config/secret > $(basename $PWD).txt", "true",
                       verify=[])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "T001.txt").read_text() == "s3cret\n"
    assert os.readlink(git_repo / "config" / "secret") == "../../shared/secret.txt"


def test_ctrl_c_during_setup_stops_it_and_resumes_clean(git_repo: Path, orch: OrchRunner,
                                                        tmp_path: Path) -> None:
    go = tmp_path / "go"
    package = linked_node_modules(git_repo, f"  setup: test -f {go} || sleep 60\n")
    code, err = signal_busy_run(git_repo, TWO_TASKS, signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err
    go.write_text("go\n")
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "t1.txt").is_file() and (git_repo / "t2.txt").is_file()
    assert package.read_text() == "module.exports = 1\n"
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []
