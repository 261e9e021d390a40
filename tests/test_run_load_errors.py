"""A damaged run.json or journal: one `error:` line naming the file, a `hint:`, exit 3, no
traceback; a torn last journal line (what a crash leaves) is tolerated, and only the run's
writer cuts it off (docs/state.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OrchRunner, failed_run, make_plan, shell_task
from orch.store.layout import Layout


def _failed_run(repo: Path, orch: OrchRunner) -> str:
    """T001 done, T002 failed (until the file ``go`` beside the project exists)."""
    return failed_run(repo, orch, make_plan([("Build", [
        shell_task("T001", "Write a", "echo a >> a.txt"),
        shell_task("T002", "Wait for go", f"test -f {repo.parent / 'go'}")])]))


def _assert_one_error(result: object, file: str, *hint_words: str) -> None:
    assert getattr(result, "returncode") == 3  # noqa: B009 - CompletedProcess
    lines = str(getattr(result, "stderr")).splitlines()  # noqa: B009
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"error: {file}"), lines
    assert lines[1].startswith("hint: "), lines
    for word in hint_words:
        assert word in lines[1], lines


@pytest.mark.parametrize(("damage", "says"), [
    (lambda text: text[: len(text) // 2], "is damaged: not valid JSON"),
    (lambda text: "", "is empty"),
    (lambda text: "[1, 2]", "is damaged: not an orch run snapshot"),
    (lambda text: json.dumps({**json.loads(text), "tasks": 7}),
     "is damaged: 1 invalid field(s), first tasks"),
])
def test_damaged_snapshot_is_one_error_naming_the_file_with_a_hint(
    git_repo: Path, orch: OrchRunner, damage: object, says: str
) -> None:
    run_id = _failed_run(git_repo, orch)
    run_json = Layout(git_repo).run_json(run_id)
    run_json.write_text(damage(run_json.read_text()))  # type: ignore[operator]
    shown = f".specify/orch/runs/{run_id}/run.json"
    for command in (["status"], ["resume", "--retry-failed"], ["report", "--json"]):
        result = orch(*command, cwd=git_repo)
        _assert_one_error(result, shown, "events.jsonl", "`orch run`", "`orch runs`")
        assert says in result.stderr and result.stdout == ""
    listed = orch("runs", "--json", cwd=git_repo)
    assert listed.returncode == 0
    assert json.loads(listed.stdout)["runs"][-1]["state"] == "unreadable"


def test_corrupt_middle_journal_line_names_the_line(git_repo: Path, orch: OrchRunner) -> None:
    run_id = _failed_run(git_repo, orch)
    layout = Layout(git_repo)
    snapshot = json.loads(layout.run_json(run_id).read_text())
    snapshot["last_seq"] = 0  # the journal's events are all newer than the snapshot
    snapshot["tasks"] = {k: {**v, "status": "pending", "attempts": 0}
                         for k, v in snapshot["tasks"].items()}
    layout.run_json(run_id).write_text(json.dumps(snapshot))
    lines = layout.events(run_id).read_text().splitlines()
    lines[2] = lines[2][:25]
    layout.events(run_id).write_text("\n".join(lines) + "\n")
    result = orch("status", cwd=git_repo)
    _assert_one_error(result, f".specify/orch/runs/{run_id}/events.jsonl: corrupt journal "
                              "line 3", "`orch run`")


def test_torn_last_line_is_skipped_by_onlookers_and_cut_by_resume(
    git_repo: Path, orch: OrchRunner
) -> None:
    run_id = _failed_run(git_repo, orch)
    events = Layout(git_repo).events(run_id)
    with open(events, "ab") as handle:
        handle.write(b'{"seq": 999, "ts": "2026-01-01T00:00:00Z", "type": "task_fin')
    torn = events.read_bytes()
    for command in (["status", "--json"], ["runs", "--json"], ["resume", "--dry-run",
                                                                "--retry-failed"]):
        result = orch(*command, cwd=git_repo)
        assert result.returncode == 0, result.stderr
        assert events.read_bytes() == torn  # a reader never writes a live run's journal

    (git_repo.parent / "go").write_text("")
    resumed = orch("resume", "--retry-failed", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    lines = events.read_text().splitlines()
    assert all(json.loads(line)["seq"] == n for n, line in enumerate(lines, start=1))
    assert json.loads(orch("status", "--json", cwd=git_repo).stdout)["state"] == "completed"
