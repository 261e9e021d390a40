"""A plan edited during the run (here by a task's own command): the ``[X]`` lands on the task
wherever it now sits, or, when the task is gone or ambiguous, nowhere, with a warning in the
run's journal. The user's edit is never corrupted: the plan's bytes are checked exactly."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task

EDIT = "edit.py"


def _run(repo: Path, orch: OrchRunner, edit: str) -> tuple[str, str]:
    """Run a plan whose T002 runs ``edit`` (Python, the plan's text in ``text``) on plan.md;
    return the plan as the run read it and the run's warnings."""
    (repo / EDIT).write_text(
        "from pathlib import Path\nplan = Path('plan.md')\ntext = plan.read_text()\n"
        f"{edit}\nplan.write_text(text)\n")
    plan = make_plan([("One", [
        shell_task("T001", "Write a", "echo a > a.txt"),
        shell_task("T002", "Write b", f"echo b > b.txt && python3 {EDIT}"),
        shell_task("T003", "Write c", "echo c > c.txt"),
    ])])
    (repo / "plan.md").write_text(plan)
    commit_all(repo)
    result = orch("run", "plan.md", "--commit", "none", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    run_id = (repo / ".specify" / "orch" / "current").read_text().strip()
    events = (repo / ".specify" / "orch" / "runs" / run_id / "events.jsonl").read_text()
    notes = [json.loads(line)["data"].get("message", "") for line in events.splitlines()
             if json.loads(line)["type"] == "note"]
    return plan, "\n".join(notes)


def _done(plan: str, *task_ids: str) -> str:
    for task_id in task_ids:
        plan = plan.replace(f"- [ ] {task_id} ", f"- [X] {task_id} ")
    return plan


INSERTED = "- [ ] Write b again, by hand\n\nA note the user wrote: Write b carefully.\n"


def test_lines_inserted_above_a_running_task_leave_them_alone_and_mark_the_task(
        git_repo: Path, orch: OrchRunner) -> None:
    plan, notes = _run(git_repo, orch,
                       f"text = text.replace('- [ ] T002 ', {INSERTED!r} + '- [ ] T002 ')")
    edited = plan.replace("- [ ] T002 ", INSERTED + "- [ ] T002 ")
    assert (git_repo / "plan.md").read_text() == _done(edited, "T001", "T002", "T003")
    assert "mark was not written" not in notes


def test_a_task_its_own_command_removed_gets_no_mark_and_a_warning(
        git_repo: Path, orch: OrchRunner) -> None:
    plan, notes = _run(git_repo, orch, "text = text.replace('T002 Write b', 'T009 Write b')")
    edited = plan.replace("T002 Write b", "T009 Write b")
    assert (git_repo / "plan.md").read_text() == _done(edited, "T001", "T003")
    assert "T002 ('Write b'): its done mark was not written" in notes, notes
    assert "no longer in plan.md" in notes


def test_a_task_copied_above_itself_is_ambiguous_and_gets_no_mark(
        git_repo: Path, orch: OrchRunner) -> None:
    plan, notes = _run(git_repo, orch,
                       "text = text.replace('- [ ] T002 ', '- [ ] T002 Write b\\n- [ ] T002 ')")
    edited = plan.replace("- [ ] T002 ", "- [ ] T002 Write b\n- [ ] T002 ")
    assert (git_repo / "plan.md").read_text() == _done(edited, "T001", "T003")
    assert "is in plan.md 2 times now, 1 when the run read it" in notes, notes
