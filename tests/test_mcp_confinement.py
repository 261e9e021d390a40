"""The MCP server reads only the project's regular files, within a size bound (issue 27)."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
from mcp import Client

from conftest import make_plan, shell_task
from test_mcp import project, text, with_server

SECRET_PLAN = make_plan([("Outside", [shell_task("T001", "TOPSECRET title", "true")])])


def validate_all(repo: Path, paths: list[str]) -> list[tuple[bool, str]]:
    """``plan_validate`` of each path on one server; each call must answer within 60 s."""

    async def script(client: Client) -> list[tuple[bool, str]]:
        answers = []
        for path in paths:
            with anyio.fail_after(60):
                result = await client.call_tool("plan_validate", {"path": path})
            answers.append((bool(result.is_error), text(result)))
        return answers

    return with_server(repo, script)


def test_plan_validate_stays_inside_the_project(git_repo: Path, tmp_path: Path) -> None:
    repo = project(git_repo, make_plan([("Work", [shell_task("T001", "Inside", "true")])]))
    outside = tmp_path / "secret-plan.md"
    outside.write_text(SECRET_PLAN)
    (repo / "link.md").symlink_to(outside)
    (repo / "linked-dir").symlink_to(tmp_path)
    (repo / "zero.md").symlink_to("/dev/zero")
    paths = [str(outside), "../secret-plan.md", "link.md", "linked-dir/secret-plan.md",
             "/dev/zero", "zero.md"]
    answers = validate_all(repo, paths)
    for path, (is_error, message) in zip(paths, answers, strict=True):
        assert is_error, (path, message)
        assert "outside the project" in message, (path, message)
        assert "TOPSECRET" not in message


def test_plan_validate_refuses_a_fifo_and_a_huge_file_without_hanging(git_repo: Path) -> None:
    repo = project(git_repo, make_plan([("Work", [shell_task("T001", "Inside", "true")])]))
    os.mkfifo(repo / "pipe.md")
    with open(repo / "huge.md", "wb") as huge:  # sparse: 17 MiB of zeros, no disk used
        huge.truncate(17 * 1024 * 1024)
    (repo / "docs").mkdir()
    (repo / "docs" / "plan.md").write_text(SECRET_PLAN)
    (repo / "loop.md").symlink_to("loop.md")
    answers = validate_all(repo, ["pipe.md", "huge.md", "docs/plan.md", "./plan.md",
                                  "bad\0name.md", "x" * 5000 + ".md", "loop.md"])
    assert answers[0][0] and "pipe.md: not a regular file" in answers[0][1], answers[0]
    assert answers[1][0] and "huge.md: larger than 16 MiB" in answers[1][1], answers[1]
    assert not answers[2][0] and "TOPSECRET" in answers[2][1], answers[2]
    assert not answers[3][0], answers[3]
    for is_error, message in answers[4:]:  # odd names: one clean error each, never a crash
        assert is_error and "error: " in message and "internal error" not in message, message
