"""spec-kit workflow step ``orch``: implement a feature's tasks.md with orch, verified in code.

Installed with ``specify workflow step add orch --dev <this folder>``; spec-kit loads it from
``.specify/workflows/steps/orch/``. Used in a workflow as::

    - id: implement
      type: orch
      plan: specs/001-feature/tasks.md   # default: the current feature's tasks.md
      jobs: 2                            # parallel [P] tasks (orch run --jobs)
      max_cost: 5.0                      # USD cap (orch run --max-cost)
      agent: claude-code                 # default agent (orch run --agent)
      timeout: 86400                     # seconds (default 24 h)

orch's exit code becomes the step's status:

- 0: COMPLETED; output: run id, state, tasks done/verified/total, cost, report path.
- 4 (a phase awaits a decision): PAUSED. After ``orch approve PHASE`` (or ``orch revise``),
  ``specify workflow resume RUN`` re-enters this step, which resumes the same orch run.
- 1, 3: FAILED with orch's ``error:`` line as the step's error.
- 130 (interrupted) or the step's timeout: FAILED; ``specify workflow resume`` resumes the run.

The orch run id is kept next to spec-kit's own run state
(``.specify/workflows/runs/<workflow run>/orch-<step id>.json``), so re-entering the step never
starts a second run. The step holds no state of its own (spec-kit shares one instance).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shlex
import signal
import subprocess
from pathlib import Path
from typing import Any

from specify_cli.workflows.base import StepBase, StepContext, StepResult, StepStatus
from specify_cli.workflows.expressions import evaluate_expression

DEFAULT_TIMEOUT_S = 24 * 3600
"""Agent work takes hours; spec-kit's shell step stops at 300 s."""

GRACE_S = 120
"""How long orch gets to save its state after SIGTERM (timeout) or SIGINT (Ctrl-C)."""

RESUMABLE_STATES = {"awaiting_decision", "interrupted", "failed", "budget_exceeded", "running"}

EXIT_MEANING = {
    1: "a task, verification or gate failed",
    2: "invalid input",
    3: "refused for safety or state",
    4: "a phase awaits a decision",
    130: "interrupted",
}


class OrchStep(StepBase):
    """Run (or resume) an orch run and map its outcome onto the workflow."""

    type_key = "orch"

    def execute(self, config: dict[str, Any], context: StepContext) -> StepResult:
        config = _resolved(config, context)
        errors = self.validate(config)
        if errors:
            return StepResult(status=StepStatus.FAILED, error=" ".join(errors))
        root = Path(context.project_root or ".").resolve()
        marker = _marker_path(root, context.run_id, str(config.get("id", "orch")))
        orch = shlex.split(str(config.get("orch") or os.environ.get("ORCH_BIN") or "orch"))
        known = _read_marker(marker, _current_run(root))

        if known:
            status = _status(orch, root, known)
            state = (status or {}).get("state")
            if state == "completed":
                return _completed(orch, root, known, status or {}, resumed=True)
            argv = [*orch, "resume", known, "--yes"]
            if state == "failed":
                argv.append("--retry-failed")
            argv += _options(config, resume=True)
        else:
            argv = [*orch, "run"]
            if config.get("plan"):
                argv.append(str(config["plan"]))
            argv += ["--yes", *_options(config, resume=False)]

        before = _current_run(root)
        if not known:
            # Written before orch starts: if this process dies (kill -9) before it learns the
            # run id, re-entering the step still finds the run this step started.
            _write_marker(marker, {"started_after": before})
        timeout = config.get("timeout", DEFAULT_TIMEOUT_S)
        try:
            code, out, err, timed_out = _run(argv, root, float(timeout))
        except OSError as exc:
            return StepResult(status=StepStatus.FAILED,
                              error=f"cannot start orch ({' '.join(orch)}): {exc}",
                              output={"exit_code": -1})
        except KeyboardInterrupt:
            # orch got the terminal's SIGINT too and saved its run; spec-kit pauses the workflow.
            _remember(marker, known, before, root)
            raise
        run_id = _remember(marker, known, before, root)
        status = _status(orch, root, run_id) if run_id else None
        error_line = _error_line(err)
        base = {"exit_code": code, "command": shlex.join(argv), "stderr_tail": err[-2000:],
                "stdout_tail": out[-2000:]}

        if timed_out:
            return StepResult(
                status=StepStatus.FAILED,
                error=(f"orch timed out after {timeout} s and was interrupted; "
                       "`specify workflow resume` resumes the same orch run"),
                output={**base, **_summary(run_id, status)})
        if code == 0:
            return _completed(orch, root, run_id, status or {}, extra=base)
        if code == 4 and run_id:
            return _paused(run_id, status or {}, error_line or _awaiting_error(status or {}),
                           extra=base)
        meaning = EXIT_MEANING.get(code, "orch failed")
        error = error_line or f"orch exited with code {code} ({meaning})"
        if code == 130 or (run_id and (status or {}).get("state") in RESUMABLE_STATES):
            error += " (resumable: `specify workflow resume` resumes the same orch run)"
        return StepResult(status=StepStatus.FAILED, error=error,
                          output={**base, **_summary(run_id, status)})

    def validate(self, config: dict[str, Any]) -> list[str]:
        errors = super().validate(config)
        name = config.get("id", "?")
        config = {key: value for key, value in config.items() if not _is_expression(value)}
        for key in ("jobs",):
            value = config.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                errors.append(f"orch step {name!r}: {key!r} must be a positive integer.")
        for key in ("max_cost", "timeout"):
            value = config.get(key)
            if value is None:
                continue
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or value <= 0):
                errors.append(f"orch step {name!r}: {key!r} must be a positive number.")
        for key in ("plan", "agent", "orch"):
            value = config.get(key)
            if value is not None and not isinstance(value, str):
                errors.append(f"orch step {name!r}: {key!r} must be a string.")
        return errors


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def _resolved(config: dict[str, Any], context: StepContext) -> dict[str, Any]:
    """The step's config with ``{{ ... }}`` expressions evaluated (``jobs: "{{ inputs.jobs }}"``);
    numbers given as text become numbers."""
    resolved = dict(config)
    for key in ("plan", "agent", "jobs", "max_cost", "timeout"):
        value = resolved.get(key)
        if _is_expression(value):
            value = evaluate_expression(value, context)
        if key in ("jobs", "max_cost", "timeout") and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = int(value) if key == "jobs" else float(value)
        if key == "jobs" and isinstance(value, float) and value.is_integer():
            value = int(value)
        if value in ("", None):
            resolved.pop(key, None)
        else:
            resolved[key] = value
    return resolved


