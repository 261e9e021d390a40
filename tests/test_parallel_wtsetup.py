"""Config ``worktree:``: what a parallel task's worktree gets of the main tree's ignored files
(``copy``, ``link``) and the ``setup`` command run in it, with real `orch run --jobs 2` runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan
from test_parallel import events, orch_branches, p_task, worktrees


def configure(repo: Path, config: str, ignore: str) -> None:
    (repo / ".gitignore").write_text(ignore)
    path = repo / ".specify" / "orch" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config)


def run_pair(repo: Path, orch: OrchRunner, first: str, *, verify: list[str] | None = None,
             jobs: str = "2") -> subprocess.CompletedProcess[str]:
    """``[P]`` T001 running ``first`` beside a plain ``[P]`` T002, committed, two jobs."""
    tasks = [p_task("T001", first, verify=verify), p_task("T002", "echo b > b.txt")]
    (repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(repo)
    return orch("run", "plan.md", "--jobs", jobs, "--yes", cwd=repo)


def committed_paths(repo: Path) -> str:
    """Every path in HEAD and in the run's integration commits."""
    integrated = git(repo, "for-each-ref", "--format=%(refname)", "refs/orch/integrated/")
    refs = ["HEAD", *integrated.split()]
    return "\n".join(git(repo, "ls-tree", "-r", "--name-only", ref) for ref in refs)


