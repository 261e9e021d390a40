"""Path confinement of the anthropic agent's tools, through the real loop and directly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import point_sdk_at
from fakes.anthropic_server import FakeAnthropic, text, tool
from fakes.contexts import make_context
from orch.adapters.anthropic_loop import AnthropicAdapter
from orch.adapters.base import AgentStatus
from orch.adapters.tools import ProjectTools
from orch.secrets import is_secret_file


@pytest.fixture
def server(anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    return point_sdk_at(monkeypatch, anthropic_server, "sk-ant-test-key-abcdefgh")


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (tmp_path / "outside.txt").write_text("original outside\n")
    (outside / "secret.txt").write_text("outside secret\n")
    (project / "link").symlink_to(outside, target_is_directory=True)
    (project / "filelink.txt").symlink_to(outside / "secret.txt")
    return project, outside


ESCAPES = [
    ("read_file", {"path": "../outside.txt"}),
    ("write_file", {"path": "../outside.txt", "content": "pwned"}),
    ("read_file", {"path": "/etc/passwd"}),
    ("write_file", {"path": "/etc/passwd", "content": "pwned"}),
    ("read_file", {"path": "link/secret.txt"}),
    ("write_file", {"path": "link/secret.txt", "content": "pwned"}),
    ("write_file", {"path": "link/new.txt", "content": "pwned"}),
    ("read_file", {"path": "filelink.txt"}),
    ("edit_file", {"path": "filelink.txt", "old": "outside", "new": "pwned"}),
    ("edit_file", {"path": "../outside.txt", "old": "original", "new": "pwned"}),
    ("list_files", {"path": "link"}),
    ("search", {"pattern": "secret", "path": "link"}),
    ("search", {"pattern": "root", "path": "/etc"}),
    ("read_file", {"path": "sub/../../outside.txt"}),
    ("read_file", {"path": "~/.bashrc"}),
]


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p): p.read_text() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}


def test_the_model_cannot_leave_the_project(server: FakeAnthropic,
                                            layout: tuple[Path, Path]) -> None:
    project, outside = layout
    before = _snapshot(project.parent / "outside") | {
        "outside.txt": (project.parent / "outside.txt").read_text()}
    server.add(*(tool(name, args) for name, args in ESCAPES), text("gave up"))
    result = AnthropicAdapter(stream=True).run(make_context(project))
    assert result.status is AgentStatus.COMPLETED
    results = [block for request in server.requests[1:]
               for block in request["messages"][-1]["content"]
               if block.get("type") == "tool_result"]
    assert len(results) == len(ESCAPES)
    for (name, args), block in zip(ESCAPES, results, strict=True):
        assert block["is_error"] is True, (name, args, block["content"])
        assert "refused" in block["content"], (name, args, block["content"])
        assert "outside secret" not in block["content"] and "root:" not in block["content"]
    after = _snapshot(project.parent / "outside") | {
        "outside.txt": (project.parent / "outside.txt").read_text()}
    assert after == before
    assert not (outside / "new.txt").exists()
    assert result.files_changed == []


def test_inside_paths_work_and_symlinks_inside_are_fine(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / "src").mkdir(parents=True)
    (project / "src" / "a.py").write_text("x = 1\ny = 2\n")
    (project / "alias").symlink_to(project / "src", target_is_directory=True)
    tools = ProjectTools(project_dir=project)
    assert tools.execute("read_file", {"path": "alias/a.py"}).content == "x = 1\ny = 2\n"
    assert not tools.execute("edit_file", {"path": "./src/a.py", "old": "y = 2",
                                           "new": "y = 3"}).is_error
    assert (project / "src" / "a.py").read_text() == "x = 1\ny = 3\n"
    out = tools.execute("search", {"pattern": r"y = \d", "path": "src"})
    assert out.content == "src/a.py:2: y = 3"
    listing = tools.execute("list_files", {"path": "."}).content.splitlines()
    assert "src/a.py" in listing
    ambiguous = tools.execute("edit_file", {"path": "src/a.py", "old": " = ", "new": "="})
    assert ambiguous.is_error and "2 times" in ambiguous.content
    assert tools.files_changed == {"src/a.py"}


def test_git_and_orch_state_are_not_writable(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / ".git").mkdir(parents=True)
    tools = ProjectTools(project_dir=project)
    for path in (".git/config", ".specify/orch/current", ".specify/orch/runs/x/run.json"):
        outcome = tools.execute("write_file", {"path": path, "content": "x"})
        assert outcome.is_error and "refused" in outcome.content
    assert not tools.execute("write_file", {"path": ".specify/memory/notes.md",
                                            "content": "ok"}).is_error


def test_secret_files_are_only_read_when_the_task_names_them(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("TOKEN=hunter2hunter2\n")
    (project / "app.py").write_text("print('TOKEN')\n")
    tools = ProjectTools(project_dir=project)
    refused = tools.execute("read_file", {"path": ".env"})
    assert refused.is_error and "secrets" in refused.content
    assert "hunter2" not in tools.execute("search", {"pattern": "TOKEN", "path": "."}).content
    named = ProjectTools(project_dir=project, allowed_secrets={".env"})
    assert "hunter2" in named.execute("read_file", {"path": ".env"}).content


def test_named_env_file_through_the_adapter(server: FakeAnthropic, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text("DEBUG=1\n")
    server.add(tool("read_file", {"path": ".env"}), text("ok"),
               tool("read_file", {"path": ".env"}), text("ok"))
    AnthropicAdapter(stream=False).run(make_context(project))
    refused = server.requests[1]["messages"][-1]["content"][0]
    assert refused["is_error"] is True
    AnthropicAdapter(stream=False).run(make_context(project, title="Add DEBUG to .env",
                                                    files=[".env"]))
    allowed = server.requests[3]["messages"][-1]["content"][0]
    assert allowed["type"] == "tool_result"
    assert allowed["is_error"] is False and "DEBUG=1" in allowed["content"]


def test_run_command_is_bounded_and_times_out(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    tools = ProjectTools(project_dir=project, log_path=tmp_path / "log")
    out = tools.execute("run_command", {"command": "pwd; seq 1 5000"})
    assert out.content.startswith("exit code 0")
    assert "5000" in out.content and "\n1\n" not in out.content
    assert len(out.content) < 2_000
    slow = tools.execute("run_command", {"command": "sleep 30", "timeout": 1})
    assert "timed out" in slow.content
    assert os.path.getsize(tmp_path / "log") > 0


def test_unknown_tool_and_bad_input_are_tool_errors(tmp_path: Path) -> None:
    tools = ProjectTools(project_dir=tmp_path)
    assert tools.execute("rm_rf", {}).is_error
    assert tools.execute("read_file", "not a dict").is_error
    assert tools.execute("search", {"pattern": "("}).is_error


@pytest.mark.parametrize(("path", "secret"), [
    (".env", True), ("config/.env.production", True), (".env.example", False),
    ("keys/server.pem", True), ("id_rsa", True), ("id_rsa.pub", False), ("src/env.py", False),
    ("README.md", False), (".netrc", True),
])
def test_is_secret_file(path: str, secret: bool) -> None:
    assert is_secret_file(path) is secret
