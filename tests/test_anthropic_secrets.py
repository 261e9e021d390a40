"""Secrets do not reach the model or anything orch writes: the file tools keep out of `.git/`,
`.specify/orch/` and symlinked secrets, and credentials inside URLs are redacted everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import OrchRunner, git, point_sdk_at
from fakes.anthropic_server import FakeAnthropic, text, tool
from fakes.contexts import make_context
from orch.adapters.anthropic_loop import AnthropicAdapter
from orch.adapters.tools import ProjectTools
from orch.secrets import Redactor

DB_PASSWORD = "hunter2-db-pass"
GIT_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
CONFIG = (f"database: postgres://app:{DB_PASSWORD}@db.internal:5432/app\n"
          f"origin: https://x-access-token:{GIT_TOKEN}@github.com/acme/app.git\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin",
        f"https://x-access-token:{GIT_TOKEN}@github.com/acme/app.git")
    (root / ".env").write_text("API_TOKEN=env-file-secret-value\n")
    (root / "notes.txt").symlink_to(".env")
    (root / "gitcfg").symlink_to(".git/config")
    (root / ".specify" / "orch").mkdir(parents=True)
    (root / ".specify" / "orch" / "config.yaml").write_text("model: secret-model\n")
    (root / "app.py").write_text("print('hello')\n")
    return root


def test_search_does_not_follow_a_symlink_to_a_file_read_file_refuses(project: Path) -> None:
    tools = ProjectTools(project_dir=project)
    assert tools.execute("read_file", {"path": "notes.txt"}).is_error
    found = tools.execute("search", {"pattern": "secret", "path": "."})
    assert "env-file-secret-value" not in found.content and found.content == "no matches"
    direct = tools.execute("search", {"pattern": "secret", "path": "notes.txt"})
    assert direct.is_error and "secrets" in direct.content


@pytest.mark.parametrize(("name", "args"), [
    ("read_file", {"path": ".git/config"}),
    ("read_file", {"path": "gitcfg"}),
    ("read_file", {"path": ".specify/orch/config.yaml"}),
    ("list_files", {"path": ".git"}),
    ("list_files", {"path": ".specify/orch"}),
    ("search", {"pattern": "token", "path": ".git"}),
    ("search", {"pattern": "token", "path": "gitcfg"}),
    ("edit_file", {"path": "gitcfg", "old": "x", "new": "y"}),
])
def test_git_and_orch_bookkeeping_are_never_read_or_listed(project: Path, name: str,
                                                           args: dict[str, str]) -> None:
    outcome = ProjectTools(project_dir=project).execute(name, args)
    assert outcome.is_error and "refused" in outcome.content, outcome.content
    assert GIT_TOKEN not in outcome.content


def test_walking_the_project_skips_git_and_orch_files(project: Path) -> None:
    tools = ProjectTools(project_dir=project)
    listing = tools.execute("list_files", {"path": "."}).content.splitlines()
    assert not [p for p in listing if p.startswith((".git/", ".specify/orch/"))]
    found = tools.execute("search", {"pattern": "x-access-token|secret-model", "path": "."})
    assert found.content == "no matches"


def test_tool_results_and_the_log_are_redacted(anthropic_server: FakeAnthropic, project: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = point_sdk_at(monkeypatch, anthropic_server, "sk-ant-test-key-abcdefgh")
    (project / "deploy.yml").write_text(CONFIG)
    server.add(tool("read_file", {"path": "deploy.yml"}),
               tool("search", {"pattern": "://", "path": "."}),
               tool("run_command", {"command": "cat deploy.yml; git remote -v"}),
               text("done"))
    result = AnthropicAdapter(stream=True).run(make_context(project))
    sent = json.dumps(server.requests)
    log = Path(result.log_path or "").read_text()
    for leaked in (DB_PASSWORD, GIT_TOKEN):
        assert leaked not in sent and leaked not in log
    last = json.dumps(server.requests[-1]["messages"])
    assert last.count("postgres://app:[REDACTED]@db.internal") == 3
    assert "x-access-token:[REDACTED]@github.com" in log


def test_a_write_of_the_redaction_placeholder_is_refused(project: Path) -> None:
    (project / "deploy.yml").write_text(CONFIG)
    tools = ProjectTools(project_dir=project)
    shown = tools.execute("read_file", {"path": "deploy.yml"}).content
    assert "[REDACTED]" in shown
    assert tools.execute("write_file", {"path": "deploy.yml", "content": shown}).is_error
    assert tools.execute("edit_file", {"path": "deploy.yml", "old": "db.internal",
                                       "new": "[REDACTED]"}).is_error
    assert (project / "deploy.yml").read_text() == CONFIG
    fresh = tools.execute("write_file", {"path": "redact.py", "content": 'MARK = "[REDACTED]"\n'})
    assert not fresh.is_error, fresh.content


def test_url_credentials_never_reach_logs_events_or_snapshots(git_repo: Path,
                                                             orch: OrchRunner) -> None:
    url = f"postgres://app:{DB_PASSWORD}@db.internal/app"
    remote = f"https://x-access-token:{GIT_TOKEN}@github.com/acme/app.git"
    (git_repo / "plan.md").write_text(
        "# Leak\n\n## Phase 1: Build\n\n- [ ] T001 Connect\n  ```sh\n"
        f"  echo connecting to {url}\n  ```\n"
        f"  - verify: `echo pushing to {remote} && false`\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "plan")
    out = orch("run", "plan.md", cwd=git_repo)
    assert out.returncode == 1, out.stdout + out.stderr
    assert DB_PASSWORD not in out.stdout + out.stderr
    assert GIT_TOKEN not in out.stdout + out.stderr
    assert "x-access-token:[REDACTED]@github.com" in out.stdout + out.stderr
    written = [p for p in (git_repo / ".specify" / "orch").rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"events.jsonl", "run.json", "status.md", "T001.log"} <= names
    for path in written:
        content = path.read_text(errors="replace")
        assert DB_PASSWORD not in content and GIT_TOKEN not in content, path
    log = next(p for p in written if p.name == "T001.log").read_text()
    assert "postgres://app:[REDACTED]@db.internal" in log


@pytest.mark.parametrize("value", [
    "postgres://user:pass1234@host/db", "mysql://root:p4$$w0rd!@localhost:3306/app",
    f"https://x-access-token:{GIT_TOKEN}@github.com/o/r.git",
    "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
    "key=sk-ant-api03-abcdefghijklmnop-XYZ", "AKIAIOSFODNN7EXAMPLE",
])
def test_the_shared_redactor_knows_credential_shapes(value: str) -> None:
    redactor = Redactor([])
    assert "[REDACTED]" in redactor(value)
    assert redactor.bytes(value.encode()) == redactor(value).encode()


@pytest.mark.parametrize("value", [
    "ssh://git@github.com/acme/app.git", "https://github.com/acme/app@v1",
    "mail ops@example.com", "token = get_token()",
])
def test_the_shared_redactor_leaves_ordinary_text_alone(value: str) -> None:
    assert Redactor([])(value) == value


def test_a_huge_file_is_streamed_and_memory_errors_are_tool_errors(tmp_path: Path) -> None:
    """Under a 768 MiB address-space limit, read_file and search of a 1 GiB file work."""
    big = tmp_path / "big.log"
    with open(big, "wb") as handle:
        handle.write(b"line of text\n" * 1000)
        handle.truncate(2**30)
    script = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (768 * 2**20, 768 * 2**20))
from orch.adapters.tools import ProjectTools
tools = ProjectTools(project_dir=Path(sys.argv[1]))
read = tools.execute("read_file", {"path": "big.log"})
found = tools.execute("search", {"pattern": "text", "path": "."})
blown = tools.execute("write_file", {"path": "x.txt", "content": None})
eaten = tools.execute("edit_file", {"path": "big.log", "old": "a", "new": "b"})
print(json.dumps({"read": [read.is_error, len(read.content), read.content[-60:]],
                  "found": [found.is_error, found.content.count("big.log:")],
                  "others": [blown.is_error, eaten.is_error],
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["read"][0] is False and "more characters cut" in data["read"][2]
    assert 20_000 <= data["read"][1] < 20_100
    assert data["found"] == [False, 200]
    assert data["others"] == [True, True]
    assert data["rss_mib"] < 300


def test_a_fifo_in_the_project_does_not_block_the_tools(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text("needle\n")
    tools = ProjectTools(project_dir=tmp_path)
    outcomes: list[str] = []
    worker = threading.Thread(target=lambda: outcomes.extend([
        tools.execute("search", {"pattern": "needle", "path": "."}).content,
        tools.execute("read_file", {"path": "pipe"}).content]), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "a tool blocked on a FIFO"
    assert outcomes[0] == "a.txt:1: needle" and "no such file" in outcomes[1]
