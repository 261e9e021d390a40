"""The project's test tooling, detected from its manifest files, and the commands built on it.

Detection, in this order of preference: a Python manifest (``pyproject.toml``, ``setup.py``,
``setup.cfg``, ``requirements*.txt``, ``pytest.ini``, ``tox.ini``, ``conftest.py``: pytest),
``package.json`` with a real ``test`` script (npm test), ``Cargo.toml`` (cargo test), ``go.mod``
(go test), a ``Makefile`` with a ``test:`` target (make test), and last Python files with no
manifest at all (``python3 -m unittest``). Python commands use the project's own interpreter
(``.venv/bin/python``) where there is one, else ``python3``: never a bare ``python``, which stock
Debian, Ubuntu and pipx installs do not have. Everything here is deterministic: directory listings
are sorted. :func:`detect_tooling` is shared by ``orch plan`` and the runner's ``gate: auto``.

Every command built here fails when what it checks is missing or wrong
(docs/verification.md): a test that must fail is asserted by its runner's failure status
(``pytest …; test $? -eq 1``), never by ``!``, which would also turn "file not found" into a pass.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

NPM_PLACEHOLDER_TEST = "no test specified"
_FRONTEND_DEPS = ("react", "vue", "svelte", "@angular/core", "solid-js", "preact", "next", "nuxt")
_FRONTEND_DIRS = ("frontend", "web", "ui", "client", "templates", "static")
_PYTHON_MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt",
                     "requirements-dev.txt", "pytest.ini", "tox.ini", "conftest.py")
_NOT_SOURCE = frozenset({"tests", "test", "docs", "doc", "examples", "example", "bench",
                         "benchmarks", "scripts", "build", "dist"})
FAILURE_STATUS = {"python": 1, "node": 1, "rust": 101, "go": 1, "make": 2, "unknown": 1}
"""The exit status each test runner gives when tests ran and some failed."""
UNKNOWN_SUITE = 'for t in tests/test_*.sh; do bash "$t" || exit 1; done'


@dataclass(frozen=True)
class Tooling:
    """How this project is built and tested, and where its code and tests live."""

    language: str
    """``python``, ``node``, ``rust``, ``go``, ``make`` or ``unknown``."""
    test_command: str
    """The whole suite: ``pytest -q``, ``npm test``, ``cargo test``, ``go test ./...``, …"""
    source_dir: str
    test_dir: str
    extension: str
    languages: tuple[str, ...] = ()
    """Every language detected, the primary one first."""
    has_frontend: bool = False
    frontend_dir: str = ""
    notes: tuple[str, ...] = field(default=())
    """Assumptions made while detecting (shown in the plan's Assumptions section)."""
    runner: str = ""
    """The test runner: ``pytest``, ``unittest``, ``npm``, ``cargo``, ``go``, ``make``, or
    ``""`` when nothing was detected."""
    python: str = "python3"
    """The Python interpreter commands use: ``.venv/bin/python`` where present, else ``python3``."""

    @property
    def pytest(self) -> str:
        """How pytest is called: the project's interpreter's, else ``pytest`` on PATH."""
        return "pytest" if self.python == "python3" else f"{self.python} -m pytest"

    @property
    def uses_pytest(self) -> bool:
        """Whether tests run with pytest (a Python project with a manifest)."""
        return self.language == "python" and self.runner != "unittest"

    @property
    def detected(self) -> bool:
        """Whether a test command was found (``False``: the bash-script fallback)."""
        return self.language != "unknown"

    def source_file(self, stem: str) -> str:
        """Where a new module named ``stem`` goes."""
        if self.language == "go":
            return f"{self.source_dir}/{stem}/{stem}.go"
        return _join(self.source_dir, f"{stem}{self.extension}")

    def test_file(self, stem: str) -> str:
        """Where the tests for ``stem`` go, named the way this tooling finds them."""
        if self.language == "python":
            return _join(self.test_dir, f"test_{stem}.py")
        if self.language == "node":
            return _join(self.test_dir, f"{stem}.test{self.extension}")
        if self.language == "rust":
            return _join(self.test_dir, f"{stem}.rs")
        if self.language == "go":
            return f"{self.source_dir}/{stem}/{stem}_test.go"
        return _join(self.test_dir, f"test_{stem}.sh")

    def test(self, *files: str) -> str:
        """A command running only the tests in ``files`` (the whole suite when none given)."""
        if not files:
            return self.test_command
        if self.runner == "unittest":
            return f"{self.python} -m unittest {' '.join(files)}"
        if self.language == "python":
            return f"{self.pytest} -q {' '.join(files)}"
        if self.language == "node":
            return f"npm test -- {' '.join(files)}"
        if self.language == "rust":
            return " && ".join(f"cargo test --test {Path(name).stem}" for name in files)
        if self.language == "go":
            dirs = sorted({str(Path(name).parent) for name in files})
            return "go test " + " ".join(f"./{directory}/..." for directory in dirs)
        if self.language == "make":
            return self.test_command
        return " && ".join(f"bash {name}" for name in files)

    def fails(self, *files: str) -> str:
        """A command that passes only while the tests in ``files`` exist, run and fail.

        The runner's own failure status is asserted (pytest: 1), so a missing file, a missing
        runner (127) or a test that cannot load does not count as "the test fails".
        """
        status = FAILURE_STATUS.get(self.language, 1)
        if self.uses_pytest:
            return f"{self.test(*files)}; test $? -eq {status}"
        guard = " && ".join(f"test -f {name}" for name in files)
        return f"{guard} && {{ {self.test(*files)}; test $? -eq {status}; }}"

    def collect(self, *files: str) -> str:
        """A command that passes once ``files`` exist and load, before the code under test does."""
        if self.uses_pytest:
            return f"{self.pytest} -q --collect-only {' '.join(files)}"
        return " && ".join(f"test -f {name}" for name in files)

    def bench_file(self, stem: str) -> str:
        """Where a benchmark script for ``stem`` goes."""
        extension = self.extension if self.language in ("python", "node") else ".sh"
        return f"bench/bench_{stem}{extension}"

    def bench(self, script: str, *args: str) -> str:
        """The command running a benchmark script with ``args``."""
        runner = {"python": self.python, "node": "node"}.get(self.language, "bash")
        return " ".join((runner, script, *args))


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def detect_tooling(project_dir: Path) -> Tooling:
    """Inspect ``project_dir`` and describe its tooling; ``unknown`` when nothing is found."""
    found: list[str] = []
    if any((project_dir / name).is_file() for name in _PYTHON_MANIFESTS):
        found.append("python")
    package = _package_json(project_dir)
    if package is not None and _npm_test_script(package):
        found.append("node")
    if (project_dir / "Cargo.toml").is_file():
        found.append("rust")
    if (project_dir / "go.mod").is_file():
        found.append("go")
    if _make_has_test(project_dir):
        found.append("make")
    if not found and _has_python_files(project_dir):
        found.append("unittest")
    if package is not None and "node" not in found:
        found.append("javascript")
    languages = tuple("python" if name == "unittest" else name for name in found)
    primary = next((name for name in found if name != "javascript"), "unknown")
    frontend_dir = _frontend_dir(project_dir, package)
    builder = {
        "python": _python,
        "unittest": _unittest,
        "node": _node,
        "rust": _rust,
        "go": _go,
        "make": _make,
    }.get(primary, _unknown)
    tooling = builder(project_dir)
    return Tooling(
        language=tooling.language,
        test_command=tooling.test_command,
        source_dir=tooling.source_dir,
        test_dir=tooling.test_dir,
        extension=tooling.extension,
        languages=languages or ("unknown",),
        has_frontend=bool(frontend_dir),
        frontend_dir=frontend_dir,
        notes=tooling.notes,
        runner=tooling.runner,
        python=tooling.python,
    )


def _package_json(project_dir: Path) -> dict[str, object] | None:
    path = project_dir / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _npm_test_script(package: dict[str, object]) -> str:
    scripts = package.get("scripts")
    if not isinstance(scripts, dict):
        return ""
    script = scripts.get("test")
    if not isinstance(script, str) or NPM_PLACEHOLDER_TEST in script:
        return ""
    return script


def _make_has_test(project_dir: Path) -> bool:
    for name in ("Makefile", "makefile", "GNUmakefile"):
        path = project_dir / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return False
            return re.search(r"^test\s*:", text, re.MULTILINE) is not None
    return False


def _frontend_dir(project_dir: Path, package: dict[str, object] | None) -> str:
    if package is not None:
        deps: dict[str, object] = {}
        for key in ("dependencies", "devDependencies"):
            section = package.get(key)
            if isinstance(section, dict):
                deps.update(section)
        if any(name in deps for name in _FRONTEND_DEPS):
            return "src"
    for name in _FRONTEND_DIRS:
        if (project_dir / name).is_dir():
            return name
    return ""


def _first_dir(project_dir: Path, candidates: tuple[str, ...], default: str) -> str:
    for name in candidates:
        if (project_dir / name).is_dir():
            return name
    return default


def _has_python_files(project_dir: Path) -> bool:
    for directory in (project_dir, project_dir / "tests", project_dir / "test"):
        if directory.is_dir() and any(path.suffix == ".py" for path in directory.iterdir()):
            return True
    return False


def python_interpreter(project_dir: Path) -> str:
    """The project's own ``.venv/bin/python`` where present, else ``python3``."""
    return ".venv/bin/python" if (project_dir / ".venv" / "bin" / "python").exists() else "python3"


def _python(project_dir: Path) -> Tooling:
    source, test_dir, notes = _python_layout(project_dir)
    python = python_interpreter(project_dir)
    pytest = "pytest" if python == "python3" else f"{python} -m pytest"
    return Tooling("python", f"{pytest} -q", source, test_dir, ".py", notes=notes,
                   runner="pytest", python=python)


def _unittest(project_dir: Path) -> Tooling:
    source, test_dir, notes = _python_layout(project_dir)
    python = python_interpreter(project_dir)
    suite = (f"{python} -m unittest discover -s {test_dir}"
             if (project_dir / test_dir).is_dir() else f"{python} -m unittest")
    notes += ("There is no Python manifest (pyproject.toml, setup.py, requirements.txt): tests "
              f"use the standard library's unittest, run with `{python} -m unittest`.",)
    return Tooling("python", suite, source, test_dir, ".py", notes=notes, runner="unittest",
                   python=python)


def _python_layout(project_dir: Path) -> tuple[str, str, tuple[str, ...]]:
    notes: list[str] = []
    source = _python_package_dir(project_dir)
    if source is None:
        source = "src"
        notes.append("No Python package directory was found; new modules go under `src/`.")
    test_dir = _first_dir(project_dir, ("tests", "test"), "tests")
    if not (project_dir / test_dir).is_dir():
        notes.append(f"There is no test directory yet; tests go under `{test_dir}/`.")
    return source, test_dir, tuple(notes)


def _python_package_dir(project_dir: Path) -> str | None:
    name = _pyproject_name(project_dir)
    candidates: list[str] = []
    if name:
        module = re.sub(r"[^0-9A-Za-z_]", "_", name).lower()
        candidates += [f"src/{module}", module]
    src = project_dir / "src"
    if src.is_dir():
        candidates += [f"src/{child.name}" for child in sorted(src.iterdir())]
    candidates += [child.name for child in sorted(project_dir.iterdir())
                   if child.name not in _NOT_SOURCE and not child.name.startswith(".")]
    for candidate in candidates:
        if (project_dir / candidate / "__init__.py").is_file():
            return candidate
    if src.is_dir() and any(path.suffix == ".py" for path in src.iterdir()):
        return "src"
    if any(path.suffix == ".py" and not path.name.startswith(("test_", "setup", "conftest"))
           for path in project_dir.iterdir()):
        return "."
    return None


def _pyproject_name(project_dir: Path) -> str:
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return ""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str):
        return str(project["name"])
    return ""


