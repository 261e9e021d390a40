"""Worker lanes on screen and in JSON (``--jobs`` > 1): the live lane lines and merge queue,
the ``lane`` of JSON-lines events, and ``orch status`` (text and ``--json``)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from conftest import OrchRunner, commit_all, make_plan, shell_task
from orch.cli.views import status_document
from orch.domain.state import RunState
from orch.reporting.console import ConsoleReporter
from orch.reporting.plain import PlainReporter
from orch.reporting.status_md import render_status_md
from orch.reporting.status_view import status_renderable
from orch.store.layout import Layout
from orch.store.runs import create_run
from test_reporting import Sim


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rendered(renderable: object, width: int = 100) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=False).print(renderable)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def lane_start(sim: Sim, task_id: str, lane: int, index: int) -> None:
    sim.ev("worktree_created", task=task_id, path=f"/wt/{task_id}", branch=f"orch/r/{task_id}",
           base="b" * 40, lane=lane)
    sim.ev("task_started", task=task_id, attempt=1, agent="shell", adapter="shell",
           title=sim.state.tasks[task_id].title, index=index, count=4, lane=lane)


def test_live_view_shows_busy_lanes_then_the_merge_queue() -> None:
    clock = Clock()
    reporter = ConsoleReporter(Console(file=io.StringIO(), width=100), live=False, clock=clock)
    sim = Sim([reporter])
    sim.phase(1)
    assert rendered(reporter.view) == []  # nothing runs yet: the view is empty
    lane_start(sim, "T001", 1, 1)
    clock.now += 1.5
    lane_start(sim, "T002", 2, 2)
    clock.now += 0.5
    assert [line[2:] for line in rendered(reporter.view)] == [
        "lane 1  [1/4] T001 Create project skeleton · shell  running agent 2.0s",
        "lane 2  [2/4] T002 Add config · shell  running agent 0.5s",
    ]
    # T001's worker returns: its verify ran in the worktree, its work is committed, it waits.
    sim.ev("task_verifying", task="T001", commands=["true"])
    sim.ev("task_committed", task="T001", commit="c" * 40)
    lines = rendered(reporter.view)
    assert [line[2:] for line in lines[:-1]] == [
        "lane 2  [2/4] T002 Add config · shell  running agent 0.5s"]
    assert lines[-1] == "  merge queue: waiting T001"
    sim.ev("task_committed", task="T002", commit="d" * 40)
    sim.ev("integration_started", task="T001", before_tree="e" * 40, result_tree="f" * 40)
    assert rendered(reporter.view) == ["  merge queue: integrating T001 · waiting T002"]
    for task_id in ("T001", "T002"):
        sim.ev("integration_started", task=task_id, before_tree="e" * 40, result_tree="f" * 40)
        sim.ev("task_integrated", task=task_id, commit="a" * 40)
        sim.ev("task_finished", task=task_id, status="done", verified=True, duration_s=1.0)
        sim.ev("worktree_removed", task=task_id, kept_branch=False)
    assert rendered(reporter.view) == []


def test_a_task_in_the_main_tree_keeps_the_single_running_line() -> None:
    clock = Clock()
    reporter = ConsoleReporter(Console(file=io.StringIO(), width=100), live=False, clock=clock)
    sim = Sim([reporter])
    sim.ev("task_started", task="T001", attempt=1, agent="shell", adapter="shell",
           title="Create project skeleton", index=1, count=4)
    clock.now += 1.0
    lines = rendered(reporter.view)
    assert [line[2:] for line in lines] == ["Task [1/4] T001 Create project skeleton · shell  1.0s"]
    assert lines == rendered(reporter.running)  # --jobs 1: exactly the one line of before


def lane_started(task_id: str, title: str, lane: int, index: int) -> list[Step]:
    return [("worktree_created", task_id, {"path": f"/wt/{task_id}", "lane": lane,
                                           "branch": f"orch/r/{task_id}", "base": "b" * 40}),
            ("task_started", task_id, {"attempt": 1, "agent": "shell", "adapter": "shell",
                                       "title": title, "index": index, "count": 4,
                                       "lane": lane})]


Step = tuple[str, str | None, dict[str, object]]
LANE_STEPS: list[Step] = [
    *lane_started("T001", "Create project skeleton", 1, 1),
    *lane_started("T002", "Add config", 2, 2),
    ("task_verifying", "T001", {"commands": ["true"]}),
    ("task_committed", "T001", {"commit": "c" * 40}),
]
"""T001 waits to integrate, T002's agent runs in lane 2."""


def lanes_state() -> RunState:
    sim = Sim([])
    for type_, task, data in LANE_STEPS:
        sim.ev(type_, task=task, after=0.5, fields=data)
    return sim.state


def test_status_view_has_a_lanes_table_and_the_merge_queue() -> None:
    lines = rendered(status_renderable(lanes_state()))
    start = lines.index("Lanes")
    assert lines[start:start + 6] == [
        "Lanes",
        " Lane ┃ Task ┃ Title                   ┃ Doing                ┃ Time",
        "━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━",
        "    1 │ T001 │ Create project skeleton │ waiting to integrate │ 0.0s",
        "    2 │ T002 │ Add config              │ running agent        │ 0.0s",
        "merge queue: waiting T001",
    ]
    assert "Lanes" not in rendered(status_renderable(Sim([]).state))


