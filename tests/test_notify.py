"""Notifications (docs/decisions.md): a real webhook on 127.0.0.1 gets one POST per event kind."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, commit_all, git, shell_task
from fakes.anthropic_server import FakeAnthropic

BUDGET_PLAN = ("# B\n\n## Phase 1: One\n\n- [ ] T001 Do it\n  - agent: anthropic\n"
               "  - verify: `test -f README.md`\n")


class Hook:
    """A webhook receiver recording every JSON body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(size)))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orch"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [str(body["event"]) for body in self.bodies]


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _project(repo: Path, plan: str, config: str) -> Path:
    (repo / "plan.md").write_text(plan)
    (repo / ".specify" / "orch").mkdir(parents=True, exist_ok=True)
    (repo / ".specify" / "orch" / "config.yaml").write_text(config)
    commit_all(repo)
    return repo


def _plan(script: str, extra: str = "") -> str:
    return f"# N\n\n## Phase 1: One\n{extra}\n" + shell_task("T001", "Do", script) + "\n"


def test_one_post_per_event_kind(hook: Hook, tmp_path: Path, orch: OrchRunner,
                                 anthropic_server: FakeAnthropic) -> None:
    config = f"notify:\n  webhook: {hook.url}\n"
    cases = [
        ("completed", _plan("echo ok > a.txt"), []),
        ("failed", _plan("exit 3"), []),
        ("awaiting_decision", _plan("echo ok > a.txt", "**Approve**: human\n"), []),
        ("budget_exceeded", BUDGET_PLAN, ["--max-cost", "0.000001"]),
    ]
    for number, (event, plan, flags) in enumerate(cases):
        repo = tmp_path / f"p{number}"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        _project(repo, plan, config)
        orch("run", "plan.md", "--yes", *flags, cwd=repo, env={
            "ANTHROPIC_API_KEY": "sk-ant-api03-notify-test-0123456789",
            "ANTHROPIC_BASE_URL": anthropic_server.url})
        assert hook.events()[-1] == event, (event, hook.events())
        body = hook.bodies[-1]
        assert {"event", "run", "plan", "state", "counts", "cost_usd", "report"} <= set(body)
        assert body["plan"] == "plan.md"
    assert sorted(hook.events()) == sorted(event for event, _, _ in cases)
    assert hook.bodies[2]["report"].endswith("phase-1.md")


def test_dead_webhook_and_failing_command_only_warn(git_repo: Path, orch: OrchRunner,
                                                    tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/x"
    seen = tmp_path / "seen.json"
    config = (f"notify:\n  webhook: {dead}\n  command: cat > {seen}; exit 7\n")
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "notify webhook" in out.stdout + out.stderr
    assert "notify command failed (exit 7)" in out.stdout + out.stderr
    assert json.loads(seen.read_text())["event"] == "completed"
