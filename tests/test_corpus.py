"""Conformance over ../shared/corpus: real spec-kit tasks.md files and other orchestrators' plans.

Expected figures were counted by hand from each file under docs/plan-format.md (ID'd
checkbox items inside phase sections, outside fences/comments/tables; a phase heading with no
tasks and no gate is not kept). Several files carry their own "Total Tasks" line; where it
disagrees, the file's summary is stale and the count is of what is actually there.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner

# file prefix: (tasks, done, phases, note); no file of the corpus marks a task skipped
SPECKIT: dict[str, tuple[int, int, int, str]] = {
    "01": (112, 112, 9, "T000, lettered T004a and suffixed T005-TEST ids; own total (97) stale"),
    "02": (170, 170, 14, "current style, 14 phases"),
    "03": (37, 37, 7, "'## Final Phase: Polish' is the 7th phase (positional id 7)"),
    "04": (147, 72, 12, "lowercase [x]; ### sub-sections inside phases"),
    "05": (134, 61, 7, "'### Within Phase N' notes outside phases are dropped with a warning"),
    "07": (116, 22, 7, "Chinese; 51 ID-less acceptance checkboxes are criteria, not tasks"),
    "08": (148, 148, 10, "'Phase 0' plus lettered T000a-T000o"),
    "09": (70, 69, 6, "70 IDs repeated under '## Validation Checks Per Task' are references"),
    "10": (28, 28, 6, "'## Phase N: Polish' keeps id N"),
    "11": (36, 0, 6, "2025 style 'Phase 3.1'; ID-less 'Validation Checklist' is outside phases"),
    "14": (
        80,
        57,
        7,
        "Korean; a '#### By Phase:' heading in the summary is dropped with a warning",
    ),
    "15": (140, 49, 10, "nested T033a-T033o are tasks; [P1]-[P3] are labels; own total stale"),
    "17": (174, 174, 9, "174 tasks"),
    "18": (50, 50, 6, "nested detail bullets are description; own total (49) stale"),
    "19": (48, 48, 9, "Japanese titles"),
    "20": (12, 12, 3, "bold **T001**: ids, labels at the end; empty 'Phase 2' is not kept"),
    "23": (136, 47, 9, "136 tasks"),
    "25": (51, 51, 9, "format example sits in a fence; '— ✅ Completed' phase titles"),
    "26": (45, 20, 7, "[FOUND] is a label"),
    "28": (109, 109, 10, "[M:H] model-tier labels"),
}
NO_TASKS = {"22": "spec-kitty work packages: tasks only in a table, so no task items at all"}


def speckit_files(corpus: Path) -> dict[str, Path]:
    return {path.name[:2]: path for path in sorted((corpus / "speckit").glob("*.md"))}


def validate(orch: OrchRunner, path: Path) -> tuple[int, dict[str, object] | None, str]:
    done = orch("validate", "--json", str(path), cwd=path.parent)
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, data, done.stderr


def test_speckit_corpus_counts(orch: OrchRunner, corpus_dir: Path) -> None:
    files = speckit_files(corpus_dir)
    assert len(files) == 21
    assert set(files) == set(SPECKIT) | set(NO_TASKS)
    matched: list[str] = []
    mismatched: dict[str, str] = {}
    for prefix, path in files.items():
        code, data, stderr = validate(orch, path)
        assert data is not None, stderr
        if prefix in NO_TASKS:
            assert code == 2 and data["task_count"] == 0
            assert data["errors"] == [
                {
                    "line": 1,
                    "message": "no tasks found in the plan",
                    "hint": data["errors"][0]["hint"],
                }
            ]
            matched.append(prefix)
            continue
        tasks, done, phases, _note = SPECKIT[prefix]
        got = (data["task_count"], data["done_count"], data["skipped_count"], data["phase_count"])
        assert code == 0, (path.name, data["errors"])
        if got == (tasks, done, 0, phases):
            matched.append(prefix)
        else:
            mismatched[prefix] = f"{path.name}: expected {(tasks, done, 0, phases)}, got {got}"
    assert not mismatched, mismatched
    assert len(matched) == 21


def test_other_corpus_never_tracebacks(orch: OrchRunner, corpus_dir: Path) -> None:
    for path in sorted((corpus_dir / "other").iterdir()):
        code, data, stderr = validate(orch, path)
        assert code in (0, 2), (path.name, stderr)
        if data is None:  # unreadable file: one clean error line
            assert [line for line in stderr.splitlines() if line.startswith("error:")], stderr
        elif code == 2:
            assert data["errors"], path.name


def test_corpus_in_process_graph_checks(corpus_dir: Path) -> None:
    from orch.domain.graph import check_plan, execution_order
    from orch.parsing.markdown import parse_plan

    for path in sorted((corpus_dir / "speckit").glob("*.md")):
        result = parse_plan(path.read_text(encoding="utf-8"), path.name)
        assert check_plan(result.plan) == [], path.name
        order = execution_order(result.plan)
        assert sorted(order) == sorted(task.id for task in result.plan.tasks())


# other formats: file prefix -> (format, tasks, done, phases)
OTHER: dict[str, tuple[str, int, int, int]] = {
    "other_01": ("markdown", 7, 0, 1),  # Claudio phase file: `### Task N:` heading tasks
    "other_04": ("taskmaster", 68, 44, 1),  # 20 tasks + 48 subtasks, tag "master"
    "other_05": ("markdown", 79, 42, 15),  # plain checklist under `### Phase N:` headings
}


def test_other_formats_counts(orch: OrchRunner, corpus_dir: Path) -> None:
    for prefix, (plan_format, tasks, done, phases) in OTHER.items():
        path = next((corpus_dir / "other").glob(f"{prefix}_*"))
        code, data, stderr = validate(orch, path)
        assert code == 0 and data is not None, stderr
        got = (data["format"], data["task_count"], data["done_count"], data["phase_count"])
        assert got == (plan_format, tasks, done, phases), path.name


def test_claudio_tree_from_corpus(orch: OrchRunner, corpus_dir: Path, tmp_path: Path) -> None:
    other = corpus_dir / "other"
    tree = tmp_path / ".claudio"
    files = {
        "plan.md": "other_02_*",
        "phase1/tasks.md": "other_01_*",
        "phase1/task1-rust-project-structure/status.md": "other_03_*",
    }
    for name, pattern in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(next(other.glob(pattern)).read_bytes())
    code, data, stderr = validate(orch, tree)
    assert code == 0 and data is not None, stderr
    assert data["format"] == "claudio"
    phases = [(p["id"], [t["id"] for t in p["tasks"]]) for p in data["phases"]]
    assert phases == [("1", ["1.1", "1.2", "1.3", "1.4", "1.5", "1.7", "1.6"])]
    assert data["done_count"] == 0  # status.md says "Not Started"


def test_json_that_is_no_plan_is_named(orch: OrchRunner, corpus_dir: Path) -> None:
    path = next((corpus_dir / "other").glob("other_09_*"))
    code, data, stderr = validate(orch, path)
    assert code == 2 and data is not None
    assert "JSON without a Taskmaster task list" in data["errors"][0]["message"]
