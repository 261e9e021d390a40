"""Running the REAL claude, codex, gemini and aider binaries through `orch run` against fake
provider servers on 127.0.0.1.

The binaries are installed by ``tests/real_clis/install.sh`` into a cache outside the
repository (``ORCH_REAL_CLIS``, default ``~/.cache/orch-real-clis``); a test skips, saying why,
when its binary is not there. Each test gets its own HOME (so no user setting or login leaks in)
and a PATH directory holding only the one CLI under test.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all

CACHE = Path(os.environ.get("ORCH_REAL_CLIS") or Path.home() / ".cache" / "orch-real-clis")
LOCATIONS = {
    "claude": CACHE / "npm" / "node_modules" / ".bin" / "claude",
    "codex": CACHE / "npm" / "node_modules" / ".bin" / "codex",
    "gemini": CACHE / "npm" / "node_modules" / ".bin" / "gemini",
    "aider": CACHE / "aider-venv" / "bin" / "aider",
}
INSTALL = "tests/real_clis/install.sh"


def real_cli(executable: str, tmp_path: Path) -> dict[str, str]:
    """Environment for `orch` with only the real ``executable`` on PATH (plus the system's),
    a fresh HOME and TMPDIR; skips the test when the binary is not installed or does not run."""
    binary = LOCATIONS[executable]
    if not binary.exists():
        pytest.skip(f"the real `{executable}` is not installed in {binary.parent} "
                    f"(run {INSTALL}; it may have failed to download)")
    bin_dir = tmp_path / "real-bin"
    bin_dir.mkdir(exist_ok=True)
    link = bin_dir / executable
    if not link.exists():
        link.symlink_to(binary)
    home = tmp_path / "home"
    tmp = tmp_path / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    path = os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"])
    try:
        subprocess.run([str(link), "--version"], env={"PATH": path, "HOME": str(home)},
                       capture_output=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"the real `{executable}` does not run here: {exc}")
    # NO_PROXY: a machine whose registries are reached through HTTP(S)_PROXY must still let the
    # CLIs reach the fake servers on 127.0.0.1 directly
    loopback = "127.0.0.1,localhost"
    return {"PATH": path, "HOME": str(home), "TMPDIR": str(tmp), "NO_COLOR": "1",
            "DO_NOT_TRACK": "1", "NO_PROXY": loopback, "no_proxy": loopback}


def claude_env(tmp_path: Path, api_url: str) -> dict[str, str]:
    """:func:`real_cli` for the real ``claude``, talking to the fake Messages API at
    ``api_url`` with a fake key and no traffic of its own (updates, telemetry)."""
    return {**real_cli("claude", tmp_path), "ANTHROPIC_API_KEY": "sk-ant-fake-key",
            "ANTHROPIC_BASE_URL": api_url, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1"}


def one_task_project(repo: Path, role: str, adapter: str, model: str) -> Path:
    """``repo`` with a one-task plan (create hello.txt saying hi) run by ``role``."""
    (repo / "plan.md").write_text(
        "# Real CLI\n\n## Phase 1: Build\n\n"
        f"- [ ] T001 Create hello.txt containing the word hi\n"
        f"  - agent: {role}\n"
        "  - verify: `grep -q hi hello.txt`\n")
    config = repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"agents:\n  {role}:\n    adapter: {adapter}\n    model: {model}\n")
    commit_all(repo, "plan")
    return repo


def run_plan(orch: OrchRunner, project: Path, env: dict[str, str],
             timeout: float = 600) -> tuple[int, dict[str, object], str]:
    """`orch run plan.md --yes`, then `orch status --json`: exit code, status document, and
    the run's output for assertion messages."""
    out = orch("run", "plan.md", "--yes", cwd=project, env=env, timeout=timeout)
    status = orch("status", "--json", cwd=project, env=env)
    document: dict[str, object] = json.loads(status.stdout)
    return out.returncode, document, out.stdout + out.stderr


def task_of(document: dict[str, object]) -> dict[str, object]:
    """The single task's record in a status document."""
    tasks = document["tasks"]
    assert isinstance(tasks, list) and len(tasks) == 1
    task: dict[str, object] = tasks[0]
    return task


def failed_run_error(orch: OrchRunner, project: Path, env: dict[str, str],
                     kind: str = "failed") -> str:
    """Run the plan, expect the task to fail (exit 1) with an ``agent <kind>: …`` error
    (``failed`` for a client error, ``api_error`` for a transient one), and return it."""
    code, status, output = run_plan(orch, project, env)
    assert code == 1, output
    task = task_of(status)
    assert task["status"] == "failed", task
    error = str(task["error"])
    assert error.startswith(f"agent {kind}:"), error
    return error


def assert_agents_check_passes(orch: OrchRunner, repo: Path, env: dict[str, str], adapter: str,
                               model: str, version: str) -> None:
    """In ``repo`` with a one-task plan for ``adapter``, `orch agents --check --json` passes:
    its one check row accepts every flag orch passes and reports a version containing
    ``version``."""
    project = one_task_project(repo, "dev", adapter, model)
    out = orch("agents", "--check", "--json", cwd=project, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    (check,) = json.loads(out.stdout)["checks"]
    assert check["adapter"] == adapter and check["missing_flags"] == [], check
    assert version in str(check["version"]), check
