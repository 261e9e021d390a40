"""A secret in the environment never leaves orch in anything it writes: the console, ``--json``
lines, errors, task logs, the journal, and the checkpoint commits it puts into git history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task

TOKEN = "s3cr3t-deploy-token-value-xyz"
DB_URL = "postgres://app:pw-1234567890@db.internal/app"
ENV = {"DEPLOY_TOKEN": TOKEN}


def _plan(repo: Path, verify: str) -> None:
    task = shell_task("T001", f"deploy with {TOKEN}", f"echo {DB_URL}\necho done > out.txt",
                      verify=[verify])
    (repo / "plan.md").write_text(make_plan([(f"ship {TOKEN}", [task])], title=f"Plan {TOKEN}"))
    commit_all(repo)


def _leaks(*texts: str) -> list[str]:
    return [text for text in texts if TOKEN in text or "pw-1234567890" in text]


def _orch_files(repo: Path) -> list[str]:
    root = repo / ".specify" / "orch"
    return [p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()]


def test_a_failed_verification_never_prints_or_logs_the_secret(git_repo: Path,
                                                                orch: OrchRunner) -> None:
    _plan(git_repo, f'test "$DEPLOY_TOKEN" = "{TOKEN}" && echo {DB_URL} && false')
    outputs = []
    for args in (("run", "plan.md", "--yes"), ("status",), ("status", "--json"),
                 ("log", "T001"), ("runs",), ("resume", "--yes", "--json", "--retry-failed")):
        result = orch(*args, cwd=git_repo, env=ENV)
        outputs += [result.stdout, result.stderr]
    assert "verify failed" in outputs[0] and "[REDACTED]" in outputs[0]
    assert not _leaks(*outputs)
    assert not _leaks(*_orch_files(git_repo))


def test_plan_views_print_the_plan_redacted(git_repo: Path, orch: OrchRunner) -> None:
    _plan(git_repo, f"echo {DB_URL}")
    outputs = []
    for args in (("run", "plan.md", "--dry-run"), ("graph", "plan.md"),
                 ("graph", "plan.md", "--format", "json"), ("validate", "plan.md"),
                 ("validate", "plan.md", "--json")):
        result = orch(*args, cwd=git_repo, env=ENV)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    assert not _leaks(*outputs)
    assert all("[REDACTED]" in out for out in outputs[0::2])


def test_checkpoint_commits_keep_the_secret_out_of_git_history(git_repo: Path,
                                                               orch: OrchRunner) -> None:
    _plan(git_repo, "test -f out.txt")
    result = orch("run", "plan.md", "--yes", "--commit", "task", cwd=git_repo, env=ENV)
    assert result.returncode == 0, result.stderr
    history = git(git_repo, "log", "--all", "--format=%B")
    reflog = git(git_repo, "reflog", "--all", "--format=%gs")
    assert "orch: task T001 deploy with [REDACTED]" in history
    assert "orch: phase 1 ship [REDACTED]" in history
    assert not _leaks(history, reflog, result.stdout, result.stderr)


def test_a_long_dotted_line_with_a_url_is_redacted_without_quadratic_time(tmp_path: Path) -> None:
    """A task printing a long ``a.b.c…://`` line stalled the output pump for minutes (the URL
    scheme pattern scanned from every dot); the guard timeout is 700 times the fixed cost."""
    script = ("from orch.secrets import Redactor\n"
              "line = 'a.' * 200_000 + ':// x+https://user:pw-1234567890@db/app'\n"
              "print(Redactor([])(line)[-40:])\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip().endswith("x+https://user:[REDACTED]@db/app")
