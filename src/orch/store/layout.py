"""Where orch keeps things inside a project (docs/state.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ORCH_DIR = Path(".specify") / "orch"
GITIGNORE_TEXT = (
    "# Written by orch: run bookkeeping (and this file) is never committed; config.yaml is.\n"
    "*\n"
    "!config.yaml\n"
)


@dataclass(frozen=True)
class Layout:
    """Paths of one project's orch files."""

    project_dir: Path

    @property
    def orch_dir(self) -> Path:
        return self.project_dir / ORCH_DIR

    @property
    def config(self) -> Path:
        return self.orch_dir / "config.yaml"

    @property
    def runs_dir(self) -> Path:
        return self.orch_dir / "runs"

    @property
    def current(self) -> Path:
        return self.orch_dir / "current"

    @property
    def lock(self) -> Path:
        return self.orch_dir / "lock"

    @property
    def gitignore(self) -> Path:
        return self.orch_dir / ".gitignore"

    @property
    def rollback_journal(self) -> Path:
        """The last rollback's journal (``orch rollback`` / ``--undo``)."""
        return self.orch_dir / "rollback.json"

    def backup_dir(self, ident: str) -> Path:
        """Run-state copies taken before rollback ``ident``."""
        return self.orch_dir / "backups" / ident

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def run_json(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "run.json"

    def events(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "events.jsonl"

    def logs_dir(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "logs"

    def task_log(self, run_id: str, task_id: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in task_id)
        return self.logs_dir(run_id) / f"{safe}.log"

    def status_md(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "status.md"

    def ensure_ignored(self) -> None:
        """Create ``.specify/orch/.gitignore`` so run bookkeeping never reaches a commit."""
        self.orch_dir.mkdir(parents=True, exist_ok=True)
        if not self.gitignore.exists() or self.gitignore.read_text() != GITIGNORE_TEXT:
            self.gitignore.write_text(GITIGNORE_TEXT)
