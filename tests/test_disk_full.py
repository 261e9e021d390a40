"""A full disk is one `error:` line with a hint, and the journal stays whole (issue 27, item 7).

The project lives on a real, small tmpfs filled to the last byte; without the right to mount one
the test is skipped."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, shell_task


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_resume_on_a_full_disk_is_one_error_and_the_journal_survives(small_disk: Path,
                                                                     orch: OrchRunner) -> None:
    repo = small_disk / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "plan.md").write_text("# P\n\n## Phase 1: One\n\n"
                                  + shell_task("T001", "Needs go", "test -f go") + "\n")
    commit_all(repo)
    first = orch("run", "plan.md", "--yes", cwd=repo)
    assert first.returncode == 1, first.stdout + first.stderr
    journal = next(repo.glob(".specify/orch/runs/*/events.jsonl"))
    before = journal.read_bytes()
    (repo / "go").write_text("")
    _fill(small_disk)
    out = orch("resume", "--retry-failed", "--yes", cwd=repo)
    assert out.returncode == 3, out.stdout + out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: no space left on the device"), \
        out.stderr
    assert "internal error" not in out.stderr
    assert "hint: free some disk space" in out.stderr
    after = journal.read_bytes()
    assert after.startswith(before)
    for line in after.decode().splitlines():
        json.loads(line)
    (small_disk / "filler").unlink()
    again = orch("resume", "--retry-failed", "--yes", cwd=repo)
    assert again.returncode == 0, again.stdout + again.stderr