def _node(project_dir: Path) -> Tooling:
    extension = ".ts" if (project_dir / "tsconfig.json").is_file() else ".js"
    source = _first_dir(project_dir, ("src", "lib"), "src")
    test_dir = _first_dir(project_dir, ("test", "tests", "__tests__"), "test")
    return Tooling("node", "npm test", source, test_dir, extension, runner="npm")


def _rust(project_dir: Path) -> Tooling:
    return Tooling("rust", "cargo test", "src", "tests", ".rs", runner="cargo")


def _go(project_dir: Path) -> Tooling:
    source = _first_dir(project_dir, ("internal", "pkg"), "internal")
    return Tooling("go", "go test ./...", source, source, ".go", runner="go")


def _make(project_dir: Path) -> Tooling:
    return Tooling("make", "make test", _first_dir(project_dir, ("src", "lib"), "src"),
                   _first_dir(project_dir, ("tests", "test"), "tests"), "",
                   notes=("Tests run through `make test`; the plan does not know the language.",),
                   runner="make")


def _unknown(project_dir: Path) -> Tooling:
    note = ("No test tooling was detected (pytest, unittest, npm test, cargo test, go test, "
            "make test); tests are shell scripts under `tests/` run with bash.")
    return Tooling("unknown", UNKNOWN_SUITE, "src", "tests", "", notes=(note,))
