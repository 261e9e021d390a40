"""`orch review`: the planning checklist, offline rules and the model review (fake Messages API)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, OrchRunner
from fakes.anthropic_server import FakeAnthropic, text, tool
from test_plan_model import CYCLE, model_env

EXAMPLE = REPO_ROOT / "examples" / "planning" / "review"
CHECKLIST_OK = [{"key": key, "status": "met"} for key in (
    "service-interactions", "data-flow", "error-scenarios", "testing-strategy", "performance",
    "architecture-alignment", "reviewable-chunks")]


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "weak-plan.md", tmp_path / "weak.md")
    shutil.copy(EXAMPLE / "good-plan.md", tmp_path / "good.md")
    return tmp_path


def _review(orch: OrchRunner, cwd: Path, *args: str, env: dict[str, str] | None = None
            ) -> tuple[int, dict[str, object]]:
    result = orch("review", "--json", *args, cwd=cwd, env=env)
    return result.returncode, json.loads(result.stdout)


def _found(document: dict[str, object]) -> set[tuple[int, str, str]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {(f["line"], f["severity"], f["rule"]) for f in findings}


def test_a_weak_plan_gets_each_problem_on_its_line(orch: OrchRunner, plans: Path) -> None:
    code, document = _review(orch, plans, "--offline", "weak.md")
    assert code == 1 and document["ok"] is False
    found = _found(document)
    lines = (plans / "weak.md").read_text().splitlines()
    assert (3, "blocking", "testing-strategy") in found          # no tests phase
    assert (13, "blocking", "reviewable-chunks") in found        # the 40-task phase
    assert lines[12].startswith("## Phase 2")
    # T003: only its changed-file check (the run verifies it by that alone): a warning
    assert (15, "warning", "unchecked-task") in found
    assert (7, "blocking", "unstated-assumptions") in found      # the unstated migration
    assert "migrate" in lines[6]
    assert (9, "blocking", "check-cannot-fail") in found         # `|| true`
    unchecked = [line for line, severity, rule in found
                 if rule == "unchecked-task" and severity == "warning"]
    assert len(unchecked) == 40                                  # T003-T042, each on its line
    chunks = [f for f in document["findings"] if f["rule"] == "reviewable-chunks"]  # type: ignore
    assert any("40 tasks" in f["message"] for f in chunks)


def test_a_good_plan_has_no_blocking_finding(orch: OrchRunner, plans: Path) -> None:
    code, document = _review(orch, plans, "--offline", "good.md")
    assert code == 0 and document["ok"] is True
    assert [f for f in document["findings"] if f["severity"] == "blocking"] == []  # type: ignore
    statuses = {item["key"]: item["status"] for item in document["checklist"]}  # type: ignore
    assert statuses["testing-strategy"] == "met" and statuses["data-flow"] == "unknown"


@pytest.mark.parametrize("goal", ["Add CSV export to reports", "Fix the crash on empty titles",
                                  "Migrate sessions from Redis to Postgres"])
def test_offline_drafted_plans_pass_their_own_review(orch: OrchRunner, tmp_path: Path,
                                                     goal: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert orch("plan", "--offline", goal, "-o", "plan.md", cwd=tmp_path).returncode == 0
    code, document = _review(orch, tmp_path, "--offline", "plan.md")
    assert code == 0, document["findings"]


def test_the_offline_review_is_byte_identical_on_repeat(orch: OrchRunner, plans: Path) -> None:
    for args in (("review", "--offline", "weak.md"), ("review", "--offline", "--json", "weak.md")):
        first, second = (orch(*args, cwd=plans) for _ in range(2))
        assert first.returncode == second.returncode == 1
        assert first.stdout == second.stdout and first.stdout


def test_text_output_folds_repeated_findings(orch: OrchRunner, plans: Path) -> None:
    result = orch("review", "--offline", "weak.md", cwd=plans)
    assert result.returncode == 1
    assert "weak.md:15: warning: T003 is checked only by its file checks" in result.stdout
    assert "weak.md:21: warning: 37 more like the above (unchecked-task) at lines 21, 23" \
        in result.stdout
    assert result.stdout.rstrip().endswith("49 findings (5 blocking, 44 warning, 0 info): "
                                           "blocking findings")


def test_bad_input_exits_2(orch: OrchRunner, tmp_path: Path) -> None:
    missing = orch("review", "--offline", "nope.md", cwd=tmp_path)
    assert missing.returncode == 2 and "error: " in missing.stderr and "no such file" in \
        missing.stderr
    (tmp_path / "cycle.md").write_text(CYCLE)
    invalid = orch("review", "--offline", "cycle.md", cwd=tmp_path)
    assert invalid.returncode == 2 and "cycle" in invalid.stderr
    assert "hint: fix the plan first: orch validate cycle.md" in invalid.stderr
    assert "Traceback" not in missing.stderr + invalid.stderr


def test_without_a_model_it_says_so_and_reviews_offline(orch: OrchRunner, plans: Path) -> None:
    result = orch("review", "good.md", cwd=plans)
    assert result.returncode == 0
    assert "warning: no model available" in result.stderr and "(offline)" in result.stdout


def test_the_model_review_goes_through_a_forced_tool_and_joins_the_rules(
    orch: OrchRunner, anthropic_server: FakeAnthropic, plans: Path
) -> None:
    verdict = {"findings": [{"line": 30, "severity": "blocking", "rule": "data-flow",
                             "message": "where a saved search's results go is never said"}],
               "checklist": [*CHECKLIST_OK[:1], {"key": "data-flow", "status": "missing",
                                                 "note": "results flow unclear"}]}
    anthropic_server.add(tool("submit_review", verdict))
    code, document = _review(orch, plans, "good.md", env=model_env(anthropic_server))
    assert code == 1 and str(document["reviewer"]).startswith("offline + ")
    assert (30, "blocking", "model:data-flow") in _found(document)
    statuses = {item["key"]: item["status"] for item in document["checklist"]}  # type: ignore
    assert statuses["data-flow"] == "missing" and statuses["service-interactions"] == "met"
    request = anthropic_server.requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": "submit_review"}
    prompt = request["messages"][0]["content"]
    assert "  30  " in prompt and "Saved searches" in prompt


def test_a_strict_json_block_is_read_like_a_tool_call(
    orch: OrchRunner, anthropic_server: FakeAnthropic, plans: Path
) -> None:
    block = json.dumps({"findings": [], "checklist": CHECKLIST_OK})
    anthropic_server.add(text(f"```json\n{block}\n```"))
    code, document = _review(orch, plans, "good.md", env=model_env(anthropic_server))
    assert code == 0 and document["ok"] is True


@pytest.mark.parametrize(("reply", "words"), [
    (text("The plan looks solid to me."), "not one JSON document"),
    (text(""), "no tool call"),
    (tool("submit_review", {"findings": [{"line": "seven", "severity": "blocking",
                                           "message": "x"}], "checklist": []}), "findings.0.line"),
    (tool("submit_review", {"findings": []}), "checklist"),
    (tool("submit_review", {"findings": [], "checklist": []}), "checklist"),
])
def test_a_malformed_model_review_is_an_error_never_an_empty_review(
    orch: OrchRunner, anthropic_server: FakeAnthropic, plans: Path, reply: object, words: str
) -> None:
    anthropic_server.add(reply)  # type: ignore[arg-type]
    result = orch("review", "--json", "good.md", cwd=plans, env=model_env(anthropic_server))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: the model's review reply is unreadable: ")
    assert words in result.stderr and "hint: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_risk_without_a_mitigation_is_named_on_its_line(orch: OrchRunner, plans: Path) -> None:
    good = (plans / "good.md").read_text()
    weak_risk = good.replace("## Risks\n\n", "## Risks\n\n- The export may be slow.\n- Old "
                             "rows break the parser\n  \u2014 mitigation: a fixture of them.\n")
    (plans / "risky.md").write_text(weak_risk)
    code, document = _review(orch, plans, "--offline", "risky.md")
    line = weak_risk.splitlines().index("- The export may be slow.") + 1
    risks = [(f["line"], f["severity"]) for f in document["findings"]  # type: ignore[union-attr]
             if f["rule"] == "risks"]
    assert code == 0 and risks == [(line, "warning")]


def test_lines_are_the_parsers_even_with_unicode_line_separators(
    orch: OrchRunner, anthropic_server: FakeAnthropic, plans: Path
) -> None:
    """U+2028 and form feeds are not line breaks for the parser, so not for the review either:
    a risk's finding, and the numbers the model reads, name the line an editor shows."""
    good = (plans / "good.md").read_text()
    odd = good.replace("\n", " \u2028 \x0c\n", 3).replace(
        "## Risks\n\n", "## Risks\n\n- The export may be slow.\n")
    (plans / "odd.md").write_text(odd)
    line = odd.split("\n").index("- The export may be slow.") + 1
    code, document = _review(orch, plans, "--offline", "odd.md")
    assert code == 0
    assert [f["line"] for f in document["findings"] if f["rule"] == "risks"] == [line]  # type: ignore[union-attr,index]
    anthropic_server.add(tool("submit_review", {"findings": [], "checklist": CHECKLIST_OK}))
    code, _ = _review(orch, plans, "odd.md", env=model_env(anthropic_server))
    prompt = anthropic_server.requests[0]["messages"][0]["content"]
    assert code == 0 and f"{line:4d}  - The export may be slow." in prompt


def test_done_and_skipped_tasks_are_not_blocking_for_having_no_check(
    orch: OrchRunner, plans: Path
) -> None:
    """A plan half run (as `orch run` leaves it) passes review as `orch validate --strict` does:
    tasks marked done or skipped will not run again, so their missing check blocks nothing."""
    good = (plans / "good.md").read_text()
    first_phase = good.index("\n## Phase ")
    finished = (
        "\n## Phase 0: Earlier work\n\n- [X] T900 Scaffold the project\n  - files: README.md\n"
        "- [~] T901 An idea we dropped\n  - files: docs/idea.md\n- [ ] T902 Still to do\n"
    )
    (plans / "half.md").write_text(good[:first_phase] + finished + good[first_phase:])
    code, document = _review(orch, plans, "--offline", "half.md")
    unchecked = [f["message"].split()[0] for f in document["findings"]  # type: ignore[union-attr,index]
                 if f["rule"] == "unchecked-task"]
    assert unchecked == ["T902"] and code == 1
