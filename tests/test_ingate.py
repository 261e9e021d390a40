"""The in-session gate's hook process (``python -m orch.hook``), run for real as a subprocess
the way an agent CLI runs it: stdin carries the hook event, ORCH_HOOK_SPEC the task's gate.

What matters to an agent CLI is the exit code and stdout: 0 with a ``block``/``deny`` decision,
0 with nothing (let it go), and never 2 (which Claude Code reads as "block") for orch's own
failure — an internal error exits 1, which every CLI treats as a non-blocking hook error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, make_plan, shell_task
from orch.adapters.claude_code import _with_gate_settings
from orch.adapters.hooks import hook_command
from orch.domain.plan import Task
from orch.procgroups import group_exists
from orch.runner.derived import FileCheck, FileRule
from orch.runner.ingate import GateSettings, SessionGate, read_blocks, session_gate
from orch.runner.plancheck import PhaseGate, TaskChecks


def _hook(event: str, payload: dict[str, object] | str, gate: SessionGate | str | None,
          cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ORCH_HOOK_SPEC"}
    if gate is not None:
        env["ORCH_HOOK_SPEC"] = gate if isinstance(gate, str) else gate.to_env()
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run([sys.executable, "-m", "orch.hook", event], input=raw, text=True,
                          capture_output=True, cwd=cwd, env=env, timeout=60)


def _gate(tmp_path: Path, **fields: object) -> SessionGate:
    values: dict[str, object] = {"task_id": "T001", "attempt": 1,
                                 "record": str(tmp_path / "T001.hooks.jsonl"),
                                 "verify": ["test -f done.txt"]}
    values.update(fields)
    return SessionGate(**values)  # type: ignore[arg-type]


def test_a_failing_check_blocks_the_stop_with_the_command_and_its_output(
        git_repo: Path, tmp_path: Path) -> None:
    gate = _gate(tmp_path, verify=["echo 'expected 3 got 2' && false"])
    out = _hook("stop", {"cwd": str(git_repo), "stop_hook_active": False}, gate, git_repo)
    assert out.returncode == 0, out.stderr
    decision = json.loads(out.stdout)
    assert decision["decision"] == "block"
    assert "echo 'expected 3 got 2' && false" in decision["reason"]
    assert "expected 3 got 2" in decision["reason"]
    (block,) = read_blocks(Path(gate.record))
    assert block["kind"] == "stop" and block["attempt"] == 1


def test_passing_checks_let_the_agent_stop(git_repo: Path, tmp_path: Path) -> None:
    (git_repo / "done.txt").write_text("ok\n")
    out = _hook("stop", {"cwd": str(git_repo)}, _gate(tmp_path), git_repo)
    assert (out.returncode, out.stdout) == (0, "")


def test_after_hook_retries_blocks_the_agent_may_stop(git_repo: Path, tmp_path: Path) -> None:
    gate = _gate(tmp_path, retries=2)
    codes = [_hook("stop", {"cwd": str(git_repo)}, gate, git_repo) for _ in range(3)]
    assert [bool(c.stdout) for c in codes] == [True, True, False]
    assert all(c.returncode == 0 for c in codes)
    assert len(read_blocks(Path(gate.record))) == 2


def test_file_checks_are_measured_from_the_task_baseline(git_repo: Path,
                                                         tmp_path: Path) -> None:
    (git_repo / "src.py").write_text("old\n")
    commit_all(git_repo, "src")
    from orch.vcs.snapshot import WorkTree

    baseline = WorkTree.open(git_repo).snapshot()
    gate = _gate(tmp_path, verify=[], files=[["src.py", "changed"]], baseline=baseline)
    blocked = _hook("stop", {"cwd": str(git_repo)}, gate, git_repo)
    assert "src.py" in json.loads(blocked.stdout)["reason"]
    (git_repo / "src.py").write_text("new\n")
    passed = _hook("stop", {"cwd": str(git_repo)}, gate, git_repo)
    assert (passed.returncode, passed.stdout) == (0, "")


@pytest.mark.parametrize("spec, payload", [
    (None, "{}"),                      # no gate in the environment
    ("{not json", "{}"),               # a broken gate
    ('{"task_id": "T1"}', "{}"),       # a gate missing fields
    ("GATE", "not json at all"),       # a broken hook event
])
def test_an_internal_failure_never_blocks(git_repo: Path, tmp_path: Path, spec: str | None,
                                          payload: str) -> None:
    gate: SessionGate | str | None = _gate(tmp_path) if spec == "GATE" else spec
    out = _hook("stop", payload, gate, git_repo)
    assert out.returncode == 1, out  # a non-blocking hook error to every CLI; never 2
    assert out.stdout == ""
    assert out.stderr.strip()


def test_an_unknown_event_is_a_non_blocking_error(git_repo: Path, tmp_path: Path) -> None:
    out = _hook("bogus", "{}", _gate(tmp_path), git_repo)
    assert out.returncode == 1 and "usage" in out.stderr


def test_the_fence_denies_writes_outside_the_files_and_allows_inside(
        git_repo: Path, tmp_path: Path) -> None:
    gate = _gate(tmp_path, strict=True, allowed=["src/app.py", "docs/"], stop=False)

    def decide(path: str, tool: str = "Write") -> str | None:
        out = _hook("pre-tool", {"cwd": str(git_repo), "tool_name": tool,
                                 "tool_input": {"file_path": path}}, gate, git_repo)
        assert out.returncode == 0, out.stderr
        if not out.stdout:
            return None
        return str(json.loads(out.stdout)["hookSpecificOutput"]["permissionDecision"])

    assert decide(str(git_repo / "src" / "app.py")) is None
    assert decide("docs/guide.md", "Edit") is None
    assert decide(str(git_repo / "src" / "other.py")) == "deny"
    assert decide(str(git_repo / "src" / ".." / "secrets.env"), "MultiEdit") == "deny"
    assert decide(str(git_repo / "docs" / ".." / "README.md")) == "deny"
    assert decide("/tmp/scratch-notes.txt") is None  # scratch space outside the project
    assert decide(str(git_repo / "x.txt"), "Read") is None  # only writes are fenced
    assert [b["check"] for b in read_blocks(Path(gate.record))] == ["src/other.py",
                                                                    "secrets.env", "README.md"]


def test_a_users_own_settings_flag_is_merged_not_replaced(tmp_path: Path) -> None:
    theirs = tmp_path / "mine.json"
    theirs.write_text(json.dumps({"model": "x", "hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": "echo mine"}]}]}}))
    ours = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "orch"}]}]}}
    argv = _with_gate_settings(["--verbose", "--settings", str(theirs)], ours, tmp_path)
    assert argv.count("--settings") == 1 and argv[0] == "--verbose"
    merged = json.loads(argv[argv.index("--settings") + 1])
    commands = [h["command"] for group in merged["hooks"]["Stop"] for h in group["hooks"]]
    assert commands == ["echo mine", "orch"] and merged["model"] == "x"


def test_checks_run_in_the_project_though_the_agent_cd_ed_into_a_subdirectory(
        git_repo: Path, tmp_path: Path) -> None:
    # Claude Code runs its hooks in the shell's current directory and says so in "cwd" (seen
    # on the real CLI after a `cd sub`): the task's checks still belong to the project.
    (git_repo / "done.txt").write_text("ok\n")
    sub = git_repo / "sub"
    sub.mkdir()
    gate = _gate(tmp_path, project=str(git_repo))
    out = _hook("stop", {"cwd": str(sub)}, gate, sub)
    assert (out.returncode, out.stdout) == (0, ""), out
    fence = _gate(tmp_path, project=str(git_repo), strict=True, stop=False, allowed=["app.py"])
    allowed = _hook("pre-tool", {"cwd": str(sub), "tool_name": "Write",
                                 "tool_input": {"file_path": "../app.py"}}, fence, sub)
    assert (allowed.returncode, allowed.stdout) == (0, ""), allowed


def test_without_git_a_changed_file_check_judges_existence_not_a_change_since_the_hook(
        tmp_path: Path) -> None:
    # No git: no baseline tree. The hook cannot see what the file was when the task started,
    # so it must not demand a change from the moment it itself looked (always "unchanged").
    project = tmp_path / "plain"
    project.mkdir()
    (project / "out.txt").write_text("written by the agent\n")
    gate = _gate(tmp_path, project=str(project), verify=[],
                 files=[["out.txt", "changed"], ["gone.txt", "touched"]])
    out = _hook("stop", {"cwd": str(project)}, gate, project)
    assert (out.returncode, out.stdout) == (0, ""), out
    missing = _gate(tmp_path, project=str(project), verify=[], files=[["new.txt", "changed"]])
    blocked = _hook("stop", {"cwd": str(project)}, missing, project)
    assert "new.txt" in json.loads(blocked.stdout)["reason"]


def _decide(gate: SessionGate, cwd: Path, path: str) -> str | None:
    out = _hook("pre-tool", {"cwd": str(cwd), "tool_name": "Write",
                             "tool_input": {"file_path": path}}, gate, cwd)
    assert out.returncode == 0, out.stderr
    if not out.stdout:
        return None
    return str(json.loads(out.stdout)["hookSpecificOutput"]["permissionDecision"])


def test_the_fence_allows_declared_dotfiles_and_dot_slash_paths(git_repo: Path,
                                                                tmp_path: Path) -> None:
    gate = _gate(tmp_path, strict=True, stop=False, project=str(git_repo),
                 allowed=[".github/workflows/ci.yml", "./src/", ".env.example"])
    assert _decide(gate, git_repo, str(git_repo / ".github" / "workflows" / "ci.yml")) is None
    assert _decide(gate, git_repo, str(git_repo / ".env.example")) is None
    assert _decide(gate, git_repo, str(git_repo / "src" / "app.py")) is None
    assert _decide(gate, git_repo, str(git_repo / "github" / "workflows" / "ci.yml")) == "deny"
    assert _decide(gate, git_repo, str(git_repo / "env.example")) == "deny"


def test_the_fence_follows_symlinks(git_repo: Path, tmp_path: Path) -> None:
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "link.md").symlink_to(git_repo / "secret.env")
    alias = tmp_path / "alias"  # the project reached through a symlinked directory
    alias.symlink_to(git_repo)
    gate = _gate(tmp_path, strict=True, stop=False, project=str(alias), allowed=["docs/"])
    # a declared directory's symlink leading elsewhere in the project writes elsewhere
    assert _decide(gate, alias, str(alias / "docs" / "link.md")) == "deny"
    # the project's real path is the project, not scratch space under /tmp
    assert _decide(gate, alias, str(git_repo / "README.md")) == "deny"
    assert _decide(gate, alias, str(git_repo / "docs" / "guide.md")) is None


def test_a_check_that_hangs_is_stopped_with_the_hook(git_repo: Path, tmp_path: Path) -> None:
    # Claude Code gives up on a hook at its timeout; the check (in its own process group)
    # must not outlive the hook, and the hook blocks nothing for it.
    pid_file = tmp_path / "check.pid"
    gate = _gate(tmp_path, verify=[f"echo $$ > {pid_file}; sleep 300"])
    env = {**os.environ, "ORCH_HOOK_SPEC": gate.to_env()}
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"cwd": str(git_repo)}))
    with open(event) as stdin:
        hook = subprocess.Popen([sys.executable, "-m", "orch.hook", "stop"], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=git_repo, env=env)
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert hook.poll() is None, hook.communicate()
        time.sleep(0.05)
    check = int(pid_file.read_text())
    hook.terminate()
    stdout, stderr = hook.communicate(timeout=60)
    assert hook.returncode == 1, (hook.returncode, stderr)
    assert stdout == ""
    assert not group_exists(check)
    assert read_blocks(Path(gate.record)) == []


def test_the_checks_of_a_stop_share_the_task_timeout(git_repo: Path, tmp_path: Path) -> None:
    gate = _gate(tmp_path, verify=["sleep 30"], timeout_s=1)
    out = _hook("stop", {"cwd": str(git_repo)}, gate, git_repo)
    assert "timed out" in json.loads(out.stdout)["reason"]


def _checks(verify: list[str], files: list[FileCheck] | None = None) -> TaskChecks:
    return TaskChecks(verify, files or [], PhaseGate("none"))


def _session(tmp_path: Path, settings: GateSettings, task: Task,
             checks: TaskChecks) -> SessionGate | None:
    return session_gate(settings, task=task, attempt=1, record=tmp_path / "r.jsonl",
                        checks=checks, baseline=None, absent=set(), timeout_s=None,
                        project=tmp_path)


def test_hook_retries_zero_gives_no_stop_hook(tmp_path: Path) -> None:
    task = Task(id="T001", title="x", phase_id="1", line=1)
    assert _session(tmp_path, GateSettings(retries=0), task, _checks(["true"])) is None
    gate = _session(tmp_path, GateSettings(retries=0, strict_files=True),
                    task.model_copy(update={"files": ["a.py"]}), _checks(["true"]))
    assert gate is not None and (gate.stop, gate.strict) == (False, True)


def test_strict_files_fences_only_a_task_that_declares_its_files(tmp_path: Path) -> None:
    # With nothing declared, a fence would deny every write: the task could never be done.
    task = Task(id="T001", title="Set up the project", phase_id="1", line=1)
    checks = _checks([], [FileCheck("setup.cfg", FileRule.EXISTS)])
    gate = _session(tmp_path, GateSettings(strict_files=True), task, checks)
    assert gate is not None and gate.stop and not gate.strict
    assert _session(tmp_path, GateSettings(enabled=False, strict_files=True), task,
                    checks) is None


def test_a_users_settings_file_is_read_from_the_agents_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mine.json").write_text(json.dumps({"model": "x"}))
    monkeypatch.chdir(tmp_path)  # orch's own directory is not the agent's
    ours = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "orch"}]}]}}
    argv = _with_gate_settings(["--settings", "mine.json"], ours, project)
    merged = json.loads(argv[argv.index("--settings") + 1])
    assert merged["model"] == "x" and merged["hooks"]["Stop"]


@pytest.mark.parametrize("value", ["missing.json", "{not json", '{"hooks": []}'])
def test_a_broken_users_settings_flag_is_named_in_the_error(tmp_path: Path,
                                                            value: str) -> None:
    ours = {"hooks": {"Stop": []}}
    with pytest.raises(ValueError, match="ORCH_CLAUDE_ARGS --settings .*in_session_gate|"
                                         "ORCH_CLAUDE_ARGS --settings .*settings object"):
        _with_gate_settings(["--settings", value], ours, tmp_path)


def test_the_hook_command_runs_this_orch_not_a_projects_own_orch_package(
        git_repo: Path, tmp_path: Path) -> None:
    impostor = git_repo / "orch"
    impostor.mkdir()
    (impostor / "__init__.py").write_text("")
    (impostor / "hook.py").write_text(
        "import sys\nprint('{\"decision\": \"block\", \"reason\": \"impostor\"}')\n"
        "sys.exit(2)\n")
    (git_repo / "done.txt").write_text("ok\n")
    env = {**os.environ, "ORCH_HOOK_SPEC": _gate(tmp_path, project=str(git_repo)).to_env()}
    out = subprocess.run(["sh", "-c", hook_command("stop")], input=json.dumps({}), text=True,
                         capture_output=True, cwd=git_repo, env=env, timeout=60)
    assert (out.returncode, out.stdout) == (0, ""), out


def test_report_and_log_tell_a_denied_write_from_an_early_stop() -> None:
    from orch.reporting.run_report import build_report, text_lines
    from test_reporting import Sim

    sim = Sim([])
    sim.task_ok("T001", 1)
    sim.ev("hook_blocked", task="T001", kind="stop", check="pytest -q", attempt=1)
    sim.ev("hook_blocked", task="T002", kind="write", check="secrets.env", attempt=1)
    tasks = sim.state.tasks
    assert (tasks["T001"].hook_blocks, tasks["T001"].writes_denied) == (1, 0)
    assert (tasks["T002"].hook_blocks, tasks["T002"].writes_denied) == (0, 1)
    report = build_report(sim.state, [])
    lines = "\n".join(text_lines([report], []))
    assert "T001" in lines and "1 caught in session" in lines
    (t002,) = [line for line in lines.splitlines() if "T002" in line]
    assert "caught in session" not in t002 and "1 write(s) denied" in t002


def test_disable_all_hooks_in_the_users_settings_is_said_not_silently_ignored(
        git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real Claude Code runs no hook at all, orch's from --settings included, when the
    # project's settings say disableAllHooks (seen on 2.1.332): the gate cannot run.
    from fakes.contexts import make_context
    from orch.adapters.claude_code import ClaudeCodeAdapter

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ORCH_CLAUDE_ARGS", raising=False)
    notes: list[str] = []
    context = make_context(git_repo, adapter="claude-code", notify=notes.append,
                           session_gate=_gate(tmp_path).to_env())
    ClaudeCodeAdapter().prepare(context)
    assert notes == []
    settings = git_repo / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"disableAllHooks": True}))
    ClaudeCodeAdapter().prepare(context)
    (note,) = notes
    assert "in-session gate cannot run" in note and str(settings) in note
    # a higher-precedence file that turns hooks back on wins
    (git_repo / ".claude" / "settings.local.json").write_text('{"disableAllHooks": false}')
    ClaudeCodeAdapter().prepare(context)
    assert len(notes) == 1
    monkeypatch.setenv("ORCH_CLAUDE_ARGS", '--settings "unbalanced')
    ClaudeCodeAdapter().prepare(context)  # the attempt's command line reports that, not this


def test_a_hook_whose_agent_is_killed_outright_stops_its_check(git_repo: Path,
                                                               tmp_path: Path) -> None:
    # SIGKILL leaves the CLI no chance to stop its hook (Claude Code runs hooks in their own
    # process group): the hook sees its parent gone and stops the check it started.
    pid_file = tmp_path / "check.pid"
    gate = _gate(tmp_path, verify=[f"echo $$ > {pid_file}; sleep 300"])
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"cwd": str(git_repo)}))
    agent = subprocess.Popen(["sh", "-c", f"{hook_command('stop')} < {event} & wait"],
                             cwd=git_repo, env={**os.environ, "ORCH_HOOK_SPEC": gate.to_env()},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert agent.poll() is None
        time.sleep(0.05)
    check = int(pid_file.read_text())
    agent.kill()
    agent.wait()
    for _ in range(1200):  # a bound, not a timing assertion: the hook polls its parent
        if not group_exists(check):
            break
        time.sleep(0.05)
    assert not group_exists(check)
    assert read_blocks(Path(gate.record)) == []


def test_a_lane_may_not_write_the_main_checkout_though_it_lies_under_tmp(
        tmp_path: Path) -> None:
    main = tmp_path / "main"
    lane = main / ".specify" / "orch" / "worktrees" / "run" / "T001"
    lane.mkdir(parents=True)
    gate = _gate(tmp_path, strict=True, stop=False, project=str(lane), allowed=["src/"])
    assert _decide(gate, lane, str(lane / "src" / "a.py")) is None
    assert _decide(gate, lane, str(main / "src" / "a.py")) == "deny"
    assert _decide(gate, lane, str(tmp_path / "main-notes.txt")) == "deny"


@pytest.mark.parametrize("args", [[], ["stop", "extra"], ["stop", "--task", "T001"]])
def test_orch_hook_never_exits_2_on_a_usage_error(orch: OrchRunner, tmp_path: Path,
                                                  args: list[str]) -> None:
    out = orch("hook", *args, cwd=tmp_path, input="{}")
    assert out.returncode == 1, out
    assert out.stdout == "" and "usage" in out.stderr


def test_the_checks_run_without_the_gate_in_their_environment(git_repo: Path,
                                                              tmp_path: Path) -> None:
    gate = _gate(tmp_path, verify=['test -z "${ORCH_HOOK_SPEC:-}"'])
    out = _hook("stop", {"cwd": str(git_repo)}, gate, git_repo)
    assert (out.returncode, out.stdout) == (0, ""), out


def test_a_secret_in_a_failing_check_reaches_neither_the_model_nor_the_record(
        git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", "value-of-the-secret-42")
    token = "ghp_" + "a1" * 18
    gate = _gate(tmp_path, verify=[f"echo $MY_SERVICE_API_KEY {token}; false"])
    out = _hook("stop", {"cwd": str(git_repo)}, gate, git_repo)
    assert "[REDACTED]" in out.stdout
    written = out.stdout + Path(gate.record).read_text()
    assert "value-of-the-secret-42" not in written and token not in written


def test_validate_warns_of_a_strict_task_without_files(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do a thing\n  - strict: true\n  - verify: `true`\n"
        "- [ ] T002 Other\n  - strict: true\n  - files: a.py\n  - verify: `true`\n")
    out = orch("validate", "plan.md", cwd=tmp_path)
    assert out.returncode == 0, out
    fence = [line for line in out.stderr.splitlines() if "write fence" in line]
    assert len(fence) == 1 and "T001: strict: true without files:" in fence[0], out.stderr


def test_blocks_left_by_a_killed_attempt_are_journaled_on_resume(git_repo: Path,
                                                                 orch: OrchRunner) -> None:
    # orch killed -9 mid-attempt leaves the attempt's record of blocks in the run's logs: the
    # next attempt journals them instead of dropping them.
    script = "if [ -f again ]; then echo ok > out.txt; else touch again; exit 1; fi"
    (git_repo / "plan.md").write_text(make_plan([("One", [shell_task("T001", "Twice", script)])]))
    (git_repo / ".gitignore").write_text("again\n")
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 1
    (run,) = (git_repo / ".specify" / "orch" / "runs").iterdir()
    left = run / "logs" / "T001.hooks.jsonl"
    left.write_text(json.dumps({"kind": "stop", "check": "pytest -q", "reason": "r",
                                "attempt": 1}) + "\n")
    assert orch("resume", "--retry-failed", cwd=git_repo).returncode == 0
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    (blocked,) = [e for e in events if e["type"] == "hook_blocked"]
    assert blocked["data"]["attempt"] == 1 and blocked["data"]["check"] == "pytest -q"
    assert not left.exists()