def _options(config: dict[str, Any], *, resume: bool) -> list[str]:
    argv: list[str] = []
    if config.get("jobs"):
        argv += ["--jobs", str(config["jobs"])]
    if config.get("max_cost"):
        argv += ["--max-cost", str(config["max_cost"])]
    if config.get("agent") and not resume:
        argv += ["--agent", str(config["agent"])]
    return argv


def _run(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str, bool]:
    """orch's exit code, stdout, stderr and whether it was stopped for the timeout.

    On the timeout orch gets SIGTERM and time to save its run (it exits 130); on Ctrl-C it gets
    the terminal's SIGINT itself, and the step waits for it to finish saving before spec-kit
    handles the interrupt."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err, False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        return proc.returncode, out, err, True
    except KeyboardInterrupt:
        try:
            proc.communicate(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise


def _completed(orch: list[str], root: Path, run_id: str | None, status: dict[str, Any], *,
               resumed: bool = False, extra: dict[str, Any] | None = None) -> StepResult:
    output = {**(extra or {}), **_summary(run_id, status)}
    if run_id:
        report = _html_report(orch, root, run_id)
        if report:
            output["report"] = report
    if resumed:
        output["note"] = "the orch run had already completed"
    return StepResult(status=StepStatus.COMPLETED, output=output)


def _paused(run_id: str, status: dict[str, Any], error: str, *,
            extra: dict[str, Any] | None = None) -> StepResult:
    output = {**(extra or {}), **_summary(run_id, status), "awaiting": error,
              "next": "decide with `orch approve PHASE` or `orch revise PHASE --feedback TEXT`, "
                      "then `specify workflow resume` this workflow run"}
    return StepResult(status=StepStatus.PAUSED, output=output)


def _summary(run_id: str | None, status: dict[str, Any] | None) -> dict[str, Any]:
    if not run_id:
        return {"run_id": None}
    status = status or {}
    tasks = status.get("tasks") or []
    done = sum(1 for task in tasks if task.get("status") == "done")
    in_plan = sum(1 for task in tasks if task.get("status") == "done" and task.get("in_plan"))
    verified = sum(1 for task in tasks if task.get("status") == "done" and task.get("verified"))
    report = f".specify/orch/runs/{run_id}/status.md"
    return {"run_id": run_id, "state": status.get("state"), "plan": status.get("plan"),
            "tasks_done": done, "tasks_verified": verified,
            "tasks_unverified": done - in_plan - verified, "tasks_done_in_plan": in_plan,
            "tasks_total": len(tasks), "cost_usd": float(status.get("cost_usd") or 0.0),
            "report": report}


def _html_report(orch: list[str], root: Path, run_id: str) -> str | None:
    relative = f".specify/orch/runs/{run_id}/report.html"
    try:
        done = subprocess.run([*orch, "report", run_id, "--html", relative], cwd=root,
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return relative if done.returncode == 0 and (root / relative).is_file() else None


def _status(orch: list[str], root: Path, run_id: str) -> dict[str, Any] | None:
    try:
        done = subprocess.run([*orch, "status", run_id, "--json"], cwd=root,
                              capture_output=True, text=True, timeout=300)
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _awaiting_error(status: dict[str, Any]) -> str:
    reason = status.get("error") or "a phase awaits a decision"
    return f"orch run {status.get('run', '?')} awaiting_decision: {reason}"


def _error_line(stderr: str) -> str | None:
    """orch's one-line ``error: ...`` (the last one), without the prefix."""
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return lines[-1][len("error: "):].strip() if lines else None


def _current_run(root: Path) -> str | None:
    try:
        return (root / ".specify" / "orch" / "current").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _new_run(before: str | None, after: str | None) -> str | None:
    return after if after and after != before else None


def _marker_path(root: Path, workflow_run: str | None, step_id: str) -> Path | None:
    if not workflow_run:
        return None
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in step_id)
    return root / ".specify" / "workflows" / "runs" / workflow_run / f"orch-{safe}.json"


def _read_marker(marker: Path | None, current: str | None) -> str | None:
    """The orch run this step started, if any: recorded, or (when the step's process died
    before recording it) the run started after the one that was current then."""
    if marker is None or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    run = data.get("orch_run")
    if isinstance(run, str) and run:
        return run
    if "started_after" in data:
        return _new_run(data.get("started_after"), current)
    return None


def _remember(marker: Path | None, known: str | None, before: str | None,
              root: Path) -> str | None:
    """The step's orch run id, recorded in the marker when it is new."""
    run_id = known or _new_run(before, _current_run(root))
    if run_id and not known:
        _write_marker(marker, {"orch_run": run_id})
    return run_id


def _write_marker(marker: Path | None, data: dict[str, Any]) -> None:
    if marker is None:
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    temp = marker.with_suffix(".tmp")
    temp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(temp, marker)
