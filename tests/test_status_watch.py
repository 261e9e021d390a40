"""`orch status --watch`: follows a run going on in another process, read-only and lock-free."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import commit_all, shell_task, start_orch

WAIT = "for i in $(seq 1200); do test -f go && break; sleep 0.1; done\ntest -f go"


def test_watch_follows_a_live_run_until_it_ends(git_repo: Path) -> None:
    plan = "# W\n\n## Phase 1: One\n\n" + shell_task("T001", "Wait for go", WAIT) + "\n"
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("go\n")
    commit_all(git_repo)
    run = start_orch("run", "plan.md", "--yes", cwd=git_repo)
    try:
        runs = git_repo / ".specify" / "orch" / "runs"
        for _ in range(600):  # until the run has journaled its first event (run.json comes first)
            if list(runs.glob("*/events.jsonl")):
                break
            time.sleep(0.1)
        journal_before = next(runs.glob("*/events.jsonl")).read_bytes()
        watch = start_orch("status", "--watch", "--json", "--interval", "0.1", cwd=git_repo,
                           output=True)
        assert watch.stdout is not None
        states = []
        for line in watch.stdout:
            doc = json.loads(line)
            states.append(doc["state"])
            tasks = {t["id"]: t["status"] for t in doc["tasks"]}
            if tasks.get("T001") == "running":
                (git_repo / "go").write_text("")
        assert watch.wait(timeout=120) == 0, watch.stderr.read() if watch.stderr else ""
        assert states[0] == "running" and states[-1] == "completed"
        assert run.wait(timeout=120) == 0
        journal_after = next(runs.glob("*/events.jsonl")).read_bytes()
        assert journal_after.startswith(journal_before)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
