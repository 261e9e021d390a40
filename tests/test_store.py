"""The journal and snapshot store: durability rules, torn lines, schema version, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.domain.state import SCHEMA_VERSION, RunState, TaskState
from orch.domain.status import TaskStatus
from orch.errors import StateError, UsageError
from orch.store.journal import read_journal
from orch.store.layout import Layout
from orch.store.runs import create_run, list_run_ids, load_run, open_run, resolve_run_id


def new_state(run_id: str = "20260101-000000-abcd", tasks: int = 3) -> RunState:
    return RunState(
        run_id=run_id,
        plan_path="plan.md",
        plan_sha256="0" * 64,
        created="t0",
        updated="t0",
        tasks={f"T{i:03d}": TaskState(id=f"T{i:03d}", phase="1") for i in range(1, tasks + 1)},
    )


def test_events_replay_over_the_snapshot(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    recorder = create_run(layout, new_state())
    recorder.record("task_started", task="T001", data={"attempt": 1})
    recorder.record("task_finished", task="T001", data={"status": "done", "cost_usd": 0.5})
    # No snapshot since creation: run.json is stale, the journal is the truth.
    assert json.loads(layout.run_json(recorder.run_id).read_text())["last_seq"] == 0
    state = load_run(layout, recorder.run_id)
    assert state.tasks["T001"].status is TaskStatus.DONE
    assert state.tasks["T001"].attempts == 1
    assert state.cost_usd == 0.5
    assert state.last_seq == 2
    recorder.close()
    assert json.loads(layout.run_json(recorder.run_id).read_text())["last_seq"] == 2
    assert load_run(layout, recorder.run_id) == state


def test_torn_last_line_is_dropped_and_appending_continues(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    recorder = create_run(layout, new_state())
    recorder.record("task_started", task="T001", data={"attempt": 1})
    recorder.close()
    events_path = layout.events(recorder.run_id)
    with open(events_path, "ab") as handle:
        handle.write(b'{"seq": 2, "ts": "x", "type": "task_fini')
    state = load_run(layout, recorder.run_id)
    assert state.last_seq == 1
    assert state.tasks["T001"].status is TaskStatus.RUNNING
    again = open_run(layout, recorder.run_id)
    again.record("task_finished", task="T001", data={"status": "done"})
    again.close()
    events, torn = read_journal(events_path)
    assert not torn
    assert [e.seq for e in events] == [1, 2]
    assert load_run(layout, recorder.run_id).tasks["T001"].status is TaskStatus.DONE


def test_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    recorder = create_run(layout, new_state())
    recorder.record("task_started", task="T001")
    recorder.record("task_finished", task="T001", data={"status": "done"})
    recorder.close()
    path = layout.events(recorder.run_id)
    lines = path.read_bytes().split(b"\n")
    lines[0] = b"garbage"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(StateError, match="corrupt journal line"):
        load_run(layout, recorder.run_id)


def test_schema_version_is_checked(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    recorder = create_run(layout, new_state())
    recorder.close()
    path = layout.run_json(recorder.run_id)
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    data["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(StateError, match="schema version"):
        load_run(layout, recorder.run_id)


def test_run_ids_resolve_by_prefix_and_current(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    create_run(layout, new_state("20260101-000000-aaaa")).close()
    create_run(layout, new_state("20260102-000000-bbbb")).close()
    assert list_run_ids(layout) == ["20260101-000000-aaaa", "20260102-000000-bbbb"]
    assert resolve_run_id(layout, None) == "20260102-000000-bbbb"
    assert resolve_run_id(layout, "20260101") == "20260101-000000-aaaa"
    with pytest.raises(UsageError, match="matches several runs"):
        resolve_run_id(layout, "2026")
    with pytest.raises(UsageError, match="no run matches"):
        resolve_run_id(layout, "1999")


def test_bookkeeping_is_ignored_by_its_own_gitignore(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    create_run(layout, new_state()).close()
    text = layout.gitignore.read_text()
    assert "*\n" in text and "!config.yaml" in text
