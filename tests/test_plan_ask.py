"""`orch plan --ask`: clarifying questions before drafting, against the fake Messages API.

Asking needs answers: on a terminal they are typed; with `--ask` and stdin not a terminal (as
here), one answer is read per line and an empty line takes the default (docs/planning.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner
from fakes.anthropic_server import FakeAnthropic, text, tool
from test_plan_model import VALID, model_env

QUESTIONS = [
    {"question": "Which delimiter should the CSV use?", "why": "European users expect ';'",
     "default": "a comma"},
    {"question": "How large can a report get?", "why": "large ones must stream",
     "default": "under 10,000 rows"},
    {"question": "Who may export?", "why": "it decides the permission check",
     "default": "every signed-in user"},
    {"question": "A fourth question nobody should see?", "why": "at most three are asked",
     "default": "none"},
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "reports"\n')
    return root


def _user_text(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    return str(messages[0]["content"])


def test_ask_sends_the_answers_and_writes_them_as_assumptions(
    orch: OrchRunner, anthropic_server: FakeAnthropic, project: Path
) -> None:
    anthropic_server.add(tool("ask_questions", {"questions": QUESTIONS}), text(VALID))
    result = orch("plan", "Add CSV export to reports", "--ask", "-o", "plan.md", cwd=project,
                  env=model_env(anthropic_server), input="a semicolon\n\nadmins only\n")
    assert result.returncode == 0, result.stderr
    asking, drafting = anthropic_server.requests
    assert asking["tool_choice"] == {"type": "tool", "name": "ask_questions"}
    assert [t["name"] for t in asking["tools"]] == ["ask_questions"]
    assert "question 3/3: Who may export?" in result.stderr
    assert "fourth" not in result.stderr and result.stderr.count("question ") == 3
    prompt = _user_text(drafting)
    assert "A: a semicolon" in prompt and "A: admins only" in prompt
    assert "A: under 10,000 rows (the default; not answered)" in prompt
    assert "fourth" not in prompt
    plan = (project / "plan.md").read_text()
    assumptions = plan.split("## Assumptions", 1)[1].split("\n## ", 1)[0]
    assert "- Reports already render as tables." in assumptions
    assert "- Which delimiter should the CSV use? \u2014 a semicolon" in assumptions
    assert "- How large can a report get? \u2014 under 10,000 rows (default answer)" in assumptions
    assert "- Who may export? \u2014 admins only" in assumptions
    assert orch("validate", "--strict", "plan.md", cwd=project).returncode == 0


def test_without_a_terminal_the_defaults_are_taken_and_the_run_says_so(
    orch: OrchRunner, anthropic_server: FakeAnthropic, project: Path
) -> None:
    anthropic_server.add(tool("ask_questions", {"questions": QUESTIONS[:2]}), text(VALID))
    result = orch("plan", "Add CSV export to reports", "-o", "plan.md", cwd=project,
                  env=model_env(anthropic_server), input="ignored answer\n")
    assert result.returncode == 0, result.stderr
    assert "warning: no terminal: took the default answer to 2 clarifying question(s)" \
        in result.stderr
    assert "question 1/2" not in result.stderr
    plan = (project / "plan.md").read_text()
    assert "- Which delimiter should the CSV use? \u2014 a comma (default answer)" in plan
    assert "ignored answer" not in plan and "ignored answer" not in json.dumps(
        anthropic_server.requests)


def test_yes_takes_the_defaults_and_no_ask_asks_nothing(
    orch: OrchRunner, anthropic_server: FakeAnthropic, project: Path
) -> None:
    anthropic_server.add(tool("ask_questions", {"questions": QUESTIONS[:1]}), text(VALID))
    result = orch("plan", "Add CSV export", "--ask", "--yes", "-o", "a.md", cwd=project,
                  env=model_env(anthropic_server), input="typed\n")
    assert result.returncode == 0, result.stderr
    assert "--yes: took the default answer to 1 clarifying question(s)" in result.stderr
    assert "\u2014 a comma (default answer)" in (project / "a.md").read_text()
    anthropic_server.add(text(VALID))
    quiet = orch("plan", "Add CSV export", "--no-ask", "-o", "b.md", cwd=project,
                 env=model_env(anthropic_server))
    assert quiet.returncode == 0, quiet.stderr
    assert len(anthropic_server.requests) == 3 and "tools" not in anthropic_server.requests[2]
    assert (project / "b.md").read_text() == VALID


@pytest.mark.parametrize("reply", [
    text("Which delimiter? And how large?"),
    tool("ask_questions", {"questions": [{"question": "Delimiter?"}]}),
])
def test_an_unreadable_questions_reply_is_an_error(
    orch: OrchRunner, anthropic_server: FakeAnthropic, project: Path, reply: object
) -> None:
    anthropic_server.add(reply)  # type: ignore[arg-type]
    result = orch("plan", "Add CSV export", "--ask", "-o", "plan.md", cwd=project,
                  env=model_env(anthropic_server), input="\n")
    assert result.returncode == 1
    assert result.stderr.startswith("error: the model's questions reply is unreadable: ")
    assert "Traceback" not in result.stderr and not (project / "plan.md").exists()


def test_offline_questions_come_from_the_pattern_and_repeat_byte_for_byte(
    orch: OrchRunner, project: Path
) -> None:
    runs = [orch("plan", "--offline", "--ask", "Migrate sessions from Redis to Postgres", "-o",
                 f"plan{n}.md", cwd=project, input="about 2 GB\n\n") for n in (1, 2)]
    for result in runs:
        assert result.returncode == 0, result.stderr
    assert runs[0].stderr == runs[1].stderr
    assert "question 1/3: How much data moves" in runs[0].stderr
    assert "question 2/3: How is the migration rolled back" in runs[0].stderr
    first, second = ((project / f"plan{n}.md").read_bytes() for n in (1, 2))
    assert first == second
    assert "How much data moves, and how long may the switch take? \u2014 about 2 GB" in \
        first.decode()
    assert "(default answer)" in first.decode()


def test_ctrl_c_at_a_question_says_nothing_was_written_not_resume(project: Path) -> None:
    """Ctrl-C while orch waits for an answer: exit 130, no plan, and no hint about a run to
    resume (there is none)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orch", "plan", "Add CSV export", "--ask", "--offline",
         "-o", "plan.md"],
        cwd=project, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
    )
    assert process.stderr is not None and process.stdin is not None
    seen = b""
    while not seen.endswith(b"answer (Enter for the default): "):
        byte = process.stderr.read(1)
        assert byte, seen
        seen += byte
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    stderr = rest.decode()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-2:] == ["error: interrupted", "hint: no plan was written"]
    assert not (project / "plan.md").exists()
