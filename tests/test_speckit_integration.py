"""orch inside the REAL spec-kit CLI (specify-cli, pinned in tests/real_clis/install-specify.sh):
the extension, its launcher, the `orch` workflow step, the workflow and the overlay.

`specify` is installed into its own venv outside the repository (``ORCH_REAL_CLIS``, default
``~/.cache/orch-real-clis``/specify-venv, or ``ORCH_SPECIFY`` naming the binary); every test
skips, saying why, when it is not there. ``specify init`` scaffolds from assets inside the
package, so nothing here needs the network.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import GIT_ENV, commit_all, git, wait_for_file

REPO = Path(__file__).resolve().parent.parent
INTEGRATION = REPO / "integrations" / "spec-kit"
INSTALL = "tests/real_clis/install-specify.sh"
CACHE = Path(os.environ.get("ORCH_REAL_CLIS") or Path.home() / ".cache" / "orch-real-clis")
SPECIFY = Path(os.environ.get("ORCH_SPECIFY") or CACHE / "specify-venv" / "bin" / "specify")
LAUNCHER = ".specify/extensions/orch/scripts/bash/orch-launch.sh"

Run = Callable[..., subprocess.CompletedProcess[str]]


def _specify_or_skip() -> Path:
    if not SPECIFY.exists():
        pytest.skip(f"the real `specify` is not installed at {SPECIFY} (run {INSTALL}; "
                    "it may have failed to download)")
    return SPECIFY


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh HOME; `orch` (this checkout's) first on PATH, for spec-kit's subprocesses."""
    tmp_path = tmp_path_factory.mktemp("speckit-env")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    orch = bin_dir / "orch"
    orch.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m orch "$@"\n')
    orch.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    return {**os.environ, **GIT_ENV, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "NO_COLOR": "1", "COLUMNS": "200"}


