"""The deterministic offline planner: pick a pattern from the goal, fill it from the tooling.

Same goal, same project -> the same plan, byte for byte: nothing here reads a clock, a random
source or an unsorted directory listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from orch.domain.plan import Plan
from orch.planning.builder import PlanBuilder
from orch.planning.patterns import PATTERNS, Goal
from orch.planning.questions import Answer, offline_questions
from orch.planning.tooling import Tooling

PATTERN_WORDS: dict[str, tuple[str, ...]] = {
    "bugfix": ("fix", "bug", "crash", "crashes", "broken", "regression", "fails", "failing",
               "failure", "wrong", "incorrect", "defect", "hang", "hangs"),
    "performance": ("performance", "faster", "speed", "slow", "slowness", "latency",
                    "throughput", "optimise", "optimize", "optimisation", "optimization",
                    "benchmark", "memory", "cpu", "perf", "bottleneck", "speed"),
    "migration": ("migrate", "migrating", "migration", "upgrade", "porting", "convert",
                  "switch", "transition", "replatform"),
    "refactor": ("refactor", "refactoring", "restructure", "reorganise", "reorganize",
                 "cleanup", "clean", "extract", "split", "decouple", "simplify", "modularise",
                 "modularize", "tidy", "rename", "untangle"),
}
TIE_ORDER = ("bugfix", "performance", "migration", "refactor", "feature")
"""Which pattern wins a tie in keyword hits: the more specific intent first."""

_STOP_TEXT = (
    "a an the and or of for to in on at by with from into onto as is are be it its this that "
    "we our my so when while which make makes making add adds adding implement implementing "
    "build create support new feature fix fixes fixing bug refactor refactoring migrate "
    "migrating migration improve improving speed up faster optimise optimize performance "
    "please should must can via using use crash crashes broken wrong error errors fails "
    "failing when where after before whenever up"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+[\w.-]+|[\w-]+\.(?:py|js|ts|tsx|jsx|rs|go|rb|"
                   r"java|kt|c|h|cpp|cs|php|sql|sh|toml|json|yaml|yml|md))(?![\w/])")


def choose_pattern(goal: str) -> str:
    """The pattern name for ``goal``: the one with most keyword hits (a keyword as the goal's
    first word, its verb, counts three times), ``feature`` when nothing matches."""
    words = re.findall(r"[a-z]+", goal.lower())
    scores = {name: sum(word in keywords for word in words)
              + (2 if words and words[0] in keywords else 0)
              for name, keywords in PATTERN_WORDS.items()}
    scores["feature"] = 0
    best = max(scores.values())
    if best == 0:
        return "feature"
    return next(name for name in TIE_ORDER if scores[name] == best)


def parse_goal(text: str) -> Goal:
    """Derive the subject, file-name stem, slug and named paths from the goal text."""
    cleaned = " ".join(text.split())
    paths = tuple(dict.fromkeys(match.group(1).rstrip(".") for match in _PATH.finditer(cleaned)))
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", _PATH.sub(" ", cleaned))
    content = [word for word in words if word.lower() not in STOP_WORDS]
    picked = content[:3] or words[:3] or ["change"]
    subject = " ".join(picked)
    stem = "_".join(word.lower() for word in picked)
    if paths:
        subject = " and ".join(paths[:3])
        stem = re.sub(r"[^0-9a-z]+", "_", paths[0].rsplit("/", 1)[-1].split(".")[0].lower())
    slug = slugify(cleaned)
    phrase = re.sub(r"^(please\s+)?(fix|add|implement|build|create|refactor|migrate|speed up|"
                    r"optimi[sz]e|improve)\s+(the\s+)?", "", cleaned, flags=re.IGNORECASE)
    phrase = re.sub(r"[()\[\]]", "", phrase).rstrip(".")
    return Goal(text=cleaned, subject=subject, stem=stem, slug=slug, paths=paths, phrase=phrase)


def slugify(text: str, max_words: int = 6) -> str:
    """``Add a user-profile API!`` -> ``add-a-user-profile-api``; ``plan`` when nothing is left."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "plan"


def draft_offline(
    goal_text: str,
    tooling: Tooling,
    *,
    roles: Iterable[str] = (),
    default_agent: str | None = None,
    pattern: str | None = None,
    answers: Sequence[Answer] | None = None,
) -> Plan:
    """A complete plan for ``goal_text``; ``pattern`` overrides :func:`choose_pattern`.

    ``answers`` to the pattern's questions become assumptions; without them the questions'
    defaults do (each marked as the default answer)."""
    name = pattern or choose_pattern(goal_text)
    description, build = PATTERNS[name]
    goal = parse_goal(goal_text)
    title = goal.text.rstrip(".") or "Plan"
    builder = PlanBuilder(title=title[:1].upper() + title[1:])
    prose = f"\\{goal.text}" if goal.text[:1] in "#>*+-=|" else goal.text
    builder.goal = (
        f"{prose}\n\nPattern: {description}. Drafted offline by `orch plan` from the "
        f"project's tooling ({', '.join(tooling.languages)}; tests: `{tooling.test_command}`)."
    )
    builder.assumptions.extend(tooling.notes)
    builder.assumptions.append(f"The whole test suite runs with `{tooling.test_command}` and "
                               "passes before this plan starts.")
    build(builder, tooling, goal)
    taken = list(answers) if answers is not None else [
        Answer(question=q, answer=q.default, defaulted=True) for q in offline_questions(name)]
    builder.assumptions.extend(answer.assumption() for answer in taken)
    builder.risks.append("An offline plan is a template filled from the goal's words \u2014 "
                         "mitigation: read every task and adjust names and files before "
                         "running it (`orch review` lists what to look at).")
    return builder.build(roles=roles, default_agent=default_agent)

