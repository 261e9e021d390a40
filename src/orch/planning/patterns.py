"""The five offline planning patterns, each a sequence of phases that deliver something testable.

- **feature** (API-first): data model -> API contract -> backend -> frontend -> tests -> review
- **bugfix**: reproduce with a failing test -> isolate -> fix -> regression tests
- **refactor**: characterisation tests -> move one module at a time -> clean up
- **migration**: backup -> migrate -> verify data -> switch
- **performance**: baseline benchmark -> one bottleneck at a time, measured -> guard

Every phase has a gate built from the project's test tooling, and every task names its files
and, wherever a targeted check exists, its own ``verify:`` command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orch.planning.builder import PlanBuilder
from orch.planning.tooling import Tooling


@dataclass(frozen=True)
class Goal:
    """The goal as written, and the names derived from it for files and IDs."""

    text: str
    subject: str
    """A short phrase naming the thing being changed (``user profile API``)."""
    stem: str
    """``subject`` as an identifier for file names (``user_profile_api``)."""
    slug: str
    """The goal as a file-name slug (``add-user-profile-api``)."""
    paths: tuple[str, ...] = ()
    """File paths named in the goal, in the order written."""
    phrase: str = ""
    """The goal without its leading verb (``crash when saving an empty profile``)."""


Pattern = Callable[[PlanBuilder, Tooling, Goal], None]


def feature(b: PlanBuilder, t: Tooling, g: Goal) -> None:
    """New feature, API-first: the data model and contract settle before code depends on them."""
    models = t.source_file(f"{g.stem}_models")
    b.phase("Data model", f"The entities and rules behind {g.subject}, with unit tests.",
            [t.test()])
    test_models = t.test_file(f"{g.stem}_models")
    b.task(f"Define the data model for {g.subject} with validation and unit tests",
           files=[models, test_models], verify=[t.test(test_models)], kind="data",
           estimate="45m", acceptance=["every field has a type and a validation rule",
                                       "unit tests cover valid and invalid values"])
    b.phase("API contract", "The interface other code relies on, fixed before the implementation.",
            [t.test()])
    contract = t.source_file(f"{g.stem}_schemas")
    test_contract = t.test_file(f"{g.stem}_contract")
    b.task(f"Specify the API contract for {g.subject}: request and response schemas, "
           "endpoint signatures and error cases, with contract tests",
           files=[contract, test_contract], verify=[t.test(test_contract)], estimate="45m")
    b.phase("Backend", "The behaviour behind the contract.", [t.test()])
    service, test_service = t.source_file(f"{g.stem}_service"), t.test_file(f"{g.stem}_service")
    first = b.task(f"Implement the {g.subject} service logic behind the contract",
                   files=[service, test_service], verify=[t.test(test_service)], estimate="1h")
    api, test_api = t.source_file(f"{g.stem}_api"), t.test_file(f"{g.stem}_api")
    b.task(f"Expose {g.subject} through the API endpoints of the contract",
           files=[api, test_api], verify=[t.test(test_api, test_contract)], depends=[first],
           estimate="45m")
    if t.has_frontend:
        b.phase("Frontend", "The user-facing part, built against the contract.", [t.test()])
        view, test_view = _frontend_file(t, g.stem), t.test_file(f"{g.stem}_ui")
        b.task(f"Build the user interface for {g.subject} against the API contract",
               files=[view, test_view], verify=[t.test(test_view)], kind="frontend",
               estimate="1h")
    b.phase("Tests", "End-to-end confidence beyond the unit tests.", [t.test()])
    integration, edges = t.test_file(f"{g.stem}_integration"), t.test_file(f"{g.stem}_edge_cases")
    b.task(f"Write integration tests for {g.subject} from request to stored result",
           files=[integration], verify=[t.test(integration)], kind="test", parallel=True,
           estimate="45m")
    b.task(f"Write edge-case and error-path tests for {g.subject}",
           files=[edges], verify=[t.test(edges)], kind="test", parallel=True, estimate="30m")
    b.phase("Review", "Check the change against the goal and leave it documented.", [t.test()])
    doc = f"docs/{g.slug}.md"
    b.task(f"Review the change against the goal and document {g.subject} for users",
           files=[doc], verify=[f"test -s {doc}"], kind="review", estimate="30m",
           acceptance=["the goal's wording is met, nothing more", "the docs show a worked example"])


def bugfix(b: PlanBuilder, t: Tooling, g: Goal) -> None:
    """Bug fix: prove the bug with a failing test before touching the code."""
    reproduce = t.test_file(f"{g.stem}_regression")
    b.phase("Reproduce", "A test that fails now, for the reason the report gives. The gate "
            "passes only while that test fails.", [t.fails(reproduce)])
    b.task(f"Write a failing test that reproduces the bug: {g.phrase or g.subject}",
           files=[reproduce], verify=[t.fails(reproduce)], kind="test", estimate="30m",
           acceptance=["the test fails on the current code", "its failure message names the bug"])
    isolate = t.test_file(f"{g.stem}_root_cause")
    b.phase("Isolate", "Narrow the failure to the smallest unit that shows it.",
            [t.fails(isolate)])
    b.task("Trace the failure to its root cause and pin it with a focused unit test",
           files=[isolate], verify=[t.fails(isolate)], kind="test", estimate="45m",
           acceptance=["the test's docstring states the root cause"])
    b.phase("Fix", "The smallest change that makes both tests pass.", [t.test()])
    targets = list(g.paths) or [t.source_file(g.stem)]
    b.task("Fix the root cause with the smallest change that makes the new tests pass",
           files=targets, verify=[t.test(reproduce, isolate)], estimate="45m")
    b.phase("Regression tests", "Keep the bug from coming back.", [t.test()])
    edges = t.test_file(f"{g.stem}_edge_cases")
    b.task("Add regression tests for neighbouring inputs and edge cases of the fix",
           files=[edges], verify=[t.test(edges)], kind="test", parallel=True, estimate="30m")
    b.task("Record the fix and its cause in CHANGELOG.md", files=["CHANGELOG.md"],
           verify=["test -s CHANGELOG.md"], kind="docs", parallel=True, estimate="10m")
    if not g.paths:
        b.assumptions.append(f"The fix is expected in `{targets[0]}`; correct the `files:` of "
                             "the fix task once the root cause is known.")


def refactor(b: PlanBuilder, t: Tooling, g: Goal) -> None:
    """Refactor: pin behaviour first, then move one module at a time with the pins green."""
    pins = t.test_file(f"{g.stem}_characterisation")
    b.phase("Characterisation tests", "Pin today's behaviour, so any change in it shows.",
            [t.test()])
    targets = list(g.paths) or [t.source_file(g.stem)]
    b.task(f"Write characterisation tests pinning the current behaviour of {g.subject}",
           files=[pins], verify=[t.test(pins)], kind="test", estimate="45m",
           acceptance=["the tests pass on the current code", "public entry points are covered"])
    b.phase("Move one module at a time", "Each step keeps the characterisation tests green.",
            [t.test()])
    previous: list[str] = []
    if g.paths:
        for path in g.paths:
            previous = [b.task(f"Move {path} into the new structure, keeping its public names "
                               "importable from the old location", files=[path],
                               verify=[t.test(pins)], depends=previous, estimate="45m")]
    else:
        new_module = t.source_file(f"{g.stem}_core")
        previous = [b.task(f"Create {new_module} and move the first part of {g.subject} into "
                           "it, re-exporting from the old location",
                           files=[targets[0], new_module], verify=[t.test(pins)],
                           estimate="45m")]
        b.task(f"Move the remaining parts of {g.subject}, one module per step",
               files=[targets[0], new_module], verify=[t.test(pins)], depends=previous,
               estimate="1h")
    b.phase("Clean up", "Remove the scaffolding the move needed.", [t.test()])
    b.task("Point callers at the new locations and remove the compatibility re-exports",
           files=targets, verify=[t.test()], estimate="30m")
    b.assumptions.append("Behaviour must not change: any characterisation test that needs "
                         "editing is a behaviour change and needs its own decision.")


def migration(b: PlanBuilder, t: Tooling, g: Goal) -> None:
    """Migration: a tested way back exists before anything moves; the switch comes last."""
    ext = t.extension if t.language in ("python", "node") else ".sh"
    backup, restore = f"scripts/backup_{g.stem}.sh", f"scripts/restore_{g.stem}.sh"
    test_backup = t.test_file(f"{g.stem}_backup")
    b.phase("Backup", "A backup that is proven to restore, before any data moves.", [t.test()])
    b.task(f"Write backup and restore scripts for the data {g.subject} touches, with a "
           "round-trip test on a fixture", files=[backup, restore, test_backup],
           verify=[t.test(test_backup)], kind="ops", estimate="45m")
    script = f"migrations/{g.stem}{ext}"
    test_migrate = t.test_file(f"{g.stem}_migration")
    b.phase("Migrate", "The migration, idempotent and reversible, tested on fixtures.",
            [t.test()])
    forward = b.task(f"Write the forward migration for {g.subject}; running it twice "
                     "changes nothing the second time", files=[script, test_migrate],
                     verify=[t.test(test_migrate)], kind="data", estimate="1h")
    test_down = t.test_file(f"{g.stem}_migration_down")
    b.task("Add the down step that restores the old shape, tested on the same fixture",
           files=[script, test_down], verify=[t.test(test_down)], kind="data",
           depends=[forward], estimate="45m")
    checks, test_checks = f"scripts/verify_{g.stem}{ext}", t.test_file(f"{g.stem}_data_checks")
    b.phase("Verify data", "Counts, checksums and invariants agree before and after.",
            [t.test()])
    b.task("Write data checks comparing row counts, checksums and invariants before and "
           "after the migration", files=[checks, test_checks], verify=[t.test(test_checks)],
           kind="test", estimate="45m")
    switch, test_switch = t.source_file(f"{g.stem}_settings"), t.test_file(f"{g.stem}_switch")
    b.phase("Switch", "Move reads and writes over, behind a setting that can be turned back.",
            [t.test()])
    b.task(f"Switch reads and writes to the migrated {g.subject} behind a setting that can "
           "be turned back", files=[switch, test_switch], verify=[t.test(test_switch)],
           estimate="45m")
    runbook = f"docs/migrations/{g.slug}.md"
    b.task("Write the runbook: backup, migrate, verify, switch, and how to roll back",
           files=[runbook], verify=[f"test -s {runbook}"], kind="docs", parallel=True,
           estimate="20m")
    b.risks.append("The migration is built and tested on fixtures only; production data may "
                   "differ \u2014 mitigation: take the backup of phase 1 first, and roll back "
                   "with the down step or a restore as the runbook says.")


def performance(b: PlanBuilder, t: Tooling, g: Goal) -> None:
    """Performance: measure first, then remove one bottleneck at a time, measuring each."""
    bench = t.bench_file(g.stem)
    baseline = f"bench/{g.stem}-baseline.json"
    compare = f"test -s {baseline} && {t.bench(bench, '--compare', baseline)}"
    b.phase("Baseline", "A repeatable benchmark and a recorded baseline to compare against.",
            [t.test(), f"test -s {baseline}"])
    first = b.task(f"Write a repeatable benchmark for {g.subject}", files=[bench],
                   verify=[t.bench(bench, "--out", "/tmp/orch-bench-check.json")],
                   kind="test", estimate="45m",
                   acceptance=["`--out FILE` writes the results as JSON",
                               "`--compare FILE` exits 1 when more than 5% slower than FILE"])
    b.task("Record the baseline", files=[baseline], verify=[f"test -s {baseline}"],
           depends=[first], commands=[t.bench(bench, "--out", baseline)], estimate="5m")
    notes = f"docs/perf/{g.slug}.md"
    b.phase("Profile", "Find where the time goes before changing anything.", [t.test()])
    b.task(f"Profile {g.subject} and list the bottlenecks by measured cost",
           files=[notes], verify=[f"test -s {notes}"], estimate="45m")
    target = list(g.paths) or [t.source_file(g.stem)]
    for rank, label in ((1, "largest"), (2, "next")):
        b.phase(f"Bottleneck {rank}", "One change, measured against the baseline.",
                [t.test(), compare])
        b.task(f"Remove the {label} bottleneck from the profile and record the measured gain",
               files=[*target, notes], verify=[t.test(), compare], estimate="1h")
    guard = t.test_file(f"{g.stem}_performance")
    b.phase("Guard", "Keep the gain: a test that fails on a large slowdown.", [t.test()])
    b.task(f"Add a performance regression test for {g.subject} with a generous threshold",
           files=[guard], verify=[t.test(guard)], kind="test", estimate="30m")
    b.risks.append("Benchmarks are noisy on shared machines \u2014 mitigation: compare on the "
                   "same machine and repeat a run before trusting a small difference.")


PATTERNS: dict[str, tuple[str, Pattern]] = {
    "feature": ("new feature (API-first)", feature),
    "bugfix": ("bug fix", bugfix),
    "refactor": ("refactor", refactor),
    "migration": ("migration", migration),
    "performance": ("performance", performance),
}
"""Pattern name -> (description, builder)."""


def _frontend_file(t: Tooling, stem: str) -> str:
    if t.language == "node":
        extension = ".tsx" if t.extension == ".ts" else ".jsx"
        return f"{t.frontend_dir}/components/{stem}{extension}"
    return f"{t.frontend_dir}/{stem}.html"