@pytest.fixture(scope="module")
def specify(env: dict[str, str]) -> Run:
    binary = _specify_or_skip()

    def _run(*args: str, cwd: Path, timeout: float = 300,
             answer: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(binary), *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, input=answer)

    return _run


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, specify: Run,
              env: dict[str, str]) -> Iterator[Path]:
    """`specify init --here --integration claude --ignore-agent-tools` in a git repository, the
    extension added with `--dev` and the step installed, all committed (built once, before the
    per-test git isolation applies, hence its own)."""
    repo = tmp_path_factory.mktemp("speckit-template") / "project"
    repo.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for key in (*GIT_ENV, "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
            patch.setenv(key, env[key])
        _install(repo, specify)
        yield repo


def _install(repo: Path, specify: Run) -> None:
    git(repo, "init", "-q", "-b", "main")
    init = specify("init", "--here", "--integration", "claude", "--ignore-agent-tools",
                   "--non-interactive", "--force", cwd=repo)
    assert init.returncode == 0, init.stdout + init.stderr
    added = specify("extension", "add", "--dev", str(INTEGRATION), cwd=repo)
    assert added.returncode == 0, added.stdout + added.stderr
    step = specify("workflow", "step", "add", "orch", "--dev", str(INTEGRATION / "steps" / "orch"),
                   cwd=repo)
    assert step.returncode == 0, step.stdout + step.stderr
    commit_all(repo, "spec-kit project with the orch extension")


@pytest.fixture
def project(installed: Path, tmp_path: Path) -> Path:
    """A copy of the installed project for one test."""
    repo = tmp_path / "project"
    shutil.copytree(installed, repo, symlinks=True)
    return repo


def _feature(repo: Path, tasks: str, name: str = "001-greeting") -> Path:
    feature = repo / "specs" / name
    feature.mkdir(parents=True)
    (feature / "tasks.md").write_text(tasks)
    (repo / ".specify" / "feature.json").write_text(
        json.dumps({"feature_directory": f"specs/{name}"}))
    return feature / "tasks.md"


def _workflow(repo: Path, step: str, inputs: str = "") -> str:
    (repo / "wf.yml").write_text(
        'schema_version: "1.0"\nworkflow:\n  id: "orch-test"\n  name: "orch test"\n'
        f'  version: "1.0.0"\n{inputs}steps:\n{step}')
    return "wf.yml"


def _orch(env: dict[str, str], repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orch", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def _state(repo: Path, run: str) -> dict[str, Any]:
    data = json.loads((repo / ".specify" / "workflows" / "runs" / run / "state.json").read_text())
    assert isinstance(data, dict)
    return data


def _speckit_python(code: str) -> subprocess.CompletedProcess[str]:
    python = _specify_or_skip().parent / "python"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120)


FOUR_TASKS = """\
# Tasks: Greeting Service

**Input**: Design documents from `/specs/001-greeting/`

## Phase 1: Setup

- [ ] T001 Create the src/ directory with src/README.md
  ```bash
  mkdir -p src && echo "# greeting" > src/README.md
  ```

## Phase 2: User Story 1 - Greet a user (Priority: P1)

- [ ] T002 [US1] Write the greeting in src/hello.txt
  ```bash
  echo hello > src/hello.txt
  ```
  - verify: `grep -q hello src/hello.txt`
- [ ] T003 [US1] Write the farewell in src/bye.txt
  ```bash
  echo bye > src/bye.txt
  ```
  - [ ] The farewell is polite (an acceptance criterion, not a task)
- [ ] T004 [US1] Count the greetings
  ```bash
  ls src | wc -l > count.txt
  ```
  - verify: `test "$(cat count.txt)" -eq 3`
"""


def test_manifest_passes_speckit_own_validation() -> None:
    """spec-kit's ExtensionManifest (what `extension add` runs) accepts the manifest with no
    warning; the same call rejects a copy with a field spec-kit refuses, so it is really run."""
    code = f"""
import json, pathlib, shutil, tempfile, yaml
from specify_cli.extensions import ExtensionManifest, ValidationError
m = ExtensionManifest(pathlib.Path({str(INTEGRATION / 'extension.yml')!r}))
out = {{"id": m.id, "version": m.version, "warnings": m.warnings,
       "requires": m.requires_speckit_version,
       "commands": {{c["name"]: c.get("aliases", []) for c in m.commands}},
       "hooks": sorted(m.hooks), "config": [c["name"] for c in m.config]}}
bad = yaml.safe_load(open({str(INTEGRATION / 'extension.yml')!r}))
bad["hooks"]["after_tasks"]["priority"] = 0
path = pathlib.Path(tempfile.mkdtemp()) / "extension.yml"
path.write_text(yaml.safe_dump(bad))
try:
    ExtensionManifest(path)
    out["rejected"] = None
except ValidationError as exc:
    out["rejected"] = str(exc)
print(json.dumps(out))
"""
    done = _speckit_python(code)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["id"] == "orch" and out["warnings"] == []
    assert out["commands"] == {"speckit.orch.run": ["speckit.orch.implement"],
                               "speckit.orch.status": [], "speckit.orch.verify": []}
    assert out["hooks"] == ["after_tasks"] and out["config"] == ["orch-config.yml"]
    assert "priority" in out["rejected"]


def test_step_package_and_bundle_pass_speckit_validation(tmp_path: Path) -> None:
    code = f"""
import json, pathlib
from specify_cli.workflows.step.installer import validate_step_package
from specify_cli.bundles.manifest import BundleManifest
meta = validate_step_package(pathlib.Path({str(INTEGRATION / 'steps' / 'orch')!r}), "orch")
bundle = BundleManifest.from_file(pathlib.Path({str(INTEGRATION / 'bundle' / 'bundle.yml')!r}))
print(json.dumps({{"type_key": meta["type_key"], "bundle_errors": bundle.structural_errors(),
                  "components": [c.label() for c in bundle.components]}}))
"""
    done = _speckit_python(code)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["type_key"] == "orch" and out["bundle_errors"] == []
    assert out["components"] == ["extension:orch@0.1.0", "step:orch@0.1.0",
                                 "workflow:orch-sdd@0.1.0"]


def test_extension_add_dev_registers_the_commands_for_claude(project: Path, specify: Run) -> None:
    listed = specify("extension", "list", cwd=project)
    assert listed.returncode == 0, listed.stderr
    assert "orch: verified implementation" in listed.stdout and "Commands: 3" in listed.stdout
    skills = project / ".claude" / "skills"
    for name in ("speckit-orch-run", "speckit-orch-implement", "speckit-orch-status",
                 "speckit-orch-verify"):
        body = (skills / name / "SKILL.md").read_text()
        assert LAUNCHER in body, name
    assert os.access(project / LAUNCHER, os.X_OK)
    hooks = (project / ".specify" / "extensions.yml").read_text()
    assert "after_tasks" in hooks and "speckit.orch.run" in hooks


def test_launcher_runs_orch_end_to_end_and_marks_only_verified_tasks(
    project: Path, env: dict[str, str]
) -> None:
    tasks = _feature(project, FOUR_TASKS)
    commit_all(project, "feature")

    done = subprocess.run([str(project / LAUNCHER), "run"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Tasks: 4 done (4 verified, 0 unverified)" in done.stdout
    assert done.stdout.rstrip().endswith("orch exit 0: done")
    report = next(line for line in done.stdout.splitlines() if line.startswith("Report: "))
    assert (project / report.removeprefix("Report: ")).is_file()
    status = json.loads(_orch(env, project, "status", "--json").stdout)
    assert {t["id"]: (t["status"], t["verified"]) for t in status["tasks"]} == {
        f"T00{n}": ("done", True) for n in range(1, 5)}
    marked = [line for line in tasks.read_text().splitlines() if line.lstrip().startswith("- [")]
    assert marked == [line.replace("- [ ] T0", "- [X] T0") for line in FOUR_TASKS.splitlines()
                      if line.lstrip().startswith("- [")]
    assert "  - [ ] The farewell is polite" in marked[3]
    status_cmd = subprocess.run([str(project / LAUNCHER), "status"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=300)
    assert status_cmd.returncode == 0, status_cmd.stderr
    assert "done (verified)" in status_cmd.stdout and report in status_cmd.stdout
    verify_cmd = subprocess.run([str(project / LAUNCHER), "verify"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=300)
    assert verify_cmd.returncode == 0, verify_cmd.stdout + verify_cmd.stderr
    assert "4 done tasks re-checked, 0 no longer hold" in verify_cmd.stdout
    assert verify_cmd.stdout.rstrip().endswith("orch exit 0: done")
    # The optional config template seeded orch's one config file, committed with the plan.
    config = (project / ".specify" / "orch" / "config.yaml").read_text()
    assert config.startswith("# orch configuration.") and "spec-kit template" not in config
    assert git(project, "status", "--porcelain") == ""


def test_workflow_orch_step_completes_with_orch_outcome(
    project: Path, specify: Run
) -> None:
    _feature(project, FOUR_TASKS)
    wf = _workflow(project, '  - id: implement\n    type: orch\n    jobs: "{{ inputs.jobs }}"\n'
                   '    max_cost: "{{ inputs.budget }}"\n',
                   "inputs:\n  jobs:\n    type: number\n    default: 1\n"
                   "  budget:\n    type: number\n    default: 10\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, "--json", "-i", "budget=2.5", cwd=project)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads(ran.stdout)
    assert result["status"] == "completed"
    output = _state(project, result["run_id"])["step_results"]["implement"]["output"]
    assert output["state"] == "completed"
    assert output["command"] == "orch run --yes --jobs 1 --max-cost 2.5"
    assert (output["tasks_done"], output["tasks_verified"], output["tasks_total"]) == (4, 4, 4)
    assert output["cost_usd"] == 0.0
    assert output["run_id"] == (project / ".specify" / "orch" / "current").read_text().strip()
    assert (project / output["report"]).is_file()


def test_workflow_pauses_for_approval_and_resume_finishes_the_same_run(
    project: Path, specify: Run, env: dict[str, str]
) -> None:
    tasks = _feature(project, FOUR_TASKS.replace(
        "## Phase 1: Setup\n", "## Phase 1: Setup\n\n**Approve**: human\n"))
    wf = _workflow(project, "  - id: implement\n    type: orch\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, "--json", cwd=project)
    paused = json.loads(ran.stdout)
    assert paused["status"] == "paused", ran.stdout + ran.stderr
    output = _state(project, paused["run_id"])["step_results"]["implement"]["output"]
    assert output["state"] == "awaiting_decision" and output["tasks_done"] == 1
    assert "phase 1 awaits a decision" in output["awaiting"]
    still = specify("workflow", "resume", paused["run_id"], "--json", cwd=project)
    assert json.loads(still.stdout)["status"] == "paused"  # no decision yet: still paused

    approved = _orch(env, project, "approve", "1")
    assert approved.returncode == 0, approved.stderr
    resumed = specify("workflow", "resume", paused["run_id"], "--json", cwd=project)

    assert json.loads(resumed.stdout)["status"] == "completed", resumed.stdout + resumed.stderr
    runs = json.loads(_orch(env, project, "runs", "--json").stdout)["runs"]
    assert [run["state"] for run in runs] == ["completed"]
    final = _state(project, paused["run_id"])["step_results"]["implement"]["output"]
    assert final["run_id"] == output["run_id"] and final["tasks_verified"] == 4
    assert "- [ ] T0" not in tasks.read_text()


def test_failing_task_fails_the_workflow_with_orch_error_line(
    project: Path, specify: Run
) -> None:
    tasks = _feature(project, FOUR_TASKS.replace("ls src | wc -l > count.txt", "exit 7"))
    wf = _workflow(project, "  - id: implement\n    type: orch\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, "--json", cwd=project)

    result = json.loads(ran.stdout)
    assert result["status"] == "failed" and ran.returncode != 0
    output = _state(project, result["run_id"])["step_results"]["implement"]["output"]
    line = next(text for text in output["stderr_tail"].splitlines() if text.startswith("error: "))
    assert "task T004 failed" in line
    assert line.removeprefix("error: ") in result["error"]
    assert "resumable" in result["error"]
    text = tasks.read_text()
    assert "- [ ] T004" in text and "- [X] T003" in text


def test_shell_step_orch_run_yes_completes_without_a_gitignore_edit(
    project: Path, specify: Run
) -> None:
    """The issue's first failure: spec-kit's run state made the tree dirty (exit 3)."""
    _feature(project, FOUR_TASKS)
    wf = _workflow(project, '  - id: implement\n    type: shell\n    run: "orch run --yes"\n')
    commit_all(project, "feature and workflow")
    before = git(project, "rev-parse", "HEAD").strip()

    ran = specify("workflow", "run", wf, "--json", cwd=project)

    assert json.loads(ran.stdout)["status"] == "completed", ran.stdout + ran.stderr
    changed = git(project, "diff", "--name-only", before, "HEAD").split()
    assert not [path for path in changed if path.endswith(".gitignore")], changed
    assert not [path for path in changed if path.startswith(".specify/workflows/")], changed
    assert git(project, "status", "--porcelain") == ""


def test_orch_sdd_workflow_and_overlay_install_with_the_orch_step(
    project: Path, specify: Run
) -> None:
    added = specify("workflow", "add", "--dev",
                    str(INTEGRATION / "workflows" / "orch-sdd" / "workflow.yml"), cwd=project)
    assert added.returncode == 0, added.stdout + added.stderr
    info = specify("workflow", "info", "orch-sdd", cwd=project)
    assert "implement [orch]" in info.stdout and "review-tasks [gate]" in info.stdout
    overlay = specify("workflow", "overlay", "add",
                      str(INTEGRATION / "overlays" / "speckit-orch.yml"), cwd=project)
    assert overlay.returncode == 0, overlay.stdout + overlay.stderr
    resolved = specify("workflow", "resolve", "speckit", cwd=project)
    assert "implement: project:speckit-orch" in resolved.stdout


def test_release_archives_install_from_urls(tmp_path: Path, specify: Run,
                                           env: dict[str, str]) -> None:
    """build-archive.sh's files install with `--from URL`, as from a release (served here on
    127.0.0.1, the one plain-HTTP host spec-kit accepts)."""
    dist = tmp_path / "dist"
    built = subprocess.run([str(INTEGRATION / "build-archive.sh"), str(dist)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    assert sorted(path.name for path in dist.iterdir()) == [
        "orch-sdd-0.1.0.yml", "orch-speckit-extension-0.1.0.zip", "orch-speckit-step-0.1.0.zip"]
    repo = tmp_path / "fromzip"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    init = specify("init", "--here", "--integration", "claude", "--ignore-agent-tools",
                   "--non-interactive", "--force", cwd=repo)
    assert init.returncode == 0, init.stdout + init.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ext = specify("extension", "add", "orch", "--from",
                      f"{base}/orch-speckit-extension-0.1.0.zip", cwd=repo, answer="y\n")
        step = specify("workflow", "step", "add", "orch", "--from",
                       f"{base}/orch-speckit-step-0.1.0.zip", cwd=repo, answer="y\n")
        flow = specify("workflow", "add", "orch-sdd", "--from", f"{base}/orch-sdd-0.1.0.yml",
                       cwd=repo, answer="y\n")
    finally:
        server.shutdown()
        server.server_close()
    assert ext.returncode == 0, ext.stdout + ext.stderr
    assert step.returncode == 0, step.stdout + step.stderr
    assert flow.returncode == 0, flow.stdout + flow.stderr
    assert os.access(repo / LAUNCHER, os.X_OK)
    assert (repo / ".claude" / "skills" / "speckit-orch-run" / "SKILL.md").is_file()
    assert not (repo / ".specify" / "extensions" / "orch" / "steps").exists()
    assert (repo / ".specify" / "workflows" / "steps" / "orch" / "__init__.py").is_file()


def test_speckit_workflow_example_pauses_for_approval_then_completes(
    tmp_path: Path, specify: Run, env: dict[str, str]
) -> None:
    work = tmp_path / "example"
    done = subprocess.run(["bash", str(REPO / "examples" / "speckit-workflow" / "run.sh"),
                           str(work)], env={**env, "SPECIFY_BIN": str(SPECIFY)},
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count('"status": "paused"') == 1
    assert done.stdout.count('"status": "completed"') == 1
    assert "awaiting_decision" in done.stdout
    assert len(json.loads(_orch(env, work, "runs", "--json").stdout)["runs"]) == 1
    assert "- [ ] T0" not in (work / "specs" / "001-greeting" / "tasks.md").read_text()
    status = json.loads(_orch(env, work, "status", "--json").stdout)
    assert all(task["verified"] for task in status["tasks"])


def test_interrupted_orch_fails_the_step_resumably_and_resume_finishes_the_same_run(
    project: Path, specify: Run, env: dict[str, str]
) -> None:
    """The step's timeout stops orch like Ctrl-C would (it saves its run, exit 130); the
    workflow fails, resumable, and `specify workflow resume` continues that same orch run."""
    slow = "touch started && sleep 60 && "
    tasks = _feature(project, FOUR_TASKS.replace("echo bye > src/bye.txt",
                                                 f"{slow}echo bye > src/bye.txt"))
    wf = _workflow(project, "  - id: implement\n    type: orch\n    timeout: 3\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, "--json", cwd=project)

    result = json.loads(ran.stdout)
    assert result["status"] == "failed", ran.stdout + ran.stderr
    assert "timed out after 3 s" in result["error"]
    assert "resumes the same orch run" in result["error"]
    output = _state(project, result["run_id"])["step_results"]["implement"]["output"]
    assert output["exit_code"] == 130 and output["state"] == "interrupted"
    tasks.write_text(tasks.read_text().replace(slow, ""))

    resumed = specify("workflow", "resume", result["run_id"], "--json", cwd=project)

    assert json.loads(resumed.stdout)["status"] == "completed", resumed.stdout + resumed.stderr
    runs = json.loads(_orch(env, project, "runs", "--json").stdout)["runs"]
    assert [run["run"] for run in runs] == [output["run_id"]]
    assert "- [ ] T0" not in tasks.read_text()


def test_ctrl_c_pauses_the_workflow_and_resume_continues_the_same_run(
    project: Path, env: dict[str, str]
) -> None:
    """Ctrl-C reaches spec-kit and orch alike: orch saves its run (exit 130), the step waits for
    it and records the run, spec-kit pauses the workflow; resuming continues that run."""
    slow = "touch started && sleep 60 && "
    tasks = _feature(project, FOUR_TASKS.replace("echo bye > src/bye.txt",
                                                 f"{slow}echo bye > src/bye.txt"))
    wf = _workflow(project, "  - id: implement\n    type: orch\n")
    commit_all(project, "feature and workflow")
    specify_run = subprocess.Popen([str(_specify_or_skip()), "workflow", "run", wf, "--json"],
                                   cwd=project, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_file(project / "started", specify_run)
        os.killpg(specify_run.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        out, err = specify_run.communicate(timeout=200)
    finally:
        if specify_run.poll() is None:
            os.killpg(specify_run.pid, signal.SIGKILL)
    result = json.loads(out)
    assert result["status"] == "paused", out + err
    orch_run = json.loads(_orch(env, project, "status", "--json").stdout)
    assert orch_run["state"] == "interrupted"
    tasks.write_text(tasks.read_text().replace(slow, ""))

    resumed = subprocess.run([str(SPECIFY), "workflow", "resume", result["run_id"], "--json"],
                             cwd=project, env=env, capture_output=True, text=True, timeout=300)

    assert json.loads(resumed.stdout)["status"] == "completed", resumed.stdout + resumed.stderr
    runs = json.loads(_orch(env, project, "runs", "--json").stdout)["runs"]
    assert [run["run"] for run in runs] == [orch_run["run"]]


def test_orch_step_config_is_validated_before_anything_runs(
    project: Path, specify: Run
) -> None:
    _feature(project, FOUR_TASKS)
    wf = _workflow(project, "  - id: implement\n    type: orch\n    jobs: 0\n    timeout: -1\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, cwd=project)

    assert ran.returncode != 0
    assert "'jobs' must be a positive integer" in ran.stdout + ran.stderr
    assert "'timeout' must be a positive number" in ran.stdout + ran.stderr
    assert not (project / ".specify" / "orch" / "current").exists()


def test_missing_orch_fails_the_step_and_the_launcher_with_the_reason(
    project: Path, specify: Run, env: dict[str, str]
) -> None:
    _feature(project, FOUR_TASKS)
    wf = _workflow(project, "  - id: implement\n    type: orch\n    orch: /nonexistent/orch\n")
    commit_all(project, "feature and workflow")

    ran = specify("workflow", "run", wf, "--json", cwd=project)
    launched = subprocess.run([str(project / LAUNCHER), "run"], cwd=project,
                              env={**env, "ORCH_BIN": "/nonexistent/orch"},
                              capture_output=True, text=True, timeout=300)

    result = json.loads(ran.stdout)
    assert result["status"] == "failed"
    assert "cannot start orch (/nonexistent/orch)" in result["error"]
    assert launched.returncode == 3
    assert launched.stderr.startswith("error: orch is not installed")
