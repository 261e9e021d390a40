"""Clarifying questions before drafting: at most three, each with why it matters and a default.

With a model, the model asks them (through the ``ask_questions`` tool, from the same bounded
repository context the drafting gets); offline, they come from the pattern's own checklist,
so they are the same every time. Answers — typed, or the defaults — go into the drafting prompt
and into the plan's ``## Assumptions``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orch.planning.drafter import ToolClient
from orch.planning.structured import read_reply

MAX_QUESTIONS = 3


class Question(BaseModel):
    """One clarifying question."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    question: str = Field(min_length=1)
    why: str = ""
    default: str = Field(min_length=1)


class Answer(BaseModel):
    """A question and the answer taken: typed by the user, or its default."""

    question: Question
    answer: str
    defaulted: bool

    def assumption(self) -> str:
        """The ``## Assumptions`` bullet text for this answer."""
        how = " (default answer)" if self.defaulted else ""
        question, answer = (" ".join(text.split()) for text in (self.question.question,
                                                                 self.answer))
        return f"{question} \u2014 {answer}{how}"


class _Questions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    questions: list[Question]


QUESTIONS_TOOL: dict[str, Any] = {
    "name": "ask_questions",
    "description": "Ask the user at most three high-impact clarifying questions before planning.",
    "input_schema": {
        "type": "object",
        "required": ["questions"],
        "properties": {"questions": {"type": "array", "maxItems": MAX_QUESTIONS, "items": {
            "type": "object", "required": ["question", "why", "default"],
            "properties": {
                "question": {"type": "string"},
                "why": {"type": "string", "description": "why the answer changes the plan"},
                "default": {"type": "string", "description": "the answer assumed if none"},
            }}}},
    },
}

QUESTIONS_SYSTEM = """\
You are a senior engineer about to write an implementation plan. Before planning, clarify the \
vision: ask at most three questions with the highest impact on the plan (scope, success \
criteria, scale, constraints), each with why it matters and the default you would assume. Ask \
nothing the repository context already answers. Answer only by calling the ask_questions tool."""

_COMMON = Question(question="What is explicitly out of scope?",
                   why="scope decides which phases exist at all",
                   default="only what the goal names; nothing else changes")
PATTERN_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "feature": (
        _COMMON,
        Question(question="Who calls the new API, and which existing endpoints must stay "
                          "compatible?", why="it fixes the contract phase",
                 default="internal callers only; existing endpoints unchanged"),
        Question(question="What load must it handle?", why="it decides whether a performance "
                 "task is needed", default="today's traffic; no new performance target"),
    ),
    "bugfix": (
        Question(question="How is the bug reproduced?", why="the first phase is a failing test "
                 "that reproduces it", default="from the goal's description"),
        Question(question="Which versions are affected, and does the fix need a backport?",
                 why="a backport adds a phase", default="the current version only; no backport"),
        _COMMON,
    ),
    "refactor": (
        Question(question="Which public names must stay importable for outside callers?",
                 why="it decides the compatibility re-exports",
                 default="every public name keeps working from its old location"),
        Question(question="May behaviour change anywhere?", why="characterisation tests pin it",
                 default="no: behaviour stays exactly the same"),
        _COMMON,
    ),
    "migration": (
        Question(question="How much data moves, and how long may the switch take?",
                 why="volume and downtime shape the migrate and switch phases",
                 default="small enough to migrate in one run; a short maintenance window"),
        Question(question="How is the migration rolled back, and who decides to?",
                 why="the way back must exist before anything moves",
                 default="restore from the backup or run the down step; the operator decides"),
        _COMMON,
    ),
    "performance": (
        Question(question="What target (latency, throughput, memory) counts as done?",
                 why="each bottleneck phase is measured against it",
                 default="a measurable improvement over the recorded baseline"),
        Question(question="On which workload is it measured?", why="the benchmark reproduces it",
                 default="a representative local workload in the benchmark script"),
        _COMMON,
    ),
}
"""The offline questions, from each pattern's own checklist (at most three each)."""


def offline_questions(pattern: str) -> list[Question]:
    """The pattern's own questions, always the same."""
    return list(PATTERN_QUESTIONS.get(pattern, PATTERN_QUESTIONS["feature"]))[:MAX_QUESTIONS]


def model_questions(goal: str, context: str, client: ToolClient) -> list[Question]:
    """At most three questions from the model; an unreadable reply raises (exit 1)."""
    prompt = f"# Goal\n\n{goal.strip()}\n\n# Repository context\n\n{context.strip()}"
    reply = client.use_tool(QUESTIONS_SYSTEM, [{"role": "user", "content": prompt}],
                            QUESTIONS_TOOL)
    asked = read_reply(_Questions, reply.arguments, reply.text, what="questions")
    return asked.questions[:MAX_QUESTIONS]


def answers_prompt(answers: list[Answer]) -> str:
    """The drafting prompt's section holding the answers."""
    lines = ["# Answers to the clarifying questions",
             "", "Write each of these into the plan's `## Assumptions` section.", ""]
    lines += [f"- Q: {a.question.question}\n  A: {a.answer}"
              + (" (the default; not answered)" if a.defaulted else "") for a in answers]
    return "\n".join(lines)


def add_assumptions(text: str, answers: list[Answer]) -> str:
    """``text`` with each answer as a bullet of its ``## Assumptions`` section (made when
    missing, before the first other ``##`` section); answers already there are not repeated."""
    bullets = [f"- {answer.assumption()}" for answer in answers
               if answer.assumption() not in text]
    if not bullets:
        return text
    lines = text.splitlines()
    heading = next((at for at, line in enumerate(lines)
                    if re.fullmatch(r"##\s+Assumptions\s*", line, re.IGNORECASE)), None)
    if heading is None:
        first = next((at for at, line in enumerate(lines) if line.startswith("## ")),
                     len(lines))
        lines[first:first] = ["## Assumptions", "", *bullets, ""]
    else:
        end = next((at for at in range(heading + 1, len(lines)) if lines[at].startswith("#")),
                   len(lines))
        while end > heading + 1 and not lines[end - 1].strip():
            end -= 1
        kept = [line for line in lines[heading + 1:end] if line.strip() not in ("- None.", "")]
        lines[heading + 1:end] = ["", *kept, *bullets]
    return "\n".join(lines).rstrip() + "\n"
