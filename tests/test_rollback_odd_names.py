"""Rollback and ``--undo`` with file names that are not UTF-8, have spaces or newlines."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import OrchRunner, git
from test_rollback_matrix import build, round_trip


def test_names_that_are_not_utf8_come_back_byte_for_byte(git_repo: Path,
                                                          orch: OrchRunner) -> None:
    build(git_repo, orch,
          "mkdir -p 'dir with space'\necho one > 'dir with space/a b.txt'\n"
          "printf 'x\\n' > \"$(printf 'new\\nline.txt')\"",
          "echo two >> 'dir with space/a b.txt'\nrm \"$(printf 'new\\nline.txt')\"")
    (git_repo / os.fsdecode(b"untracked \xff name.txt")).write_bytes(b"mine\r\n")
    (git_repo / "dir with space" / "user.txt").write_text("precious\n")
    strict = orch("rollback", "phase-1", "--dry-run", cwd=git_repo,
                  env={"PYTHONIOENCODING": "utf-8"})
    assert strict.returncode == 0, strict.stderr
    assert '  remove   "untracked \\377 name.txt"\n' in strict.stdout
    assert '  restore  "new\\nline.txt"\n' in strict.stdout
    backup = round_trip(git_repo, orch, "dir with space/user.txt")
    listing = git(git_repo, "ls-tree", "-r", "--name-only", backup)
    assert '"untracked \\377 name.txt"' in listing.splitlines()
