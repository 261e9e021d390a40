"""`orch resume --dry-run --json`: one JSON document with what the text preview says."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, failed_run, make_plan, shell_task
from orch.store.layout import Layout


def _plan(*, t1_verify: str = "test -f a.txt", extra: list[str] | None = None) -> str:
    tasks = [shell_task("T001", "Write a", "echo a >> a.txt", verify=[t1_verify]),
             shell_task("T002", "Write b", "echo b >> b.txt", deps="T001"),
             shell_task("T003", "Fail", "exit 1"),
             shell_task("T004", "Write d", "echo d >> d.txt")]
    return make_plan([("Build", tasks + (extra or []))])


def _failed_run(repo: Path, orch: OrchRunner) -> str:
    return failed_run(repo, orch, _plan())


def test_dry_run_json_is_one_document_with_the_text_content(
    git_repo: Path, orch: OrchRunner
) -> None:
    run_id = _failed_run(git_repo, orch)
    (git_repo / "plan.md").write_text(_plan(
        t1_verify="grep -q a a.txt", extra=[shell_task("T005", "Write e", "echo e > e.txt")]))
    layout = Layout(git_repo)
    before = layout.events(run_id).read_bytes()

    text = orch("resume", "--dry-run", "--retry-failed", cwd=git_repo)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "plan.md changed since the run started:",
        "  changed, will run again: T001",
        "  depend on a changed task, will run again: T002",
        "  new, will run: T005",
        f"would run 5 task(s) of run {run_id}:",
        "  T001  Write a", "  T002  Write b", "  T003  Fail", "  T004  Write d",
        "  T005  Write e",
    ]

    result = orch("resume", "--dry-run", "--retry-failed", "--json", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert document["run"] == run_id and document["dry_run"] is True
    assert document["notes"] == text.stdout.splitlines()[:4]
    assert document["plan_changes"] == {"changed": ["T001"], "dependents": ["T002"],
                                        "added": ["T005"], "removed": [], "moved": []}
    assert [(t["id"], t["title"], t["status"], t["reason"]) for t in document["would_run"]] == [
        ("T001", "Write a", "done", "plan changed: edited"),
        ("T002", "Write b", "done", "plan changed: depends on an edited task"),
        ("T003", "Fail", "failed", "failed: --retry-failed"),
        ("T004", "Write d", "pending", "not run yet"),
        ("T005", "Write e", None, "new in the plan"),
    ]
    assert document["only_gates_and_checkpoints"] is False
    assert layout.events(run_id).read_bytes() == before  # a preview records nothing


def test_dry_run_json_names_skipped_tasks_and_refusals_stay_errors(
    git_repo: Path, orch: OrchRunner
) -> None:
    run_id = _failed_run(git_repo, orch)
    result = orch("resume", "--dry-run", "--json", "--skip", "T003", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["skipped"] == ["T003"] and document["plan_changes"] is None
    assert [t["id"] for t in document["would_run"]] == ["T004"]
    assert document["notes"] == []

    refused = orch("resume", "--dry-run", "--json", cwd=git_repo)  # T003 failed: exit 3
    assert refused.returncode == 3
    assert refused.stdout == ""
    assert refused.stderr.startswith("error: task T003 is failed")
    assert run_id
