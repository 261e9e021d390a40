"""The sequential run path imports only what it uses (bench/bench_run.py measures the time).

GitPython, ``regex`` (the agent's search tool) and ``urllib`` (notifiers) each cost tens of
milliseconds to import; a one-slot run outside git with no notifier needs none of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import make_plan, shell_task

NOT_NEEDED = {"git", "regex", "urllib.request", "orch.runner.mergequeue", "orch.vcs.repo"}


def imported_by(argv: list[str], cwd: Path) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "orch", *argv],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:")}


def test_sequential_run_outside_git_imports_no_git_regex_or_urllib(tmp_path: Path) -> None:
    plan = make_plan([("work", [shell_task("T001", "no-op", "true", verify=["true"])])])
    (tmp_path / "plan.md").write_text(plan)
    imported = imported_by(["run", "plan.md", "--commit", "none", "--allow-dirty"], tmp_path)
    assert "orch.runner.session" in imported  # the run path itself was loaded
    assert not NOT_NEEDED & imported
    assert "[X] T001" in (tmp_path / "plan.md").read_text()
