"""The one meter (orch/meter.py): reservations, settlement and the journal's share."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan
from fakes.anthropic_server import FakeAnthropic, text
from orch.config import Price
from orch.meter import Meter, reserve_call

PRICE = Price(input=1.0, output=5.0)


def test_open_reservations_and_unjournalled_spending_count_against_the_cap() -> None:
    journal = {"total": 0.0}
    meter = Meter(1.0, lambda: journal["total"])
    first = meter.reserve("T001", 0.1, 0.6)
    assert first == 0.6 and meter.free() == 0.4
    assert meter.reserve("T002", 0.5, 0.9) is None  # 0.4 left cannot pay its 0.5 minimum
    second = meter.reserve("T002", 0.1, 0.9)
    assert second == 0.4 and meter.free() == 0.0
    meter.settle("T001", 0.6, 0.25)  # the call cost less than reserved: the rest is free again
    assert meter.free() == 0.35 and meter.spent() == 0.25
    journal["total"] = 0.25  # the controller journalled T001's attempt ...
    meter.journalled("T001")  # ... so the meter stops counting it itself
    assert meter.spent() == 0.25 and meter.free() == 0.35


def test_without_a_cap_everything_is_granted_and_still_counted() -> None:
    meter = Meter(None)
    assert meter.reserve("plan", 1.0, 5.0) == 5.0 and meter.free() is None
    meter.settle("plan", 5.0, 0.3)
    assert meter.spent() == 0.3


def test_a_call_reservation_lowers_max_tokens_to_what_it_pays_for() -> None:
    meter = Meter(0.01)
    held = reserve_call(meter, "review-1", PRICE, 1000, 1024, 4096)
    assert held is not None
    # $0.01 minus 1000 input tokens at the cache-write rate ($1.25/M) pays for 1750 at $5/M.
    assert held.amount == 0.01 and held.max_tokens == 1750
    assert reserve_call(meter, "review-2", PRICE, 1000, 1024, 4096) is None
    assert reserve_call(meter, "review-2", None, 1000, 1024, 4096) is not None  # unpriced


def test_lanes_reserving_at_once_never_pass_the_cap_together() -> None:
    meter = Meter(1.0)
    granted: list[float] = []
    lock = threading.Lock()

    def lane(name: str) -> None:
        for _ in range(200):
            got = meter.reserve(name, 0.001, 0.05)
            if got is None:
                return
            with lock:
                granted.append(got)
            meter.settle(name, got, got)  # each call costs all it reserved

    threads = [threading.Thread(target=lane, args=(f"T{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert round(sum(granted), 9) <= 1.0 and round(meter.spent(), 9) == round(sum(granted), 9)


# -- task agents on every adapter share the run's one meter ---------------------------------

FAKES = Path(__file__).parent / "fakes"


def fake_claude_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with the fake ``claude`` CLI (tests/fakes/fake_cli.py) first on PATH;
    ``FAKE_CLI_RECORD`` names where it records its argv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "claude").write_text(f"#!{sys.executable}\nimport sys\n"
                                    f"sys.path.insert(0, {str(FAKES)!r})\n"
                                    "import fake_cli\nsys.exit(fake_cli.main())\n")
    (bin_dir / "claude").chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_CLI_RECORD": str(tmp_path / "record.json"), **extra}


def test_a_cli_lane_holds_its_share_so_an_api_lane_cannot_spend_it(
        git_repo: Path, tmp_path: Path, orch: OrchRunner,
        anthropic_server: FakeAnthropic) -> None:
    # claude-code reports $0.0421 when it exits; one anthropic reply costs $0.0195. Under a
    # $0.05 cap both cannot run: whichever lane reserves first holds what the other needs.
    anthropic_server.default = text("nothing to change", input_tokens=1000, output_tokens=1100)
    (git_repo / "plan.md").write_text(make_plan([("work", [
        "- [ ] T001 [P] Write made_by_claude.txt\n  - agent: claude-code\n"
        "  - files: made_by_claude.txt\n  - verify: `test -f made_by_claude.txt`",
        "- [ ] T002 [P] Look around\n  - agent: anthropic\n  - verify: `true`",
    ])]))
    commit_all(git_repo)
    env = {**fake_claude_env(tmp_path), "ANTHROPIC_API_KEY": "sk-ant-api03-test-0123456789",
           "ANTHROPIC_BASE_URL": anthropic_server.url, "ORCH_RETRY_BASE_DELAY": "0.01"}
    out = orch("run", "plan.md", "--jobs", "2", "--max-cost", "0.05", "--yes", cwd=git_repo,
               env=env)
    assert out.returncode == 3, out.stdout + out.stderr
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert 0 < status["cost_usd"] <= 0.05
    assert {t["status"] for t in status["tasks"]} & {"budget_exceeded"}
