"""Mutation test: every check an offline plan writes fails when what it checks is broken.

For each of the five offline patterns, in a Python (pytest) project, a Node (npm test) project
and a plain unittest project with no manifest: draft the plan; then, for every ``verify:`` and
``**Gate**:`` command, build the world in which it should pass (the files it names exist; its
tests pass, or fail for a "the test must fail" check), run it under ``bash -o pipefail`` and
see it pass; then break one thing at a time (delete a file it names, flip a test it runs, fail
the project's own suite) and see it fail.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orch.planning.checking import check_text
from orch.planning.offline import draft_offline
from orch.planning.render import render_plan
from orch.planning.tooling import detect_tooling

GOALS = {
    "feature": "Add CSV export to reports",
    "bugfix": "Fix crash when saving an empty title",
    "refactor": "Refactor the report module",
    "migration": "Migrate sessions from memory to SQLite",
    "performance": "Speed up report rendering",
}
PY_PASS, PY_FAIL = "def test_ok():\n    assert True\n", "def test_bug():\n    assert 1 == 2\n"
JS_HEAD = 'const test = require("node:test");\nconst assert = require("node:assert");\n'
JS_PASS = JS_HEAD + 'test("ok", () => {});\n'
JS_FAIL = JS_HEAD + 'test("bug", () => { assert.strictEqual(1, 2); });\n'
UT_PASS = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        pass\n"
UT_FAIL = UT_PASS.replace("pass", "self.assertEqual(1, 2)")

Mutation = Callable[[Path], None]


def _python_project(root: Path) -> None:
    (root / "src" / "app").mkdir(parents=True)
    (root / "src" / "app" / "__init__.py").write_text("")
    (root / "tests").mkdir()
    (root / "tests" / "test_smoke.py").write_text(PY_PASS)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n')


def _node_project(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "index.js").write_text("module.exports = {};\n")
    (root / "test").mkdir()
    (root / "test" / "smoke.test.js").write_text(JS_PASS)
    (root / "package.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "scripts": {"test": "node --test"}}))


def _unittest_project(root: Path) -> None:
    (root / "tests").mkdir(parents=True)
    (root / "app.py").write_text("VALUE = 1\n")
    (root / "tests" / "test_smoke.py").write_text(UT_PASS)


PROJECTS = {"python": (_python_project, "tests/test_smoke.py", PY_PASS, PY_FAIL),
            "node": (_node_project, "test/smoke.test.js", JS_PASS, JS_FAIL),
            "unittest": (_unittest_project, "tests/test_smoke.py", UT_PASS, UT_FAIL)}


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or ".test." in name


def _paths(command: str) -> list[str]:
    words = shlex.split(command.replace(";", " ").replace("{", " ").replace("}", " "))
    return [word for word in words if not word.startswith(("/", "-", ".", "$"))
            and ("/" in word or "." in word)]


def _checks(project: Path, pattern: str) -> list[str]:
    plan = draft_offline(GOALS[pattern], detect_tooling(project), pattern=pattern)
    checked = check_text(render_plan(plan), "plan.md")
    assert checked.ok, checked.errors
    assert not [w for w in checked.warnings if "cannot fail" in w.message], checked.warnings
    commands = [gate for phase in checked.plan.phases for gate in phase.gates]
    commands += [command for task in checked.plan.tasks() for command in task.verify]
    return list(dict.fromkeys(commands))


def _run(check: str, cwd: Path) -> int:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", check], cwd=cwd, env=env,
                          capture_output=True, timeout=120).returncode


def _intact(check: str, root: Path, passing: str, failing: str) -> None:
    must_fail = "test $? -eq" in check
    for path in _paths(check):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if _is_test(path):
            target.write_text(failing if must_fail else passing)
        else:
            target.write_text("exit = 0\n" if path.startswith("bench/") else "content\n")


def _mutations(check: str, smoke: str, passing: str, failing: str) -> dict[str, Mutation]:
    must_fail = "test $? -eq" in check
    found: dict[str, Mutation] = {}
    for path in _paths(check):
        found[f"delete {path}"] = lambda root, p=path: (root / p).unlink()
        if _is_test(path):
            flipped = passing if must_fail else failing
            found[f"flip {path}"] = lambda root, p=path, text=flipped: (root / p).write_text(text)
    if not _paths(check):
        found[f"fail {smoke}"] = lambda root: (root / smoke).write_text(failing)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(PROJECTS))
@pytest.mark.parametrize("pattern", sorted(GOALS))
def test_every_generated_check_fails_when_what_it_checks_is_broken(
    pattern: str, language: str, tmp_path: Path
) -> None:
    make, smoke, passing, failing = PROJECTS[language]
    base = tmp_path / "base"
    make(base)
    checks = _checks(base, pattern)
    assert checks
    for number, check in enumerate(checks):
        world = tmp_path / f"check{number}"
        shutil.copytree(base, world)
        _intact(check, world, passing, failing)
        assert _run(check, world) == 0, f"{check!r} fails on intact work"
        mutations = _mutations(check, smoke, passing, failing)
        assert mutations, check
        for name, mutate in mutations.items():
            shutil.rmtree(world)
            shutil.copytree(base, world)
            _intact(check, world, passing, failing)
            mutate(world)
            assert _run(check, world) != 0, f"{check!r} still passes after: {name}"



def test_a_plain_unittest_project_gets_unittest_checks_that_can_fail(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "app.py").write_text("VALUE = 1\n")
    (tmp_path / "tests" / "test_app.py").write_text(UT_PASS)
    tooling = detect_tooling(tmp_path)
    assert (tooling.runner, tooling.source_dir) == ("unittest", ".")
    plan = draft_offline(GOALS["bugfix"], tooling, pattern="bugfix")
    reproduce = plan.phases[0].gates[0]
    assert reproduce.startswith("test -f tests/test_") and "python3 -m unittest" in reproduce
    assert plan.phases[2].gates == ["python3 -m unittest discover -s tests"]
    assert _run(plan.phases[2].gates[0], tmp_path) == 0
    (tmp_path / "tests" / "test_app.py").write_text(UT_FAIL)
    assert _run(plan.phases[2].gates[0], tmp_path) != 0
    test_file = tmp_path / _paths(reproduce)[0]
    assert _run(reproduce, tmp_path) != 0            # the reproducing test does not exist yet
    test_file.write_text(UT_FAIL)
    assert _run(reproduce, tmp_path) == 0            # it exists and fails: the bug is shown
    test_file.write_text(UT_PASS)
    assert _run(reproduce, tmp_path) != 0            # it passes: nothing is reproduced
