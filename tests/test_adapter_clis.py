"""The claude-code, codex, gemini and aider adapters against fake executables on PATH that
replay each tool's documented output, successes and failures alike."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git
from fakes.contexts import make_context
from orch.adapters.aider import AiderAdapter, parse_usage
from orch.adapters.base import AgentStatus, Budget, Role
from orch.adapters.claude_code import ClaudeCodeAdapter
from orch.adapters.cli_common import CliAdapter
from orch.adapters.codex import CodexAdapter
from orch.adapters.gemini import GeminiAdapter
from orch.vcs.changes import exclude_locally, status_digests

FAKES = Path(__file__).parent / "fakes"
TOOLS = ("claude", "codex", "gemini", "aider")


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        script = bin_dir / tool
        script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES)!r})\n"
                          "import fake_cli\nsys.exit(fake_cli.main())\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CLI_RECORD", str(tmp_path / "record.json"))
    return bin_dir


def run(adapter: CliAdapter, project: Path, scenario: str, monkeypatch: pytest.MonkeyPatch,
        **context: object):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FAKE_CLI_SCENARIO", scenario)
    return adapter.run(make_context(project, adapter=adapter.name, **context))  # type: ignore[arg-type]


def recorded(fake_bin: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((fake_bin.parent / "record.json").read_text())
    return data


# -- claude -----------------------------------------------------------------------------------

def test_claude_success(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(ClaudeCodeAdapter(), git_repo, "success", monkeypatch,
                 budget=Budget(max_turns=7, max_cost_usd=1.5),
                 role=Role(name="dev", adapter="claude-code", model="sonnet",
                           tools=["Read", "Edit"]))
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.summary == "Created made_by_claude.txt."
    assert result.cost_usd == pytest.approx(0.0421)
    assert result.turns == 3
    assert result.session_id == "5f1c3c1e-claude-session"
    assert result.usage.cache_read_input_tokens == 9000
    assert result.usage.output_tokens == 450
    assert result.files_changed == ["made_by_claude.txt"]
    call = recorded(fake_bin)
    argv = call["argv"]
    assert isinstance(argv, list)
    assert argv[:5] == ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode"]
    assert argv[argv.index("--max-turns") + 1] == "7"
    assert argv[argv.index("--max-budget-usd") + 1] == "1.5000"
    assert argv[argv.index("--model") + 1] == "sonnet"
    assert argv[argv.index("--allowedTools") + 1] == "Read,Edit"
    assert "Create hello.txt" in str(call["stdin"])
    log = Path(result.log_path or "").read_text()
    assert '"type": "result"' in log and "Create hello.txt" in log


@pytest.mark.parametrize(("scenario", "status"), [
    ("error_max_turns", AgentStatus.MAX_TURNS),
    ("error_max_budget_usd", AgentStatus.BUDGET_EXCEEDED),
    ("status_529", AgentStatus.API_ERROR),
    ("status_401", AgentStatus.FAILED),
    ("error_during_execution", AgentStatus.FAILED),
    ("is_error", AgentStatus.API_ERROR),
    ("is_error_plain", AgentStatus.FAILED),
    ("crash", AgentStatus.FAILED),
])
def test_claude_failures(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                         scenario: str, status: AgentStatus) -> None:
    result = run(ClaudeCodeAdapter(), git_repo, scenario, monkeypatch)
    assert result.status is status, result
    assert result.error


def test_claude_timeout_kills_the_tool(fake_bin: Path, git_repo: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(ClaudeCodeAdapter(), git_repo, "hang", monkeypatch, timeout_s=1.0)
    assert result.status is AgentStatus.TIMEOUT
    assert "timed out" in (result.error or "")


# -- codex ------------------------------------------------------------------------------------

def test_codex_success(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(CodexAdapter(), git_repo, "success", monkeypatch,
                 role=Role(name="c", adapter="codex", model="gpt-5-codex"))
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.summary == "Added made_by_codex.txt."
    assert result.session_id == "0199a213-81c0-7800-8aa1-bbab2a035a53"
    # OpenAI counts cached and cache-written tokens in input, reasoning tokens in output;
    # an `error` item (a warning) does not fail the turn
    assert result.usage.input_tokens == 24763 - 24448 - 100
    assert result.usage.cache_read_input_tokens == 24448
    assert result.usage.cache_creation_input_tokens == 100
    assert result.usage.output_tokens == 122
    assert result.usage.reasoning_output_tokens == 64
    assert result.cost_usd == pytest.approx(
        (215 * 1.25 + 24448 * 0.125 + 100 * 1.25 * 1.25 + 122 * 10.0) / 1e6, abs=1e-6)
    assert result.files_changed == ["made_by_codex.txt"]
    call = recorded(fake_bin)
    assert call["argv"] == ["exec", "--json", "--skip-git-repo-check", "--sandbox",
                            "workspace-write", "--model", "gpt-5-codex", "-"]
    assert "Create hello.txt" in str(call["stdin"])


@pytest.mark.parametrize(("scenario", "status"), [
    ("turn_failed", AgentStatus.FAILED),
    ("error", AgentStatus.API_ERROR),
    ("crash", AgentStatus.FAILED),
    ("high_demand", AgentStatus.API_ERROR),
    ("unauthorized", AgentStatus.FAILED),
])
def test_codex_failures(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                        scenario: str, status: AgentStatus) -> None:
    result = run(CodexAdapter(), git_repo, scenario, monkeypatch)
    assert result.status is status, result
    assert result.error


@pytest.mark.parametrize("adapter", [CodexAdapter(), GeminiAdapter()])
def test_config_prices_price_a_model_the_table_lacks(
        adapter: CliAdapter, fake_bin: Path, git_repo: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("prices:\n  o4-mini: {input: 1.0, output: 4.0, cache_read: 0.25}\n")
    result = run(adapter, git_repo, "success", monkeypatch,
                 role=Role(name="r", adapter=adapter.name, model="o4-mini"))
    assert result.status is AgentStatus.COMPLETED, result.error
    used = result.usage
    assert result.cost_usd == pytest.approx(
        (used.input_tokens * 1.0 + used.output_tokens * 4.0
         + used.cache_read_input_tokens * 0.25 + used.cache_creation_input_tokens * 1.25) / 1e6,
        abs=1e-6)
    assert result.cost_usd > 0


@pytest.mark.parametrize("user_args", ["-s danger-full-access", "--sandbox=read-only",
                                       "--dangerously-bypass-approvals-and-sandbox"])
def test_codex_the_users_sandbox_choice_replaces_orchs(
        user_args: str, fake_bin: Path, git_repo: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_CODEX_ARGS", user_args)
    run(CodexAdapter(), git_repo, "success", monkeypatch)
    argv = recorded(fake_bin)["argv"]
    assert isinstance(argv, list)
    assert "--sandbox" not in argv and "workspace-write" not in argv, argv
    assert argv[-1] == "-" and argv[-2] == user_args.split()[-1]


def test_codex_a_stream_retry_that_recovers_is_not_a_failure(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(CodexAdapter(), git_repo, "reconnected", monkeypatch)
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.summary == "all good" and result.usage.output_tokens == 80


# -- gemini -----------------------------------------------------------------------------------

def test_gemini_success(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(GeminiAdapter(), git_repo, "success", monkeypatch)
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.summary == "Created made_by_gemini.txt."
    assert result.session_id == "c25acda3-gemini"
    assert result.usage.input_tokens == 1000 and result.usage.cache_read_input_tokens == 500
    assert result.usage.output_tokens == 300
    assert result.cost_usd > 0  # gemini-2.5-pro is in the price table
    assert result.files_changed == ["made_by_gemini.txt"]
    argv = recorded(fake_bin)["argv"]
    assert isinstance(argv, list)
    assert argv == ["-p", "", "--output-format", "stream-json", "--yolo", "--skip-trust"]
    assert "Create hello.txt" in str(recorded(fake_bin)["stdin"])


def test_gemini_trusts_the_project_by_env_when_its_help_has_no_flag(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_CLI_HELP_OMIT", "--skip-trust")
    result = run(GeminiAdapter(), git_repo, "success", monkeypatch)
    assert result.status is AgentStatus.COMPLETED, result.error
    call = recorded(fake_bin)
    assert "--skip-trust" not in call["argv"]  # type: ignore[operator]
    assert call["trust_env"] == "true"


@pytest.mark.parametrize(("scenario", "status"), [
    ("turn_limit", AgentStatus.MAX_TURNS),
    ("api_error", AgentStatus.API_ERROR),
    ("tool_error", AgentStatus.FAILED),
    ("bad_input", AgentStatus.FAILED),
    ("http_400", AgentStatus.FAILED),
    ("http_429", AgentStatus.API_ERROR),
    ("untrusted", AgentStatus.FAILED),
])
def test_gemini_failures(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                         scenario: str, status: AgentStatus) -> None:
    result = run(GeminiAdapter(), git_repo, scenario, monkeypatch)
    assert result.status is status, result
    assert result.error


# -- aider ------------------------------------------------------------------------------------

def test_aider_success(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (git_repo / "src").mkdir()
    (git_repo / "src" / "app.py").write_text("print()\n")
    commit_all(git_repo)
    result = run(AiderAdapter(), git_repo, "success", monkeypatch,
                 files=["src/app.py", "src/new.py"])
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.files_changed == ["made_by_aider.txt"]
    assert result.cost_usd == pytest.approx(0.025)
    assert result.usage.input_tokens == 5200 and result.usage.output_tokens == 230
    argv = recorded(fake_bin)["argv"]
    assert isinstance(argv, list)
    assert "--yes-always" in argv and "--no-auto-commits" in argv
    assert "--no-gitignore" in argv and "--no-analytics" in argv
    assert argv[-1] == "src/app.py"  # a missing file is not named: aider would create it empty
    message_file = argv[argv.index("--message-file") + 1]
    assert not Path(message_file).exists()  # cleaned up, and never inside the project
    assert not str(message_file).startswith(str(git_repo))


@pytest.mark.parametrize(("scenario", "status", "error"), [
    ("no_changes", AgentStatus.FAILED, "no changes"),
    ("error", AgentStatus.FAILED, "exited 1"),
    ("api_error", AgentStatus.API_ERROR, "exited 1"),
    ("overloaded_exit0", AgentStatus.API_ERROR, "aider: litellm.InternalServerError"),
    ("auth_exit0", AgentStatus.FAILED, "hint: check the API key"),
])
def test_aider_failures(fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                        scenario: str, status: AgentStatus, error: str) -> None:
    result = run(AiderAdapter(), git_repo, scenario, monkeypatch)
    assert result.status is status, result
    assert error in (result.error or "")


def test_aider_usage_line_parsing() -> None:
    usage, cost, replies = parse_usage(
        "Tokens: 12k sent, 1.1M cache hit, 250 received. Cost: $0.10 message, $0.30 session.")
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.output_tokens) == (
        12_000, 1_100_000, 250)
    assert cost == pytest.approx(0.30) and replies == 1


# -- common -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("adapter", "install"), [
    (ClaudeCodeAdapter(), "npm install -g @anthropic-ai/claude-code"),
    (CodexAdapter(), "npm install -g @openai/codex"),
    (GeminiAdapter(), "npm install -g @google/gemini-cli"),
    (AiderAdapter(), "aider-install"),
])
def test_missing_executable_names_the_install_command(
        adapter: CliAdapter, install: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = adapter.available()
    assert reason is not None and install in reason
    result = adapter.run(make_context(tmp_path / "p", adapter=adapter.name))
    assert result.status is AgentStatus.FAILED and install in (result.error or "")


def test_a_spent_budget_never_starts_the_tool(fake_bin: Path, git_repo: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(ClaudeCodeAdapter(), git_repo, "success", monkeypatch,
                 budget=Budget(max_cost_usd=0.0))
    assert result.status is AgentStatus.BUDGET_EXCEEDED
    assert not (fake_bin.parent / "record.json").exists()


def test_a_file_already_dirty_and_changed_again_counts(fake_bin: Path, git_repo: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (git_repo / "made_by_claude.txt").write_text("dirty before\n")
    (git_repo / "untouched.txt").write_text("dirty, left alone\n")
    result = run(ClaudeCodeAdapter(), git_repo, "success", monkeypatch)
    assert result.files_changed == ["made_by_claude.txt"]


def test_api_keys_never_reach_the_log(fake_bin: Path, git_repo: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-SECRET-should-not-leak-123")
    monkeypatch.setenv("FAKE_CLI_SCENARIO", "success")
    context = make_context(git_repo, adapter="codex",
                           description="use key sk-proj-SECRET-should-not-leak-123")
    result = CodexAdapter().run(context)
    assert "sk-proj-SECRET" not in Path(result.log_path or "").read_text()


def test_claude_key_errors_carry_a_hint_and_retries_are_bounded(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAUDE_CODE_MAX_RETRIES", raising=False)
    result = run(ClaudeCodeAdapter(), git_repo, "status_401", monkeypatch)
    assert "hint: check the API key" in (result.error or "")
    assert recorded(fake_bin)["retries_env"] == "2"
    assert "claude-code retries: bounded: CLAUDE_CODE_MAX_RETRIES=2" in Path(
        result.log_path or "").read_text()


def test_aider_keeps_its_own_files_out_of_the_changes(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (git_repo / ".aider.chat.history.md").write_text("# aider chat\n")
    result = run(AiderAdapter(), git_repo, "success", monkeypatch)
    assert result.files_changed == ["made_by_aider.txt"]
    exclude = (git_repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert exclude.count(".aider*") == 1
    run(AiderAdapter(), git_repo, "success", monkeypatch)
    exclude = (git_repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert exclude.count(".aider*") == 1  # added once


# -- orch agents --check ---------------------------------------------------------------------

def _roles_config(project: Path) -> None:
    config = project / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("agents:\n  dev:\n    adapter: claude-code\n  helper:\n    adapter: aider\n")


def test_agents_check_reports_versions_and_a_flag_the_help_lacks(
        fake_bin: Path, git_repo: Path, orch: OrchRunner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _roles_config(git_repo)
    ok = orch("agents", "--check", cwd=git_repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "claude-code  claude 9.9.9-fake  flags ok" in ok.stdout
    assert "aider        aider 9.9.9-fake  flags ok" in ok.stdout
    monkeypatch.setenv("FAKE_CLI_HELP_OMIT", "--max-budget-usd --no-gitignore")
    bad = orch("agents", "--check", "--json", cwd=git_repo)
    assert bad.returncode == 1
    checks = {row["adapter"]: row for row in json.loads(bad.stdout)["checks"]}
    assert checks["claude-code"]["missing_flags"] == ["--max-budget-usd"]
    assert checks["aider"]["missing_flags"] == ["--no-gitignore"]
    assert checks["aider"]["version"] == "aider 9.9.9-fake"
    text = orch("agents", "--check", cwd=git_repo)
    assert text.returncode == 1
    assert "MISMATCH: --help does not list --max-budget-usd" in text.stdout
    assert text.stderr.startswith("error: an installed agent CLI does not accept a flag")


def test_agents_check_version_is_not_a_warning_the_cli_printed_on_stderr(
        fake_bin: Path, git_repo: Path, orch: OrchRunner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _roles_config(git_repo)
    monkeypatch.setenv("FAKE_CLI_VERSION_WARNING", "1")
    out = orch("agents", "--check", "--json", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    checks = {row["adapter"]: row for row in json.loads(out.stdout)["checks"]}
    assert checks["aider"]["version"] == "aider 9.9.9-fake"


def test_aider_files_are_ignored_in_a_linked_worktree_too(git_repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "linked"
    git(git_repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    assert (worktree / ".git").is_file()
    assert exclude_locally(worktree, [".aider*"])
    (worktree / ".aider.chat.history.md").write_text("# chat\n")
    (worktree / "real.txt").write_text("change\n")
    assert list(status_digests(worktree) or {}) == ["real.txt"]
    assert ".aider*" in (git_repo / ".git" / "info" / "exclude").read_text().splitlines()


# -- limits every CLI adapter shares --------------------------------------------------------

BIG = 300 * 1024  # over Linux's 128 KiB limit on one argument (MAX_ARG_STRLEN)


@pytest.mark.parametrize("adapter", [ClaudeCodeAdapter(), CodexAdapter(), GeminiAdapter(),
                                     AiderAdapter()], ids=lambda a: a.name)
def test_a_300_kib_prompt_reaches_the_cli_whole(fake_bin: Path, git_repo: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                adapter: CliAdapter) -> None:
    # A role's prompt is not cut; the bounded parts can pass 128 KiB too in non-ASCII text
    # (a spec-kit feature's 40 000 characters of design documents in CJK are 120 KB of UTF-8).
    role = Role(name="dev", adapter=adapter.name, prompt="house rules " * (BIG // 12) + "END")
    result = run(adapter, git_repo, "success", monkeypatch, role=role)
    assert result.status is AgentStatus.COMPLETED, result.error
    prompt = str(recorded(fake_bin)["prompt"])
    assert len(prompt) > BIG and "house rules END" in prompt
    assert all(len(arg) < 128 * 1024 for arg in recorded(fake_bin)["argv"])  # type: ignore[attr-defined]


def test_a_cli_that_never_reads_a_large_prompt_still_times_out(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The prompt is bigger than the pipe buffer: writing it must not block past the timeout."""
    role = Role(name="dev", adapter="codex", prompt="x" * BIG)
    result = run(CodexAdapter(), git_repo, "deaf", monkeypatch, role=role, timeout_s=2)
    assert result.status is AgentStatus.TIMEOUT, result
    assert not (git_repo / "deaf-finished").exists()  # stopped at the timeout, not waited for


