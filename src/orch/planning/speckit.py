"""``orch plan --from spec.md``: a spec-kit feature spec -> a plan, one phase per user story.

The plan follows spec-kit's own task layout: a Setup phase, a Foundational phase (the key
entities every story needs), then one phase per user story in priority order (P1 first; ties keep
the spec's order), then a Polish phase. Each story phase writes the story's acceptance tests first
and then implements the story against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from orch.domain.plan import Plan
from orch.planning.builder import PlanBuilder
from orch.planning.offline import parse_goal, slugify
from orch.planning.tooling import Tooling

_STORY = re.compile(
    r"^#{2,4}\s*User Story\s+(\d+)\s*[-\u2013\u2014:]\s*(.+?)\s*"
    r"\(\s*Priority:\s*P(\d+)\s*\)", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TITLE = re.compile(r"^#\s+(?:Feature Specification:\s*)?(.+?)\s*$", re.IGNORECASE)
_ENTITY = re.compile(r"^\s*[-*]\s+\*\*(.+?)\*\*\s*:?\s*(.*)$")
_REQUIREMENT = re.compile(r"^\s*[-*]\s+\*\*((?:FR|NFR)-\d+\w*)\*\*\s*:?\s*(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_CLARIFY = re.compile(r"\[NEEDS CLARIFICATION:\s*([^\]]+)\]", re.IGNORECASE)


@dataclass
class UserStory:
    """One ``### User Story N - Title (Priority: Pn)`` section."""

    number: int
    title: str
    priority: int
    line: int
    scenarios: list[str] = field(default_factory=list)
    independent_test: str = ""


@dataclass
class Spec:
    """What the planner uses from a spec-kit ``spec.md``."""

    title: str
    stories: list[UserStory] = field(default_factory=list)
    entities: list[tuple[str, str]] = field(default_factory=list)
    requirements: list[tuple[str, str]] = field(default_factory=list)
    edge_cases: list[str] = field(default_factory=list)
    clarifications: list[str] = field(default_factory=list)

    def by_priority(self) -> list[UserStory]:
        """Stories ordered P1 first; equal priorities keep the spec's order."""
        return sorted(self.stories, key=lambda story: (story.priority, story.line))


def parse_spec(text: str) -> Spec:
    """Read a spec-kit ``spec.md``; code blocks and HTML comments are ignored."""
    spec = Spec(title="")
    story: UserStory | None = None
    section = ""
    block = ""
    for number, line in enumerate(_prose_lines(text), 1):
        if line is None:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, name = len(heading.group(1)), _plain(heading.group(2))
            found = _STORY.match(line)
            if level == 1 and not spec.title:
                title = _TITLE.match(line)
                spec.title = title.group(1) if title else name
            if found:
                story = UserStory(int(found.group(1)), _plain(found.group(2)),
                                  int(found.group(3)), number)
                spec.stories.append(story)
                section = "story"
            elif level <= 3:
                story = None
                section = _section_of(name)
            block = ""
            continue
        spec.clarifications += [_plain(item) for item in _CLARIFY.findall(line)]
        if re.match(r"^\s*\*\*Acceptance Scenarios\*\*", line):
            block = "scenarios"
            continue
        independent = re.match(r"^\s*\*\*Independent Test\*\*\s*:?\s*(.*)$", line)
        if independent and story is not None:
            story.independent_test = _plain(independent.group(1))
            block = ""
            continue
        _collect(spec, story, section, block, line)
    return spec


