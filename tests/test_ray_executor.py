"""Lane attempts on a REAL local Ray cluster (docs/distributed.md): a head node and two worker
nodes on 127.0.0.1, inside a private network and PID namespace (see ``ray_cluster.py``), so
nothing but loopback is touched and every process dies with the namespace. One cluster serves
all scenarios (``ray_scenarios.py``); each test asserts on what one scenario observed.

Skips, saying why, where Ray is not installed or namespaces cannot be made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ray_cluster import namespace_problem, run_in_namespace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    problem = namespace_problem()
    if problem is not None:
        pytest.skip(problem)
    result = run_in_namespace("all", tmp_path_factory.mktemp("ray"), timeout=1500)
    assert "error" not in result, result["error"]  # the cluster itself did not start
    return result


def _all_done_once(result: dict[str, Any], count: int) -> None:
    assert "error" not in result, result.get("error")
    assert result["code"] == 0, result["stderr"]
    assert len(result["tasks"]) == count
    for task_id, task in result["tasks"].items():
        assert task["status"] == "done" and task["verified"] is True, (task_id, task)
        assert result["integrated"].get(task_id) == 1, (task_id, result["integrated"])
    assert len(result["worktrees"]) == 1, result["worktrees"]  # only the main tree


def test_eight_tasks_run_on_two_nodes_and_integrate_once(observed: dict[str, Any]) -> None:
    basic = observed["basic"]
    _all_done_once(basic, 8)
    assert all(text == f"{name[:-4]}\n" for name, text in basic["files"].items())
    nodes = {runs[-1] for runs in basic["ran_on"].values()}
    assert nodes == {"a", "b"}, basic["ran_on"]


def test_a_role_with_a_ray_resource_lands_only_on_that_node(observed: dict[str, Any]) -> None:
    resource = observed["resource"]
    _all_done_once(resource, 3)
    assert {runs[-1] for runs in resource["ran_on"].values()} == {"b"}, resource["ran_on"]


def test_a_remote_pass_that_fails_on_the_integrated_tree_is_sent_back(
        observed: dict[str, Any]) -> None:
    back = observed["sendback"]
    assert "error" not in back, back.get("error")
    assert back["code"] == 0, back["stderr"]
    assert back["integration_failed"] == ["T002"]
    assert back["attempts"]["T002"] == 2 and back["attempts"]["T001"] == 1
    assert back["shared"] == "one\ntwo\n"  # its second run was on the integrated tree
    assert back["tasks"]["T002"] == {"status": "done", "verified": True}


def test_kill_9_then_resume_integrates_nothing_twice(observed: dict[str, Any]) -> None:
    kill9 = observed["kill9"]
    _all_done_once(kill9, 6)
    # every task appends one line to its own file: a task integrated twice would show two
    assert all(text == "line\n" for text in kill9["files"].values()), kill9["files"]


@pytest.mark.xfail(strict=False, reason=(
    "known gap: after other scenarios on the same cluster, Ray 2.60 sometimes acknowledges the "
    "cancel of a running task without interrupting its worker (orch exits 130 within ~1.4 s "
    "and one of three agents sleeps on); run first on a fresh cluster it passes. The "
    "graceful cancel and the worker's watchdog (orch.reaper) cover a worker that is "
    "interrupted or killed, not one left running"))
def test_ctrl_c_stops_every_remote_attempt_and_resume_finishes(
        observed: dict[str, Any]) -> None:
    stopped = observed["ctrl_c"]
    assert "error" not in stopped, stopped.get("error")
    assert stopped["started"] == ["T001", "T002", "T003"]
    assert stopped["interrupted_code"] == 130, stopped["interrupted_stderr"]
    assert not any(stopped["groups_left"].values()), (
        stopped["groups_left"], stopped["exited_after_s"], stopped["interrupted_logs"])
    _all_done_once(stopped, 3)


def test_a_lost_node_is_a_lost_attempt_dispatched_again(observed: dict[str, Any]) -> None:
    loss = observed["node_loss"]
    _all_done_once(loss, 4)
    assert any("lost" in note for note in loss["notes"]), (loss["notes"], loss["ran_on"])
    # each file has exactly one line: a lost attempt's partial work never reaches the tree
    assert all(text.count("\n") == 1 for text in loss["files"].values()), loss["files"]
    # every task finished on the node that survived
    assert {runs[-1] for runs in loss["ran_on"].values()} == {"b"}, loss["ran_on"]


def test_the_cluster_unreachable_is_one_line_and_exit_2(git_repo: Path, orch: Any) -> None:
    problem = namespace_problem()
    if problem is not None:
        pytest.skip(problem)
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 [P] Say hi\n\n  ```bash\n  echo hi\n  ```\n")
    from conftest import commit_all

    commit_all(git_repo, "plan")
    out = orch("run", "plan.md", "--yes", "--jobs", "2", "--executor", "ray",
               "--ray-address", "127.0.0.1:9", cwd=git_repo, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: cannot reach the Ray cluster at 127.0.0.1:9"), lines
    assert any(line.startswith("hint:") for line in lines)
    assert not (git_repo / ".specify" / "orch" / "runs").exists() or not any(
        (git_repo / ".specify" / "orch" / "runs").iterdir())
