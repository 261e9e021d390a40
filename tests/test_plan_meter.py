"""`orch plan` / `orch review` model calls under a cost cap (`--max-cost`, docs/planning.md)."""

from __future__ import annotations

from pathlib import Path

from conftest import OrchRunner
from fakes.anthropic_server import FakeAnthropic, text, tool
from test_plan_model import CYCLE, VALID, model_env

SONNET_CALL = (2000 * 3.0 + 4000 * 15.0) / 1_000_000  # one scripted reply below: $0.066


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "reports"\n')
    return root


def test_plan_refuses_a_call_the_cap_cannot_pay(
        orch: OrchRunner, anthropic_server: FakeAnthropic, tmp_path: Path) -> None:
    project = _project(tmp_path)
    anthropic_server.default = text(VALID)
    out = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", "--max-cost", "0.01",
               cwd=project, env=model_env(anthropic_server))
    assert out.returncode == 3, out.stdout + out.stderr
    assert out.stderr.startswith("error: the next model call could pass the cost cap $0.01")
    assert "hint: raise --max-cost" in out.stderr
    assert anthropic_server.requests == [] and not (project / "plan.md").exists()


def test_plan_repairs_stop_at_the_cap_and_the_cost_is_shown(
        orch: OrchRunner, anthropic_server: FakeAnthropic, tmp_path: Path) -> None:
    project = _project(tmp_path)
    anthropic_server.default = text(CYCLE, input_tokens=2000, output_tokens=4000)
    out = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", "--max-cost", "0.12",
               cwd=project, env=model_env(anthropic_server))
    assert out.returncode == 3, out.stdout + out.stderr
    assert len(anthropic_server.requests) == 1  # the repair round would pass the cap
    assert "spent $0.0660" in out.stderr
    draft = project / ".specify" / "orch" / "drafts" / "plan.draft.md"
    assert draft.read_text() == CYCLE  # the paid-for draft is kept, out of the tree git sees
    assert "the last draft is in .specify/orch/drafts/plan.draft.md" in out.stderr
    draft.unlink()
    (draft.parent / "plan.errors.txt").unlink()
    # The one call asked for no more output than $0.12 pays for at $15 a million.
    assert anthropic_server.requests[0]["max_tokens"] < 8000

    anthropic_server.default = text(VALID, input_tokens=2000, output_tokens=4000)
    ok = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", "--max-cost", "0.12",
              cwd=project, env=model_env(anthropic_server))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"drafted by claude-sonnet-4-6, ${SONNET_CALL:.4f})" in ok.stdout


def test_review_honours_the_cap(orch: OrchRunner, anthropic_server: FakeAnthropic,
                                tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "plan.md").write_text(VALID)
    anthropic_server.default = tool("submit_review", {"findings": [], "checklist": [
        {"key": "data-flow", "status": "met"}]}, input_tokens=2000, output_tokens=4000)
    refused = orch("review", "plan.md", "--max-cost", "0.01", cwd=project,
                   env=model_env(anthropic_server))
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert anthropic_server.requests == []
    ok = orch("review", "plan.md", "--max-cost", "1", cwd=project,
              env=model_env(anthropic_server))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"offline + claude-sonnet-4-6, ${SONNET_CALL:.4f})" in ok.stdout
