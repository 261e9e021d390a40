"""The derived-check rule (docs/verification.md): which paths a task's text names, and whether
each must change, must exist, or is only read."""

from __future__ import annotations

import pytest

from orch.domain.plan import Task
from orch.runner.derived import derive_file_checks


def checks(title: str, files: list[str] | None = None) -> list[str]:
    task = Task(id="T1", title=title, phase_id="1", line=1, files=files or [])
    return [check.command for check in derive_file_checks(task)]


@pytest.mark.parametrize(("title", "expected"), [
    ("Create User model in src/models/user.py", ["changed src/models/user.py"]),
    ("Contract test POST /api/users in tests/contract/test_users_post.py",
     ["changed tests/contract/test_users_post.py"]),
    ("Add the routes in `src/api/routes.py` and src/api/schemas.py",
     ["changed src/api/routes.py", "changed src/api/schemas.py"]),
    ("Run the tests in tests/test_x.py", ["exists tests/test_x.py"]),
    ("Review src/x.py for dead code", ["exists src/x.py"]),
    ("Verify contracts/test-protocol.md documents the workflow",
     ["exists contracts/test-protocol.md"]),
    ("Implement login in src/auth/login.py per plan.md", ["changed src/auth/login.py"]),
    ("Create project structure per implementation plan", []),
    ("Execute all acceptance scenarios from spec.md", []),
    ("Write unit tests for ide-launch.ts in tests/unit/ide-launch.test.ts",
     ["changed tests/unit/ide-launch.test.ts"]),
    ("Delete src/legacy.py", ["touched src/legacy.py"]),
    ("Create api/templates/email/ for the templates", ["changed-in api/templates/email/"]),
    ("Run every test under tests/unit/", ["exists tests/unit/"]),
    ("Add .gitignore entry for results/ directory", ["changed .gitignore"]),
    ("Update .github/workflows/ci.yml to fail PRs on new/modified files",
     ["changed .github/workflows/ci.yml"]),
    ("Set up the Node.js server, e.g. with Express", []),
    ("Implement DELETE /api/tasks/{id} endpoint", []),
    ("Add strings to `resources/js/locales/{en,ar}.ts`",
     ["changed resources/js/locales/en.ts", "changed resources/js/locales/ar.ts"]),
    ("ヘルスチェックの作成（backend/routes/api.php に /health/db 追加）",
     ["changed backend/routes/api.php"]),
    ("Create Service manifest at deploy/service.yaml (all-in-one.yaml)",
     ["changed deploy/service.yaml"]),
    ("Add fire-and-forget calls with `.catch()` in src/notify.ts", ["changed src/notify.ts"]),
    ("Create <name>.py for each model in src/*.py", []),
    ("Parse package-inventory.txt and extract versions", ["exists package-inventory.txt"]),
    ("安装所有依赖: pip install -r requirements.txt", []),
    ("Integration test users + audit filter in `web/__tests__/audit.test.tsx`",
     ["changed web/__tests__/audit.test.tsx"]),
])
def test_rule(title: str, expected: list[str]) -> None:
    assert checks(title) == expected


def test_files_metadata_must_change() -> None:
    assert checks("Refactor the models", ["src/a.py", "src/b.py"]) == [
        "changed src/a.py", "changed src/b.py"]
