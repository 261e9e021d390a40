"""`orch log` shows an agent's output without terminal escapes; `--raw` keeps the bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task

# Colour, a cursor move, a window title, a hyperlink and a bare carriage return overwrite.
PRINTED = (r"printf 'plain \033[31mred\033[0m \033[2Aup \033]0;pwned\007"
           r"\033]8;;http://evil.example/\033\\link\033]8;;\033\\ fake\rtruth\n'")
ESCAPES = (b"\x1b[31m", b"\x1b[2A", b"\x1b]0;", b"\x1b]8;;", b"\x07", b"\r")


def _logged_run(repo: Path, orch: OrchRunner) -> None:
    plan = make_plan([("One", [shell_task("T001", "Print escapes", PRINTED)])])
    (repo / "plan.md").write_text(plan)
    commit_all(repo)
    result = orch("run", "plan.md", "--commit", "none", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr


def _log_bytes(repo: Path, *args: str) -> bytes:
    """`orch log` run in a subprocess, its stdout as bytes (text mode would turn `\\r` into
    a newline before the test sees it)."""
    result = subprocess.run([sys.executable, "-m", "orch", "log", *args], cwd=repo,
                            env=dict(os.environ), capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_log_strips_terminal_escapes_from_agent_output(git_repo: Path, orch: OrchRunner) -> None:
    _logged_run(git_repo, orch)
    shown = _log_bytes(git_repo, "T001")
    assert b"plain red up link fake\ntruth\n" in shown  # the overwritten text stays visible
    for escape in ESCAPES:
        assert escape not in shown, escape
    assert b"\x1b" not in shown
    assert b"orch: T001 done" in shown


def test_log_raw_writes_the_stored_bytes(git_repo: Path, orch: OrchRunner) -> None:
    _logged_run(git_repo, orch)
    raw = _log_bytes(git_repo, "T001", "--raw")
    run_id = (git_repo / ".specify" / "orch" / "current").read_text().strip()
    stored = (git_repo / ".specify" / "orch" / "runs" / run_id / "logs" / "T001.log").read_bytes()
    assert raw.startswith(stored)
    for escape in ESCAPES:
        assert escape in raw, escape
    assert b"orch: T001 done" in raw