def test_status_json_lists_lanes_and_queue_and_none_without_lanes() -> None:
    document = status_document(lanes_state())
    assert [(row["lane"], row["task"], row["doing"]) for row in document["lanes"]] == [
        (1, "T001", "waiting to integrate"), (2, "T002", "running agent")]
    assert document["merge_queue"] == {"integrating": None, "waiting": ["T001"]}
    quiet = status_document(Sim([]).state)
    assert quiet["lanes"] == [] and quiet["merge_queue"] == {"integrating": None, "waiting": []}


def test_orch_status_reads_lanes_from_the_journal(git_repo: Path, orch: OrchRunner) -> None:
    recorder = create_run(Layout(git_repo), Sim([]).state)
    for type_, task, data in LANE_STEPS:
        recorder.record(type_, task=task, data=data)
    recorder.close()
    text = orch("status", cwd=git_repo)
    assert text.returncode == 0, text.stderr
    assert "Lanes" in text.stdout and "merge queue: waiting T001" in text.stdout
    assert "running agent" in text.stdout and "lane 1:" not in text.stdout
    document = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert [(row["lane"], row["task"], row["doing"]) for row in document["lanes"]] == [
        (1, "T001", "waiting to integrate"), (2, "T002", "running agent")]
    assert document["merge_queue"] == {"integrating": None, "waiting": ["T001"]}


def p_task(task_id: str, script: str, verify: list[str]) -> str:
    return shell_task(task_id, f"[P] task {task_id}", script, verify=verify)


def journal_by_seq(repo: Path) -> dict[int, dict[str, object]]:
    """The run's journal (which leaves out empty keys), by ``seq``."""
    run_dir = next((repo / ".specify" / "orch" / "runs").iterdir())
    events = json_lines((run_dir / "events.jsonl").read_text())
    return {int(str(e["seq"])): e for e in events}


def without_lane(event: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in event.items() if k != "lane" and v is not None}


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_events_of_lane_tasks_carry_their_lane(git_repo: Path, orch: OrchRunner) -> None:
    tasks = [p_task(f"T00{n}", f"sleep 0.5\necho {n} > f{n}.txt", [f"test -f f{n}.txt"])
             for n in range(1, 4)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "3", "--yes", "--json", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    events = json_lines(result.stdout)
    journal = journal_by_seq(git_repo)
    lanes = {e["task"]: e["data"]["lane"] for e in events if e["type"] == "worktree_created"}
    assert sorted(lanes) == ["T001", "T002", "T003"]
    assert sorted(lanes.values()) == [1, 2, 3]  # three at once: three lanes
    for event in events:
        if event["task"] in lanes:
            assert event.get("lane") == lanes[str(event["task"])], event
        else:
            assert "lane" not in event, event
    kinds = {e["type"] for e in events if "lane" in e}
    assert {"task_started", "task_committed", "task_integrated", "task_finished",
            "worktree_removed"} <= kinds
    # Apart from the lane, each line is the journal's event.
    assert [without_lane(e) for e in events] == [journal[int(str(e["seq"]))]
                                                 for e in events]


def test_a_task_sent_back_runs_alone_without_a_lane(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "line.txt").write_text("original\n")
    tasks = [p_task("T001", "echo first > line.txt", ["grep -q first line.txt"]),
             p_task("T002", "echo second > line.txt", ["grep -q second line.txt"])]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", "--json", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    t002 = [e for e in json_lines(result.stdout) if e["task"] == "T002"]
    kinds = [e["type"] for e in t002]
    back = kinds.index("integration_failed")
    rerun = kinds.index("task_started", back)
    # Everything up to the reset that sends it back came from its lane; the re-run did not.
    assert all("lane" in e for e in t002[:rerun]), t002[:rerun]
    assert t002[rerun - 1]["type"] == "task_reset"
    assert not any("lane" in e for e in t002[rerun:]), t002[rerun:]


def test_jobs_one_json_lines_carry_no_lane(git_repo: Path, orch: OrchRunner) -> None:
    tasks = [p_task(f"T00{n}", f"echo {n} > f{n}.txt", [f"test -f f{n}.txt"]) for n in (1, 2)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--yes", "--json", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    events = json_lines(result.stdout)
    assert events and not any("lane" in e for e in events)
    journal = journal_by_seq(git_repo)
    assert [without_lane(e) for e in events] == [journal[int(str(e["seq"]))] for e in events]


def test_plain_start_line_names_the_lane() -> None:
    out = io.StringIO()
    sim = Sim([PlainReporter(out)])
    for type_, task, data in LANE_STEPS[:2]:
        sim.ev(type_, task=task, fields=data)
    sim.ev("task_started", task="T003", attempt=1, agent="shell", adapter="shell",
           title="Write the parser", index=3, count=4)
    assert out.getvalue().splitlines() == [
        "Task [1/4] T001 Create project skeleton (shell, lane 1)",
        "Task [3/4] T003 Write the parser (shell)",
    ]


def test_status_md_names_each_lane_and_the_queue() -> None:
    text = render_status_md(lanes_state())
    assert ("- Current task: `T001` Create project skeleton"
            " (verifying, attempt 1, lane 1: waiting to integrate)") in text.splitlines()
    assert "- Current task: `T002` Add config (running, attempt 1, lane 2: running agent)" in text
    assert "- Merge queue: waiting T001" in text.splitlines()
