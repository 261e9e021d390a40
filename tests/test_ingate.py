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
from pathlib import Path

import pytest

from conftest import commit_all
from orch.adapters.claude_code import _with_gate_settings
from orch.runner.ingate import SessionGate, read_blocks


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
    argv = _with_gate_settings(["--verbose", "--settings", str(theirs)], ours)
    assert argv.count("--settings") == 1 and argv[0] == "--verbose"
    merged = json.loads(argv[argv.index("--settings") + 1])
    commands = [h["command"] for group in merged["hooks"]["Stop"] for h in group["hooks"]]
    assert commands == ["echo mine", "orch"] and merged["model"] == "x"
