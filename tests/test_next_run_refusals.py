"""What used to make the next run refuse (issue 27, item 10): the shell's own redirect target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import commit_all, shell_task


def test_json_redirected_into_the_tree_names_the_shell_as_its_creator(git_repo: Path) -> None:
    (git_repo / "plan.md").write_text("# P\n\n## Phase 1: One\n\n"
                                      + shell_task("T001", "Do", "echo ok > a.txt") + "\n")
    commit_all(git_repo)
    out = subprocess.run(f"'{sys.executable}' -m orch run plan.md --yes --json > events.jsonl",
                         shell=True, cwd=git_repo, capture_output=True, text=True, timeout=120)
    assert out.returncode == 3, out.stderr
    lines = out.stderr.splitlines()
    at = lines.index("error: the working tree has uncommitted changes: events.jsonl")
    assert lines[at + 1].startswith("hint: events.jsonl is this command's own output: the shell "
                               "created it (`> events.jsonl`) before orch started"), lines
    assert "`> ../events.jsonl`" in lines[at + 1]
    assert not (git_repo / "a.txt").exists()
