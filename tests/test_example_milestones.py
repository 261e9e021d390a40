"""examples/milestones runs end to end without a key: targets, a scripted reviewer, a person."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, git


def test_milestones_example(tmp_path: Path) -> None:
    work = tmp_path / "ms"
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(REPO_ROOT / "examples" / "milestones" / "run.sh"),
                             str(work)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "phase 4 awaits a decision" in out and "(exit 4)" in out
    assert "Run completed: 5 done" in out
    assert "phase 2: CONDITIONAL by reviewer:reviewer" in out
    assert "phase 4: APPROVE by human — release note checked" in out
    decisions = git(work, "log", "--format=%(trailers:key=Orch-Decision,valueonly)").split()
    assert decisions == ["APPROVE", "APPROVE", "CONDITIONAL", "APPROVE"]
    reports = next((work / ".specify" / "orch" / "runs").iterdir()) / "reports"
    assert sorted(p.name for p in reports.iterdir()) == [
        f"phase-{n}.{ext}" for n in range(1, 5) for ext in ("json", "md")]
    assert json.loads((reports / "phase-3.json").read_text())["targets"][0]["met"] is True
    assert (work / "report.html").read_text().count('class="attempt"') == 5
