"""`orch report` after `--jobs 3`: each attempt on its real worker lane, `main` for a task run
in the main working tree, in the JSON and on the HTML timeline."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task
from orch.store.layout import Layout
from orch.store.runs import current_run_id


def test_report_shows_the_lane_of_each_attempt(git_repo: Path, orch: OrchRunner,
                                               tmp_path: Path) -> None:
    parallel = [shell_task(f"T00{n}", f"[P] Write f{n}", f"sleep 1\necho {n} > f{n}.txt",
                           verify=[f"test -f f{n}.txt"]) for n in (1, 2, 3)]
    alone = shell_task("T004", "Write g", "echo g > g.txt", verify=["test -f g.txt"])
    (git_repo / "plan.md").write_text(make_plan([("Work", [*parallel, alone])]))
    commit_all(git_repo)
    run = orch("run", "plan.md", "--jobs", "3", "--yes", cwd=git_repo)
    assert run.returncode == 0, run.stdout + run.stderr

    layout = Layout(git_repo)
    run_id = current_run_id(layout)
    assert run_id is not None
    journal = [json.loads(line) for line in layout.events(run_id).read_text().splitlines()]
    made = {e["task"]: str(e["data"]["lane"]) for e in journal
            if e["type"] == "worktree_created"}
    assert sorted(made) == ["T001", "T002", "T003"]

    report = orch("report", "--json", cwd=git_repo)
    assert report.returncode == 0, report.stderr
    attempts = json.loads(report.stdout)["runs"][0]["attempts"]
    lanes = {a["task"]: a["lane"] for a in attempts}
    assert lanes == {**made, "T004": "main"}
    assert set(made.values()) <= {"1", "2", "3"}

    html = tmp_path / "report.html"
    assert orch("report", "--html", str(html), cwd=git_repo).returncode == 0
    page = html.read_text()
    for task, lane in made.items():
        assert f"lane {lane} · {task}</text>" in page
    assert "main · T004</text>" in page