def plan_from_spec(
    spec: Spec,
    tooling: Tooling,
    *,
    spec_path: str,
    roles: Iterable[str] = (),
    default_agent: str | None = None,
) -> Plan:
    """The plan for ``spec``: Setup, Foundational, one phase per story by priority, Polish."""
    t = tooling
    title = spec.title or "Feature"
    slug = slugify(title, max_words=4)
    stem = slug.replace("-", "_")
    b = PlanBuilder(title=f"Tasks: {title}")
    b.goal = (f"Implement the feature specified in `{spec_path}`: {len(spec.stories)} user "
              "stories, delivered one phase per story in priority order, each independently "
              "testable.")
    b.assumptions += list(t.notes)
    b.assumptions.append(f"Tests run with `{t.test_command}`; the suite passes before the plan.")
    b.questions += [f"Needs clarification: {item}" for item in dict.fromkeys(spec.clarifications)]
    b.risks.append("Stories are planned from the spec alone, so file names are guesses \u2014 "
                   "mitigation: correct each task's `files:` from plan.md before running it.")
    if not spec.stories:
        b.risks.append("The spec has no `### User Story N - Title (Priority: Pn)` sections, so "
                       "the plan has no story phases \u2014 mitigation: add the stories to the "
                       "spec and plan again.")

    b.phase("Setup (Shared Infrastructure)", "**Purpose**: project structure and dependencies.",
            [t.test()])
    smoke = t.test_file(f"{stem}_setup")
    b.task(f"Create the project structure and dependencies for {title}, with a smoke test",
           files=[smoke], verify=[t.test(smoke)], estimate="30m")

    b.phase("Foundational (Blocking Prerequisites)",
            "**Purpose**: what every user story needs; no story starts before it is done.",
            [t.test()])
    entities = spec.entities or [(title, "the feature's core data")]
    for name, description in entities[:6]:
        entity = slugify(name, max_words=3).replace("-", "_")
        model, test = t.source_file(f"{entity}_model"), t.test_file(f"{entity}_model")
        b.task(f"Model the {name} entity with unit tests: {_first_clause(description)}",
               files=[model, test], verify=[t.test(test)], kind="data",
               parallel=len(entities) > 1, estimate="30m")

    for story in spec.by_priority():
        tag = f"US{story.number}"
        b.phase(f"User Story {story.number} - {story.title} (Priority: P{story.priority})",
                f"**Goal**: {story.title}."
                + (f"\n\n**Independent Test**: {story.independent_test}"
                   if story.independent_test else ""),
                [t.test()])
        name = parse_goal(story.title).stem
        test = t.test_file(f"us{story.number}_{name}")
        code = t.source_file(f"us{story.number}_{name}")
        tests_id = b.task(f"Write acceptance tests for User Story {story.number} from its "
                          "scenarios", files=[test], verify=[t.collect(test)], kind="test",
                          story=tag, acceptance=story.scenarios, estimate="30m")
        b.task(f"Implement User Story {story.number}: {story.title}", files=[code],
               verify=[t.test(test)], story=tag, depends=[tests_id], estimate="1h")

    b.phase("Polish & Cross-Cutting Concerns", "**Purpose**: edge cases, docs, final check.",
            [t.test()])
    edges = t.test_file(f"{stem}_edge_cases")
    b.task("Cover the spec's edge cases with tests", files=[edges], verify=[t.test(edges)],
           kind="test", parallel=True, acceptance=spec.edge_cases, estimate="45m")
    doc = f"docs/{slug}.md"
    b.task(f"Document {title} for users", files=[doc], verify=[f"test -s {doc}"], kind="docs",
           parallel=True, estimate="20m")
    return b.build(roles=roles, default_agent=default_agent)


def _collect(spec: Spec, story: UserStory | None, section: str, block: str, line: str) -> None:
    if story is not None and block == "scenarios":
        item = _NUMBERED.match(line) or _BULLET.match(line)
        if item:
            story.scenarios.append(_plain(item.group(1)))
        return
    requirement = _REQUIREMENT.match(line)
    if requirement:
        spec.requirements.append((requirement.group(1), _plain(requirement.group(2))))
        return
    if section == "entities":
        entity = _ENTITY.match(line)
        if entity:
            spec.entities.append((_plain(entity.group(1)), _plain(entity.group(2))))
    elif section == "edge":
        bullet = _BULLET.match(line)
        if bullet:
            spec.edge_cases.append(_plain(bullet.group(1)))


def _section_of(heading: str) -> str:
    lowered = heading.lower()
    if "key entities" in lowered:
        return "entities"
    if "edge case" in lowered:
        return "edge"
    return ""


def _prose_lines(text: str) -> list[str | None]:
    """The lines of ``text``, with fenced code and HTML comments replaced by ``None``."""
    text = re.sub(r"<!--.*?-->", lambda match: "\n" * match.group(0).count("\n"), text,
                  flags=re.DOTALL)
    result: list[str | None] = []
    fence: str | None = None
    for line in text.splitlines():
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)[0] * len(marker.group(1))
            result.append(None)
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            result.append(None)
        else:
            result.append(line)
    return result


def _plain(text: str) -> str:
    """Prose without bold markers or emoji; a ``(depends on`` / ``(after`` phrase is defused
    so that it cannot read as a task dependency once the text is part of a task line."""
    cleaned = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    cleaned = re.sub(r"\((\s*(?:depends|after)\b)", r"- \1", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", "", cleaned)
    return " ".join(cleaned.split())


def _first_clause(text: str) -> str:
    clause = re.split(r"[.;]", text, maxsplit=1)[0].strip()
    return (clause[:80].rstrip() + "\u2026") if len(clause) > 80 else (clause or "core data")
