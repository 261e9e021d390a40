"""`orch report`: text, JSON and a self-contained HTML file that headless Chromium renders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, shell_task

PLAN = "\n".join([
    "# Report", "", "## Phase 1: Build", "**Target**: files >= 1: `ls | wc -l`", "",
    shell_task("T001", "Write a", "echo a > a.txt"),
    shell_task("T002", "Flaky b", "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n\n"
               "test \"$(cat n)\" -ge 2", extra="  - retries: 1"),
    "",
])
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def finished_run(git_repo: Path, orch: OrchRunner) -> Path:
    (git_repo / "plan.md").write_text(PLAN)
    (git_repo / ".gitignore").write_text("n\n")
    commit_all(git_repo)
    out = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    return git_repo


def test_text_and_json(finished_run: Path, orch: OrchRunner) -> None:
    out = orch("report", cwd=finished_run)
    assert out.returncode == 0, out.stderr
    assert re.search(r"T002\s+done \((un)?verified\)\s+attempts 2", out.stdout)
    assert "phase 1: APPROVE by orch" in out.stdout
    data = json.loads(orch("report", "--json", cwd=finished_run).stdout)
    run = data["runs"][0]
    assert [a["task"] for a in run["attempts"]] == ["T001", "T002", "T002"]
    assert run["attempts"][1]["status"] == "failed"
    assert data["agents"][0]["retries"] == 1 and data["agents"][0]["success_rate"] == 1.0


def test_all_runs_compare_agents(finished_run: Path, orch: OrchRunner) -> None:
    (finished_run / "plan2.md").write_text(PLAN.replace("# Report", "# Again"))
    commit_all(finished_run, "second plan")
    assert orch("run", "plan2.md", "--yes", cwd=finished_run).returncode == 0
    out = orch("report", "--all", cwd=finished_run)
    assert out.returncode == 0, out.stderr
    assert "Agents compared" in out.stdout and "shell/shell: 4/4 (100%)" in out.stdout


def _artifact_dir(tmp_path: Path) -> Path:
    where = Path(os.environ.get("ORCH_TEST_ARTIFACTS", tmp_path / "artifacts"))
    where.mkdir(parents=True, exist_ok=True)
    return where


def test_html_renders_timeline_in_headless_chromium(finished_run: Path, orch: OrchRunner,
                                                    tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    out = orch("report", "--html", str(page), cwd=finished_run)
    assert out.returncode == 0, out.stderr
    html = page.read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    flags = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    shot = _artifact_dir(tmp_path) / "orch-report.png"
    taken = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1100,800",
                            page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 1000, taken.stderr[-2000:]
    dom = subprocess.run([*flags, "--enable-logging=stderr", "--v=0", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="timeline"' in dom.stdout
    assert len(re.findall(r'<rect class="attempt"', dom.stdout)) == 3
    assert 'class="decision"' in dom.stdout
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr
