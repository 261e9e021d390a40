"""`orch report` says verified/unverified exactly as `orch status` does, in text, JSON and HTML,
with each task's evidence and the gate that covered it, each phase's gate and checkpoint, and
failures and resumes on the time line; a title's terminal escapes never reach the terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task

GATE = "test -d .git && echo gate-ok"


def report_plan() -> str:
    return make_plan(
        [("Build", [shell_task("T001", "Write a.txt", "echo a > a.txt",
                               verify=["test -f a.txt"]),
                    shell_task("T002", "Say \x1b]0;pwned\x07hi \x1b[31mred\x1b[0m",
                               "echo hello")]),
         ("Ship", [shell_task("T003", "Announce", "echo shipped")])],
        gates={2: [GATE]})


def test_report_verified_matches_status_and_names_the_gate(
    orch: OrchRunner, git_repo: Path, tmp_path: Path
) -> None:
    (git_repo / "plan.md").write_text(report_plan())
    commit_all(git_repo)
    run = orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo)
    assert run.returncode == 0, run.stdout + run.stderr
    status = {t["id"]: t["verified"]
              for t in json.loads(orch("status", "--json", cwd=git_repo).stdout)["tasks"]}
    assert status == {"T001": True, "T002": False, "T003": True}

    document = json.loads(orch("report", "--json", cwd=git_repo).stdout)["runs"][0]
    assert {t["id"]: t["verified"] for t in document["tasks"]} == status
    rows = {t["id"]: t for t in document["tasks"]}
    assert rows["T001"]["checks"] == ["passed `test -f a.txt`", "passed `changed a.txt`"]
    assert rows["T003"]["gate"] == f"passed `{GATE}` (phase 2 gate)"
    phases = {p["id"]: p for p in document["phases"]}
    assert phases["2"]["gate"] == "plan" and phases["2"]["gate_commands"] == [GATE]
    assert phases["2"]["gate_result"] == "passed" and phases["2"]["checkpoint"]
    evidence = [e for a in document["attempts"] if a["task"] == "T002" for e in a["evidence"]]
    assert "orch's checks passed" not in evidence and "unverified: no check ran" in evidence

    page = tmp_path / "report.html"
    orch("report", "--html", str(page), cwd=git_repo)
    html = page.read_text()
    t002 = re.search(r"<tr><td>T002 .*?</tr>", html)
    assert t002 is not None
    assert "checks passed" not in t002.group(0) and ">unverified<" in t002.group(0)
    assert GATE.replace("&", "&amp;") in html
    assert 'class="tick"' in html  # the time axis

    text = orch("report", cwd=git_repo).stdout
    assert "\x1b" not in text and "\x07" not in text
    assert "Say hi red" in text
    assert "done (unverified)" in text and "done (verified)" in text
    assert f"gate (plan) passed `{GATE}`" in text


def test_failures_and_resumes_are_on_the_timeline(
    orch: OrchRunner, git_repo: Path, tmp_path: Path
) -> None:
    plan = make_plan([("Build", [shell_task("T001", "Needs go", "test -f go",
                                            extra="  - retries: 0")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", "--commit", "none",
                cwd=git_repo).returncode == 1
    (git_repo / "go").write_text("")
    resumed = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    document = json.loads(orch("report", "--json", cwd=git_repo).stdout)["runs"][0]
    assert [m["kind"] for m in document["markers"]] == ["failure", "resume"]
    page = tmp_path / "r.html"
    orch("report", "--html", str(page), cwd=git_repo)
    html = page.read_text()
    assert 'class="failure"' in html and 'class="resume"' in html


def test_no_text_view_prints_a_titles_escape_sequences(orch: OrchRunner, git_repo: Path) -> None:
    title = "Say \x1b]0;pwned\x07hi \x1b[31mred\x1b[0m"
    plan = make_plan([(f"Work \x1b[2J{title}", [shell_task("T001", title, "echo hello")])])
    (git_repo / "plan.md").write_text(plan.replace("# Test plan", f"# Plan {title}"))
    commit_all(git_repo)
    views = [orch("validate", "plan.md", cwd=git_repo),
             orch("run", "plan.md", "--dry-run", "--agent", "shell", cwd=git_repo),
             orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo),
             orch("report", cwd=git_repo),
             orch("status", cwd=git_repo),
             orch("graph", "plan.md", cwd=git_repo),
             orch("graph", "plan.md", "--format", "mermaid", cwd=git_repo),
             orch("graph", "plan.md", "--format", "dot", cwd=git_repo)]
    for view in views:
        assert view.returncode == 0, view.stderr
        assert "\x1b" not in view.stdout + view.stderr and "\x07" not in view.stdout, view.args
    assert "Say hi red" in views[0].stdout + views[1].stdout


def test_a_halted_run_names_the_gate_each_unfinished_phase_will_run(
    orch: OrchRunner, git_repo: Path
) -> None:
    # Phase 2 halts before its gate; phase 3 never starts. Neither has "no gate": the report and
    # status say which gate the run will run there, as --dry-run does.
    (git_repo / "test_x.py").write_text("import unittest\n")
    (git_repo / "plan.md").write_text(make_plan(
        [("One", [shell_task("T001", "Write a.txt", "echo a > a.txt")]),
         ("Two", [shell_task("T002", "Write b.txt", "false")]),
         ("Three", [shell_task("T003", "Write c.txt", "echo c > c.txt")])],
        gates={3: [GATE]}))
    commit_all(git_repo)
    dry = orch("run", "plan.md", "--dry-run", "--agent", "shell", cwd=git_repo)
    assert "  gate (auto): python3 -m unittest" in dry.stdout and f"  gate: {GATE}" in dry.stdout
    assert orch("run", "plan.md", "--agent", "shell", cwd=git_repo).returncode == 1

    phases = {p["id"]: p for p in
              json.loads(orch("report", "--json", cwd=git_repo).stdout)["runs"][0]["phases"]}
    assert (phases["2"]["gate"], phases["2"]["gate_result"]) == ("auto", "not run")
    assert phases["2"]["gate_commands"] == ["python3 -m unittest"]
    assert (phases["3"]["gate"], phases["3"]["gate_commands"]) == ("plan", [GATE])
    text = orch("report", cwd=git_repo).stdout
    assert "phase 2: gate (auto) not run `python3 -m unittest`" in text
    assert "gate (none)" not in text
    status = {p["id"]: p["gate"] for p in
              json.loads(orch("status", "--json", cwd=git_repo).stdout)["phases"]}
    assert status == {"1": "auto", "2": "auto", "3": "plan"}


def test_a_task_rolled_back_to_pending_shows_no_passed_check(
    orch: OrchRunner, git_repo: Path
) -> None:
    (git_repo / "plan.md").write_text(make_plan(
        [("One", [shell_task("T001", "Write a.txt", "echo a > a.txt")]),
         ("Two", [shell_task("T002", "Write b.txt", "echo b > b.txt", verify=["test -f b.txt"])])]))
    commit_all(git_repo)
    assert orch("run", "plan.md", "--agent", "shell", cwd=git_repo).returncode == 0
    rolled = orch("rollback", "phase-1", "--yes", cwd=git_repo)
    assert rolled.returncode == 0, rolled.stderr
    assert not (git_repo / "b.txt").exists()
    status = {t["id"]: t for t in
              json.loads(orch("status", "--json", cwd=git_repo).stdout)["tasks"]}
    assert (status["T002"]["status"], status["T002"]["evidence"]) == ("pending", [])
    rows = {t["id"]: t for t in
            json.loads(orch("report", "--json", cwd=git_repo).stdout)["runs"][0]["tasks"]}
    assert (rows["T002"]["status"], rows["T002"]["checks"]) == ("pending", [])
    assert "passed `test -f b.txt`" not in orch("report", cwd=git_repo).stdout