def test_copied_env_is_seen_by_the_task_and_never_carried_back(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  copy: [.env]\n", ".env\n")
    (git_repo / ".env").write_text("KEY=1\n")
    # The task reads the copy, then changes it: the change stays in its worktree.
    result = run_pair(git_repo, orch, ". ./.env\necho $KEY > a.txt\necho KEY=2 > .env",
                      verify=["grep -q 1 a.txt"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "a.txt").read_text() == "1\n"
    assert (git_repo / ".env").read_text() == "KEY=1\n"
    assert ".env" not in committed_paths(git_repo).split()
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []


def test_linked_node_modules_is_shared_never_committed_and_survives_removal(
        git_repo: Path, orch: OrchRunner) -> None:
    # `node_modules/` ignores directories only: the symlink itself is not ignored by it, so
    # orch must leave it out of the task's commit by itself.
    configure(git_repo, "worktree:\n  link: [node_modules]\n", "node_modules/\n")
    package = git_repo / "node_modules" / "pkg"
    package.mkdir(parents=True)
    (package / "index.js").write_text("module.exports = 1\n")
    result = run_pair(git_repo, orch, "test -L node_modules\ncp node_modules/pkg/index.js a.js",
                      verify=["test -f a.js"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert (package / "index.js").read_text() == "module.exports = 1\n"
    assert not (git_repo / "node_modules").is_symlink()
    assert "node_modules" not in committed_paths(git_repo)
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []


def test_a_failed_task_keeps_its_branch_without_the_link_and_the_main_copy(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  link: [.venv]\n", ".venv\n")
    (git_repo / ".venv" / "bin").mkdir(parents=True)
    (git_repo / ".venv" / "bin" / "tool").write_text("#!/bin/sh\n")
    result = run_pair(git_repo, orch, "echo work > w.txt\nls .venv/bin/tool\nexit 1")
    assert result.returncode == 1, result.stderr + result.stdout
    branch = next(b for b in orch_branches(git_repo) if b.endswith("/T001"))
    kept = git(git_repo, "ls-tree", "-r", "--name-only", branch).split()
    assert "w.txt" in kept and ".venv" not in kept
    assert (git_repo / ".venv" / "bin" / "tool").read_text() == "#!/bin/sh\n"
    assert len(worktrees(git_repo)) == 1


def test_setup_runs_in_each_new_worktree_before_the_agent(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  setup: echo set up in $PWD > .ready\n", ".ready\n")
    result = run_pair(git_repo, orch, "cp .ready a.txt", verify=["test -s a.txt"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert ".specify/orch/worktrees/" in (git_repo / "a.txt").read_text()
    assert not (git_repo / ".ready").exists()  # what setup made is not the task's work
    runs = sorted((git_repo / ".specify" / "orch" / "runs").iterdir())
    assert "--- worktree setup: echo set up" in (runs[-1] / "logs" / "T001.log").read_text()


def test_a_failing_setup_fails_the_attempt_naming_the_command(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  setup: npm-not-here ci\n", "")
    marker = git_repo.parent / "agent-ran"
    result = run_pair(git_repo, orch, f"touch {marker}")
    assert result.returncode == 1, result.stderr + result.stdout
    assert "worktree setup `npm-not-here ci` failed (exit 127)" in result.stdout + result.stderr
    assert not marker.exists()
    failed = [e for e in events(git_repo) if e["type"] == "task_finished"
              and e["task"] == "T001"]
    assert failed and "worktree setup `npm-not-here ci` failed" in str(failed[0]["data"])
    assert len(worktrees(git_repo)) == 1


def test_jobs_above_one_warns_once_about_ignored_files_the_config_omits(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  copy: [.env]\n", ".env\nnode_modules/\nbuild/\n")
    (git_repo / ".env").write_text("KEY=1\n")
    (git_repo / "node_modules").mkdir()
    (git_repo / "build").mkdir()
    result = run_pair(git_repo, orch, "echo a > a.txt")
    assert result.returncode == 0, result.stderr + result.stdout
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "lack the ignored" in line]
    assert len(warnings) == 1, output
    assert "lack the ignored node_modules of your tree" in warnings[0]
    assert "`worktree: copy:` or `worktree: link:`" in warnings[0]
    again = run_pair(git_repo, orch, "echo c > c.txt", jobs="1")
    assert again.returncode == 0 and "lack the ignored" not in again.stdout + again.stderr


def test_a_worktree_entry_outside_the_project_is_a_config_error(
        git_repo: Path, orch: OrchRunner) -> None:
    configure(git_repo, "worktree:\n  link: [../elsewhere]\n", "")
    result = run_pair(git_repo, orch, "echo a > a.txt")
    assert result.returncode == 2, result.stderr + result.stdout
    assert result.stderr.startswith("error: ") and "worktree.link" in result.stderr
    assert "Traceback" not in result.stderr


def test_globs_expand_in_the_main_tree_and_skip_what_the_worktree_has(tmp_path: Path) -> None:
    from orch.vcs.provision import Provision

    main, tree = tmp_path / "main", tmp_path / "tree"
    (main / "config").mkdir(parents=True)
    (tree / "config").mkdir(parents=True)
    for name in ("a.local.json", "b.local.json", "shared.json"):
        (main / "config" / name).write_text(f"main {name}")
    (tree / "config" / "b.local.json").write_text("tracked")
    (main / ".specify" / "orch").mkdir(parents=True)
    provision = Provision(copy=("config/*.local.json", ".specify/*"))
    assert provision.place(main, tree) == ["config/a.local.json"]
    assert (tree / "config" / "b.local.json").read_text() == "tracked"
    assert not (tree / ".specify").exists()
    assert provision.placed(main) == ["config/a.local.json", "config/b.local.json"]


def test_a_reused_worktree_is_provisioned_and_set_up_anew(
        git_repo: Path, orch: OrchRunner) -> None:
    # Three tasks, two lanes: the third runs in a parked worktree of an earlier one (git clean
    # -ffdx empties it), so it must get its link and its setup again.
    configure(git_repo, "worktree:\n  link: [node_modules]\n  setup: touch .ready\n",
              "node_modules/\n.ready\n")
    (git_repo / "node_modules").mkdir()
    (git_repo / "node_modules" / "dep.js").write_text("dep\n")
    tasks = [p_task(f"T00{n}", f"test -L node_modules\ntest -f .ready\necho {n} > f{n}.txt")
             for n in range(1, 4)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert all((git_repo / f"f{n}.txt").is_file() for n in range(1, 4))
    assert (git_repo / "node_modules" / "dep.js").read_text() == "dep\n"
    assert not (git_repo / ".ready").exists()
    assert "node_modules" not in committed_paths(git_repo)
    assert len(worktrees(git_repo)) == 1 and orch_branches(git_repo) == []


def test_a_retry_after_a_failed_setup_runs_the_setup_again(
        git_repo: Path, orch: OrchRunner) -> None:
    marker = git_repo.parent / "setup-failed-once"
    configure(git_repo, f"retries: 1\nretry_backoff: 0\nworktree:\n  setup: "
                        f"test -e {marker} || {{ touch {marker}; exit 4; }}; touch .ready\n",
              ".ready\n")
    result = run_pair(git_repo, orch, "test -f .ready\necho a > a.txt", verify=["test -f a.txt"])
    assert result.returncode == 0, result.stderr + result.stdout
    assert marker.exists() and (git_repo / "a.txt").is_file()
