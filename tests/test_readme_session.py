"""The README's "typical session", command for command, in a fresh git repository.

The plan is drafted offline; the agent is a fake ``claude`` on PATH that speaks Claude Code's
stream-json output and does each task's work with plain file writes (the files the prompt names,
test scripts that pass). It fails T007 once, the README's "failed verification"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import OrchRunner, git
from test_cli_contract import run_on_a_terminal

PLAN = ".specify/plans/add-rate-limiting-to-the-api.md"

FAKE_CLAUDE = r'''#!{python}
import json, os, re, sys
from pathlib import Path
prompt = sys.stdin.read()
task = re.search(r"# Your task: (\S+)", prompt).group(1)
sentinel = Path(os.environ["FAKE_FAIL_ONCE"])
if task == sentinel.read_text().strip() if sentinel.exists() else False:
    sentinel.unlink()
else:
    for line in prompt.splitlines():
        if line.startswith("Files involved: "):
            for name in line[len("Files involved: "):].split(", "):
                path = Path(name.strip())
                path.parent.mkdir(parents=True, exist_ok=True)
                body = "#!/usr/bin/env bash\nexit 0\n" if path.suffix == ".sh" else f"# {{task}}\n"
                path.write_text(body)
print(json.dumps({{"type": "system", "subtype": "init", "session_id": "s-" + task}}))
print(json.dumps({{"type": "result", "subtype": "success", "is_error": False,
                  "result": "did " + task, "session_id": "s-" + task, "num_turns": 1,
                  "total_cost_usd": 0.01, "usage": {{"input_tokens": 10, "output_tokens": 5}}}}))
'''


def test_the_readme_typical_session_works_as_written(
    git_repo: Path, orch: OrchRunner, tmp_path: Path
) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    session = readme.split("## A typical session", 1)[1].split("```bash", 1)[1].split("```")[0]
    commands = [line.split("#", 1)[0].strip() for line in session.splitlines()]
    commands = [c for c in commands if c.startswith("orch ")]
    assert commands[:3] == [
        "orch init",
        'orch plan "add rate limiting to the API"',
        f"orch validate {PLAN} --strict",
    ]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    claude = bin_dir / "claude"
    claude.write_text(FAKE_CLAUDE.format(python=sys.executable))
    claude.chmod(0o755)
    sentinel = tmp_path / "fail-once"
    sentinel.write_text("T007")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_FAIL_ONCE": str(sentinel)}
    expected = {"orch run": 1}  # T007 fails its verification once, as the README expects
    snapshot = ""
    for command in commands:
        args = _split(command)[1:]
        if command == "orch rollback phase-2":
            code, err = run_on_a_terminal(
                [sys.executable, "-m", "orch", *args], git_repo, "y\n", env=env
            )
            assert code == 0, f"{command}: {err}"
            continue
        if command == "orch rollback --undo":
            result = orch(*args, cwd=git_repo, env=env)
            assert result.returncode == 0, f"{command}: {result.stderr}"
            assert _tree(git_repo) == snapshot
            continue
        result = orch(*args, cwd=git_repo, env=env, timeout=300)
        want = expected.get(" ".join(command.split()[:2]), 0)
        assert result.returncode == want, f"{command}: {result.stdout}{result.stderr}"
        if command.startswith("orch rollback phase-2 --dry-run"):
            snapshot = _tree(git_repo)
    assert not sentinel.exists()
    subjects = git(git_repo, "log", "--format=%s").splitlines()
    assert subjects[-1] == "initial" and subjects[-2] == "orch: plan"
    assert sum(s.startswith("orch: phase ") for s in subjects) == 5


def _split(command: str) -> list[str]:
    return [part.strip('"') for part in re.findall(r'"[^"]*"|\S+', command)]


def _tree(repo: Path) -> str:
    """HEAD, index and every file's bytes outside .git: equal means byte-identical."""
    files = subprocess.run(
        ["git", "ls-files", "-s", "-o", "--exclude-standard"], cwd=repo, capture_output=True,
        text=True, check=True,
    ).stdout
    return git(repo, "rev-parse", "HEAD") + files
