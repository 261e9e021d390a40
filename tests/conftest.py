"""Shared fixtures: real git repositories in temp dirs and real ``orch`` subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes.anthropic_server import FakeAnthropic

FAKES_DIR = Path(__file__).resolve().parent / "fakes"
# Test-only plugins (the fake adapter) register through a dist-info in tests/fakes: on sys.path
# here, on PYTHONPATH for `orch` subprocesses (see _isolated_env).
if str(FAKES_DIR) not in sys.path:
    sys.path.insert(0, str(FAKES_DIR))
REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test User",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test User",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No API keys, no colour, no user git config leaking into a test."""
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name in {"ORCH_MODEL", "ANTHROPIC_BASE_URL", "ORCH_DEBUG"}:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(FAKES_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]))
    gitconfig = tmp_path_factory.mktemp("home") / ".gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout (raises on failure)."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty project directory that is a git repository with one initial commit."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("# test project\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


OrchRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def orch() -> OrchRunner:
    """Run the real ``orch`` CLI in a subprocess: ``orch("run", "plan.md", cwd=repo)``."""

    def _run(
        *args: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "orch", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
        )

    return _run


def start_orch(*args: str, cwd: Path, env: dict[str, str] | None = None,
               output: bool = False) -> subprocess.Popen[str]:
    """The real ``orch`` started in the background (the ``orch`` fixture waits; this does
    not): its stdout and stderr piped as text when ``output``, else discarded."""
    stream = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "orch", *args], cwd=cwd,
                            env={**os.environ, **(env or {})}, stdout=stream, stderr=stream,
                            text=True)


def wait_for_file(path: Path, process: subprocess.Popen[str] | None = None,
                  limit: float = 60) -> None:
    """Wait until ``path`` exists; fail when ``process`` ends first or ``limit`` seconds pass."""
    deadline = time.monotonic() + limit
    while not path.exists():
        assert process is None or process.poll() is None, f"{path} never appeared: it ended"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.fixture
def corpus_dir() -> Iterator[Path]:
    """``../shared/corpus`` when present; the test is skipped otherwise."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    yield CORPUS


def shell_task(
    task_id: str,
    title: str,
    script: str,
    *,
    verify: list[str] | None = None,
    extra: str = "",
    deps: str = "",
) -> str:
    """A plan task item with a fenced shell block (and optional verify bullets)."""
    lines = [f"- [ ] {task_id} {title}{f' (depends on {deps})' if deps else ''}", "  ```sh"]
    lines += [f"  {line}" if line else "" for line in script.splitlines()]
    lines.append("  ```")
    lines += [f"  - verify: `{command}`" for command in verify or []]
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def make_plan(
    phases: list[tuple[str, list[str]]],
    *,
    title: str = "Test plan",
    gates: dict[int, list[str]] | None = None,
) -> str:
    """A native plan: ``phases`` is ``[(title, [task items])]``; ``gates`` by 1-based phase."""
    out = [f"# {title}", ""]
    for number, (phase_title, tasks) in enumerate(phases, start=1):
        out += [f"## Phase {number}: {phase_title}", ""]
        out += tasks
        out.append("")
        for gate in (gates or {}).get(number, []):
            out += [f"**Gate**: `{gate}`", ""]
    return "\n".join(out)


def commit_all(repo: Path, message: str = "add plan") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def failed_run(repo: Path, orch: OrchRunner, plan: str) -> str:
    """Commit ``plan`` as plan.md, run it (``--commit none``) to a task failure; the run id."""
    (repo / "plan.md").write_text(plan)
    commit_all(repo)
    first = orch("run", "plan.md", "--commit", "none", cwd=repo)
    assert first.returncode == 1, first.stdout + first.stderr
    current = (repo / ".specify" / "orch" / "current").read_text().strip()
    assert current
    return current


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropic]:
    """A fake Messages API on 127.0.0.1 (plain JSON and SSE), stopped after the test."""
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


def point_sdk_at(
    monkeypatch: pytest.MonkeyPatch, server: FakeAnthropic, api_key: str
) -> FakeAnthropic:
    """Make the official SDK, in this process, talk to ``server`` with ``api_key``."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ORCH_RETRY_BASE_DELAY", "0.01")
    return server
