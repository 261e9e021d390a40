"""The CLI says what is true: config errors, usage errors, prompts, status of dead runs,
resume options, wording (issue 8 items 9, 11-13, 15, 17, 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import OrchRunner, commit_all, make_plan, shell_task


def one_task_plan(repo: Path, script: str = "echo hi > out.txt") -> None:
    (repo / "plan.md").write_text(make_plan([("One", [shell_task("T001", "Write", script)])]))
    commit_all(repo)


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (".specify/orch/config.yaml", "[" * 5000),
        (".specify/orch/config.yaml", "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 3000))),
        (".claude/agents/deep.md", "---\nname: " + "[" * 5000 + "\n---\nbody\n"),
    ],
)
def test_deeply_nested_yaml_is_a_config_error(
    git_repo: Path, orch: OrchRunner, where: str, text: str
) -> None:
    one_task_plan(git_repo)
    path = git_repo / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    result = orch("run", "plan.md", "--agent", "shell", cwd=git_repo)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and where in lines[0]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (git_repo / "out.txt").exists()
