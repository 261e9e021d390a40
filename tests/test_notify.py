"""Notifications (docs/decisions.md): a real webhook on 127.0.0.1 gets one POST per event kind."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, commit_all, git, shell_task, start_orch
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


class Trickle:
    """A raw HTTP server on 127.0.0.1 that answers 200 with ``Content-Length: 1000`` and then
    sends one byte every ``interval`` seconds: each socket read succeeds, the reply never ends."""

    def __init__(self, interval: float) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requested = threading.Event()
        self.requested_at = 0.0
        self.interval = interval
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self.listener.accept()
            with conn:
                conn.recv(65536)
                self.requested_at = time.monotonic()
                self.requested.set()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                while not self.stop.wait(self.interval):
                    conn.sendall(b"x")

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle(interval=0.5)
    yield server
    server.close()


def test_trickling_webhook_is_bounded_as_a_whole(trickle: Trickle, git_repo: Path,
                                                 orch: OrchRunner) -> None:
    timeout_s = 2
    config = f"notify:\n  webhook: {trickle.url}/services/T0/B0/XOXBsecretpart123\n" \
             f"  timeout_s: {timeout_s}\n"
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    out = orch("run", "plan.md", "--yes", cwd=project, timeout=60)
    ended = time.monotonic()
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "internal error" not in text
    assert f"notify webhook {trickle.url}/… failed: timed out after {timeout_s}s" in text
    assert trickle.requested.is_set()
    assert ended - trickle.requested_at < timeout_s + 2


def test_ctrl_c_during_notify_is_honoured(trickle: Trickle, git_repo: Path) -> None:
    config = f"notify:\n  webhook: {trickle.url}/x\n  timeout_s: 600\n"
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    process = start_orch("run", "plan.md", "--yes", cwd=project, output=True)
    try:
        assert trickle.requested.wait(60), "the webhook was never called"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert "internal error" not in out + err
    assert "notify webhook" in out + err and "interrupted" in out + err
    journal = next(project.glob(".specify/orch/runs/*/events.jsonl")).read_text()
    assert '"state": "completed"' in journal or '"state":"completed"' in journal


def test_broken_notifiers_are_warnings_with_their_own_words(git_repo: Path, orch: OrchRunner,
                                                            tmp_path: Path) -> None:
    """A reply that is not HTTP raises http.client.BadStatusLine (not an OSError): a warning.
    A command that outlives timeout_s is reported as a timeout, not as "exit None"."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"SMTP ready\r\n\r\n")
    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/h"
    config = f"notify:\n  webhook: {url}\n  command: sleep 30\n  timeout_s: 1\n"
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    try:
        out = orch("run", "plan.md", "--yes", cwd=project, timeout=60)
    finally:
        listener.close()
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "internal error" not in text
    assert "BadStatusLine" in text
    assert "notify command failed (timed out after 1s)" in text
    assert "exit None" not in text


def test_webhook_that_is_not_a_url_is_refused_when_config_loads(git_repo: Path,
                                                                orch: OrchRunner) -> None:
    project = _project(git_repo, _plan("echo ok > a.txt"), "notify:\n  webhook: 'not a url'\n")
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 2, out.stdout + out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "notify.webhook" in errors[0], out.stderr
    assert not (project / "a.txt").exists()


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to see the fsync")
def test_run_end_is_durable_before_the_notifier_runs(git_repo: Path, tmp_path: Path) -> None:
    """strace shows the order: the run_state line is written, the journal fsync'd, and only
    then is the notify command started."""
    project = _project(git_repo, _plan("echo ok > a.txt"), "notify:\n  command: true notifyme\n")
    trace = tmp_path / "trace.txt"
    out = subprocess.run(["strace", "-f", "-y", "-s", "200", "-e", "trace=write,fsync,execve",
                          "-o", str(trace), sys.executable, "-m", "orch", "run", "plan.md",
                          "--yes"], cwd=project, capture_output=True, text=True, timeout=120)
    if out.returncode != 0 and "ptrace" in out.stderr:
        pytest.skip("ptrace is not allowed here")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = trace.read_text().splitlines()
    ended = max(i for i, line in enumerate(lines)
                if "events.jsonl>" in line and "run_state" in line and "completed" in line)
    notified = min(i for i, line in enumerate(lines) if "execve(" in line and "notifyme" in line)
    assert ended < notified
    assert any("fsync(" in line and "events.jsonl>" in line
               for line in lines[ended:notified]), lines[ended:notified]


SLACK = "https://hooks.slack.com/services/T0AAAA/B0BBBB/XOXBwebhooksecret12345"


def test_webhook_secrets_never_reach_warnings_or_the_journal(git_repo: Path, orch: OrchRunner,
                                                             tmp_path: Path) -> None:
    """The webhook answers 404 and names itself in the error: its URL's secret path and a
    ``?token=`` stay out of the output and the journal."""
    listener = socket.create_server(("127.0.0.1", 0))
    secret_url = (f"http://127.0.0.1:{listener.getsockname()[1]}"
                  "/services/T0AAAA/B0BBBB/XOXBwebhooksecret12345?token=querysecret987")

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                body = f"no such hook {secret_url} or {SLACK}".encode()
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
    threading.Thread(target=serve, daemon=True).start()
    config = f"notify:\n  webhook: '{secret_url}'\n  command: 'echo {SLACK} >&2; exit 3'\n"
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    try:
        out = orch("run", "plan.md", "--yes", cwd=project)
    finally:
        listener.close()
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "notify webhook" in text and "notify command failed (exit 3)" in text
    journal = next(project.glob(".specify/orch/runs/*/events.jsonl")).read_text()
    for where in (text, journal):
        assert "XOXBwebhooksecret12345" not in where
        assert "querysecret987" not in where


def test_notify_command_gets_no_model_keys_unless_passed(git_repo: Path, orch: OrchRunner,
                                                         tmp_path: Path) -> None:
    seen = tmp_path / "env.txt"
    config = (f"notify:\n  command: env > {seen}\n  pass_env: [SLACK_TOKEN]\n")
    project = _project(git_repo, _plan("echo ok > a.txt"), config)
    out = orch("run", "plan.md", "--yes", cwd=project, env={
        "ANTHROPIC_API_KEY": "sk-ant-api03-notify-env-0123456789",
        "OPENAI_API_KEY": "sk-openai-notify-env-0123456789",
        "GEMINI_API_KEY": "gemini-notify-env-0123456789",
        "SLACK_TOKEN": "slack-token-the-command-needs",
        "ORCH_HARMLESS": "kept"})
    assert out.returncode == 0, out.stdout + out.stderr
    env = seen.read_text()
    assert "ANTHROPIC_API_KEY" not in env and "OPENAI_API_KEY" not in env
    assert "GEMINI_API_KEY" not in env
    assert "SLACK_TOKEN=slack-token-the-command-needs" in env
    assert "ORCH_HARMLESS=kept" in env and "ORCH_EVENT=completed" in env