# -- models orch cannot price ---------------------------------------------------------------

def unpriced_project(repo: Path, model: str) -> Path:
    """Two codex tasks under a role whose model has no price."""
    (repo / "plan.md").write_text(
        "# Unpriced\n\n## Phase 1: Build\n\n"
        "- [ ] T001 First\n  - agent: dev\n  - verify: `true`\n"
        "- [ ] T002 Second\n  - agent: dev\n  - verify: `true`\n")
    config = repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"agents:\n  dev:\n    adapter: codex\n    model: {model}\n")
    commit_all(repo, "plan")
    return repo


def test_a_codex_model_with_no_price_is_warned_once_before_the_run(
        fake_bin: Path, git_repo: Path, orch: OrchRunner) -> None:
    unpriced_project(git_repo, "gpt-9-turbo")
    out = orch("run", "plan.md", "--yes", "--commit", "none", "--max-cost", "5", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout + out.stderr
    warned = [line for line in text.splitlines() if "'gpt-9-turbo' has no known price" in line]
    assert len(warned) == 1, text
    assert warned[0].startswith("warning: role 'dev': codex model")
    assert "cost cap cannot be enforced" in warned[0] and "`prices:`" in warned[0]


def test_a_priced_model_is_not_warned_about(fake_bin: Path, git_repo: Path,
                                            orch: OrchRunner) -> None:
    unpriced_project(git_repo, "gpt-9-turbo")
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.write_text(config.read_text() + "prices:\n  gpt-9-turbo: {input: 1.0, output: 4.0}\n")
    out = orch("run", "plan.md", "--yes", "--commit", "none", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no known price" not in out.stdout + out.stderr


def test_tokens_at_no_known_price_are_noted_once_per_model(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orch.adapters import unpriced

    monkeypatch.setattr(unpriced, "_warned", set())
    notes: list[str] = []
    for _ in range(2):  # codex with no model: orch cannot price codex's default model
        result = run(CodexAdapter(), git_repo, "success", monkeypatch, notify=notes.append,
                     budget=Budget(max_cost_usd=3.0))
        assert result.status is AgentStatus.COMPLETED and result.cost_usd == 0
    assert len(notes) == 1, notes
    assert notes[0].startswith("T001: codex runs its own default model")
    assert "the cost cap cannot be enforced" in notes[0]
    assert "warning: T001: codex runs" in (git_repo.parent / "logs" / "T001.log").read_text()


# -- a CLI that keeps retrying ----------------------------------------------------------------

@pytest.mark.parametrize("adapter", [CodexAdapter(), AiderAdapter()], ids=lambda a: a.name)
def test_a_cli_retrying_for_longer_than_api_retry_seconds_is_stopped(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch,
        adapter: CliAdapter) -> None:
    monkeypatch.setenv("ORCH_RETRY_MAX_TOTAL", "1")
    result = run(adapter, git_repo, "retry_forever", monkeypatch)
    assert result.status is AgentStatus.API_ERROR, result
    assert result.error is not None
    assert result.error.startswith(f"{adapter.executable} kept retrying the API for over 1s "
                                   "(api_retry_seconds); stopped: "), result.error


def test_a_task_timeout_while_the_cli_retries_says_so(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_RETRY_MAX_TOTAL", "600")
    result = run(CodexAdapter(), git_repo, "retry_forever", monkeypatch, timeout_s=2)
    assert result.status is AgentStatus.TIMEOUT, result
    assert result.error is not None
    assert result.error.startswith("codex timed out after 2s while it kept retrying the API "
                                   "(last: {"), result.error
    assert "Reconnecting..." in result.error


def test_a_retry_the_cli_recovers_from_is_not_stopped(
        fake_bin: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_RETRY_MAX_TOTAL", "5")
    result = run(CodexAdapter(), git_repo, "reconnected", monkeypatch)
    assert result.status is AgentStatus.COMPLETED, result


def test_orch_run_says_the_agent_kept_retrying(fake_bin: Path, git_repo: Path,
                                               orch: OrchRunner) -> None:
    unpriced_project(git_repo, "gpt-5")
    env = {"FAKE_CLI_SCENARIO": "retry_forever", "ORCH_RETRY_MAX_TOTAL": "1"}
    out = orch("run", "plan.md", "--yes", "--commit", "none", cwd=git_repo, env=env)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "codex kept retrying the API for over 1s (api_retry_seconds)" in out.stderr, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
