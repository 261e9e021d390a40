"""What the anthropic agent is given: a spec-kit feature's design documents in the cached system
prefix, within their size bound; one model choice and one credential rule for the agent loop
and `orch plan`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.anthropic_server import FakeAnthropic
from orch.adapters.anthropic_settings import choose_model
from orch.adapters.context import MAX_SPEC_DOCS_CHARS, spec_docs_text
from orch.adapters.pricing import DEFAULT_MODEL
from orch.planning.drafter import model_available, model_name

API_KEY = "sk-ant-api03-context-test-key-0123456789"
TOKEN = "gateway-bearer-token-0123456789abcdef"

TASKS = """# Tasks: User accounts

## Phase 1: Setup

- [ ] T001 Create the User model
  - verify: `true`
"""


def _feature(root: Path) -> Path:
    feature = root / "specs" / "001-users"
    (feature / "contracts").mkdir(parents=True)
    (feature / "tasks.md").write_text(TASKS)
    (feature / "spec.md").write_text("# Spec\n\nSPEC-MARKER users sign up with an email.\n")
    (feature / "plan.md").write_text("# Plan\n\nPLAN-MARKER Python 3.12, FastAPI, SQLite.\n")
    (feature / "data-model.md").write_text("# Data model\n\nDATA-MODEL-MARKER User(id, email)\n")
    (feature / "contracts" / "users.yaml").write_text("openapi: 3.1.0 # CONTRACT-MARKER\n")
    (feature / "research.md").write_text("# Research\n\n" + "RESEARCH " * 20_000)
    (feature / "quickstart.md").write_text("# Quickstart\n\nQUICKSTART-MARKER\n")
    return feature


def test_a_speckit_agent_gets_the_design_documents_in_the_cached_prefix(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    _feature(git_repo)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "feature")
    out = orch("run", "specs/001-users/tasks.md", "--agent", "anthropic", cwd=git_repo,
               env={"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic_server.url})
    assert out.returncode == 0, out.stdout + out.stderr
    (system,) = anthropic_server.requests[0]["system"]
    assert system["cache_control"] == {"type": "ephemeral"}
    prefix = system["text"]
    for marker in ("SPEC-MARKER", "PLAN-MARKER", "DATA-MODEL-MARKER", "CONTRACT-MARKER"):
        assert marker in prefix
    assert prefix.index("SPEC-MARKER") < prefix.index("PLAN-MARKER") < prefix.index(
        "DATA-MODEL-MARKER") < prefix.index("CONTRACT-MARKER")
    docs = prefix[prefix.index("# Feature design documents"):]
    assert len(docs) <= MAX_SPEC_DOCS_CHARS + 200
    assert "read_file specs/001-users/research.md shows more" in docs
    task = str(anthropic_server.requests[0]["messages"])
    assert "SPEC-MARKER" not in task


def test_design_documents_are_bounded_and_only_for_speckit_features(tmp_path: Path) -> None:
    feature = _feature(tmp_path)
    text = spec_docs_text(tmp_path, feature / "tasks.md", max_chars=2_000, per_doc=1_000)
    assert len(text) <= 2_000
    assert "## specs/001-users/spec.md" in text and "SPEC-MARKER" in text
    assert "Not included for space" in text and "specs/001-users/quickstart.md" in text
    assert spec_docs_text(tmp_path, Path("specs/001-users/tasks.md")) != ""
    (tmp_path / "plan.md").write_text(TASKS)
    assert spec_docs_text(tmp_path, tmp_path / "plan.md") == ""


@pytest.mark.parametrize(("role", "config", "env", "expected"), [
    ("role-model", "config-model", "env-model", "role-model"),
    (None, "config-model", "env-model", "config-model"),
    (None, None, "env-model", "env-model"),
    (None, None, None, DEFAULT_MODEL),
    ("sonnet", None, None, "claude-sonnet-4-6"),
    ("inherit", "config-model", None, "config-model"),
])
def test_one_model_choice_for_the_agent_and_the_drafter(
        monkeypatch: pytest.MonkeyPatch, role: str | None, config: str | None,
        env: str | None, expected: str) -> None:
    if env:
        monkeypatch.setenv("ORCH_MODEL", env)
    assert choose_model(role, config) == expected
    assert model_name(role, config) == expected


def test_an_auth_token_alone_is_enough_for_the_agent_and_the_drafter(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", TOKEN)
    assert model_available()
    (git_repo / ".specify" / "orch").mkdir(parents=True)
    (git_repo / ".specify" / "orch" / "config.yaml").write_text("model: claude-haiku-4-5\n")
    (git_repo / "plan.md").write_text(TASKS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "plan")
    empty = tmp_path / "no-claude"
    empty.mkdir()
    out = orch("run", "plan.md", cwd=git_repo,
               env={"ANTHROPIC_BASE_URL": anthropic_server.url, "ORCH_MODEL": "claude-opus-4-6",
                    "PATH": f"{empty}:/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert anthropic_server.headers[0]["authorization"] == f"Bearer {TOKEN}"
    assert anthropic_server.requests[0]["model"] == "claude-haiku-4-5"
    for path in (git_repo / ".specify" / "orch" / "runs").rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path
