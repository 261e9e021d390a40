"""The rollback fault matrix: hostile working trees come back byte for byte after ``--undo``.

Each case builds a real repository with a real ``orch run``, puts something awkward in the
working tree, rolls back to ``phase-1`` and undoes it. Compared before and after: every file's
bytes, type, mode and symlink target (ignored files included), ``git ls-files -s``, the index
flags (``git ls-files -v``), HEAD, the branch and ``git status``.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task


def disk(repo: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every entry outside .git and .specify/orch: kind, permission bits, content/link target."""
    found: dict[str, tuple[str, int, bytes]] = {}
    for current, dirs, files in os.walk(repo):
        here = Path(current)
        rel_dir = here.relative_to(repo).as_posix()
        if rel_dir == ".git" or rel_dir.startswith((".git/", ".specify/orch")):
            dirs[:] = []
            continue
        for name in [*dirs, *files]:
            path = here / name
            rel = path.relative_to(repo).as_posix()
            if rel == ".git":
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", 0, os.readlink(path).encode())
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", 0, b"")
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def state(repo: Path) -> dict[str, object]:
    """Everything ``rollback`` + ``--undo`` must give back exactly."""
    return {
        "disk": disk(repo),
        "stage": git(repo, "ls-files", "-s"),
        "flags": git(repo, "ls-files", "-v"),
        "head": git(repo, "rev-parse", "HEAD"),
        "branch": git(repo, "symbolic-ref", "HEAD"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all", "--ignored",
                      "--", ".", ":(exclude).specify/orch"),
    }


def raw(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True).stdout


def build(repo: Path, orch: OrchRunner, phase1: str, phase2: str, *, setup: str = "") -> None:
    """Commit ``setup`` files, then run a two-phase plan of shell scripts to the end."""
    plan = make_plan([("One", [shell_task("T001", "First", phase1)]),
                      ("Two", [shell_task("T002", "Second", phase2)])])
    (repo / "plan.md").write_text(plan)
    if setup:
        subprocess.run(["sh", "-c", setup], cwd=repo, check=True)
    commit_all(repo)
    result = orch("run", "plan.md", cwd=repo)
    assert result.returncode == 0, result.stderr


def round_trip(repo: Path, orch: OrchRunner, *mentioned: str) -> str:
    """Dry run (must name ``mentioned``), roll back to phase-1, undo; the backup ref."""
    before = state(repo)
    phase1 = git(repo, "rev-parse", "HEAD~1")
    dry = orch("rollback", "phase-1", "--dry-run", cwd=repo)
    assert dry.returncode == 0, dry.stderr
    for path in mentioned:
        assert path in dry.stdout, (path, dry.stdout)
    assert state(repo) == before
    done = orch("rollback", "phase-1", "--yes", cwd=repo)
    assert done.returncode == 0, done.stderr
    [backup] = git(repo, "for-each-ref", "--format=%(refname)", "refs/orch/backup").split()
    assert git(repo, "rev-parse", "HEAD") == phase1
    undone = orch("rollback", "--undo", cwd=repo)
    assert undone.returncode == 0, undone.stderr
    assert state(repo) == before
    return backup


def unchanged_by(repo: Path, orch: OrchRunner, *args: str,
                 code: int) -> subprocess.CompletedProcess[str]:
    """Run ``orch ARGS``: it must exit ``code`` leaving the state as it was and no backup ref."""
    before = state(repo)
    result = orch(*args, cwd=repo)
    assert result.returncode == code, result.stdout + result.stderr
    assert state(repo) == before
    assert git(repo, "for-each-ref", "refs/orch/backup") == ""
    return result


def exclude(repo: Path, pattern: str) -> None:
    with (repo / ".git" / "info" / "exclude").open("a") as rules:
        rules.write(pattern + "\n")


def test_ignored_file_where_the_checkpoint_has_a_directory(
        git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "mkdir -p cache/deep\necho data > cache/deep/data.txt",
          "rm -rf cache")
    exclude(git_repo, "cache")
    (git_repo / "cache").write_text("PRECIOUS\n")
    backup = round_trip(git_repo, orch, "cache")
    assert raw(git_repo, "show", f"{backup}:cache") == b"PRECIOUS\n"


def test_ignored_directory_where_the_checkpoint_has_a_file(
        git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo data > cache", "rm cache")
    exclude(git_repo, "cache/")
    (git_repo / "cache" / "sub").mkdir(parents=True)
    (git_repo / "cache" / "sub" / "big.bin").write_bytes(b"\x00PRECIOUS\xff")
    (git_repo / "cache" / "link").symlink_to("sub/big.bin")
    backup = round_trip(git_repo, orch, "cache/sub/big.bin", "cache/link")
    assert raw(git_repo, "show", f"{backup}:cache/sub/big.bin") == b"\x00PRECIOUS\xff"


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_flagged_files_keep_their_local_content_and_flags(
        git_repo: Path, orch: OrchRunner, flag: str) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo phase two > conf.ini",
          setup="echo original > conf.ini; echo tracked > sparse.txt")
    git(git_repo, "update-index", flag, "conf.ini")
    (git_repo / "conf.ini").write_text("LOCAL EDIT\n")
    if flag == "--skip-worktree":
        git(git_repo, "update-index", flag, "sparse.txt")
        (git_repo / "sparse.txt").unlink()
    backup = round_trip(git_repo, orch, "conf.ini", flag.removeprefix("--"))
    assert raw(git_repo, "show", f"{backup}:conf.ini") == b"LOCAL EDIT\n"
    message = git(git_repo, "log", "-1", "--format=%B", backup)
    assert f"{flag.removeprefix('--')}: conf.ini" in message


def test_crlf_files_under_text_auto_come_back_raw(git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "printf 'two\\n' > win.txt",
          setup="printf '* text=auto\\n*.bat eol=crlf\\n' > .gitattributes; "
                "printf 'lf\\n' > win.txt; "
                "printf 'keep\\r\\n' > old.txt")
    (git_repo / "win.txt").write_bytes(b"edited\r\non windows\r\n")
    (git_repo / "old.txt").write_bytes(b"keep\r\n")  # git sees it unchanged: clean gives LF
    (git_repo / "notes.txt").write_bytes(b"untracked\r\nCRLF\r\n")
    (git_repo / "run.bat").write_bytes(b"@echo LF only\n")  # a checkout would write CRLF
    backup = round_trip(git_repo, orch, "win.txt")
    assert raw(git_repo, "show", f"{backup}:notes.txt") == b"untracked\r\nCRLF\r\n"
    assert raw(git_repo, "show", f"{backup}:win.txt") == b"edited\r\non windows\r\n"


def test_symlinked_env_is_saved_as_a_link_never_followed(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    build(git_repo, orch, "echo 'KEY=template' > .env", "rm .env")
    secret = tmp_path / "outside" / "real.env"
    secret.parent.mkdir()
    secret.write_text("API_KEY=sk-do-not-copy\n")
    exclude(git_repo, ".env")
    (git_repo / ".env").symlink_to(secret)
    (git_repo / "local.env").symlink_to(".env")
    backup = round_trip(git_repo, orch, ".env")
    assert raw(git_repo, "cat-file", "-p", f"{backup}:.env") == str(secret).encode()
    assert "120000" in git(git_repo, "ls-tree", backup, ".env")
    assert b"sk-do-not-copy" not in raw(git_repo, "log", "-p", "--all")
    assert secret.read_text() == "API_KEY=sk-do-not-copy\n"


def test_rollback_to_the_checkpoint_you_are_at_does_nothing(
        git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo two > two.txt")
    git(git_repo, "update-index", "--assume-unchanged", "one.txt")  # flagged, not edited
    again = unchanged_by(git_repo, orch, "rollback", "phase-2", code=0)  # no --yes: no prompt
    assert "nothing to do" in again.stdout
    (git_repo / "one.txt").write_text("edited\n")  # now there is something to roll back
    assert "--yes" in unchanged_by(git_repo, orch, "rollback", "phase-2", code=3).stderr


def test_intent_to_add_entries_come_back(git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo two > two.txt")
    (git_repo / "planned.txt").write_text("added with -N\n")
    git(git_repo, "add", "-N", "planned.txt")
    backup = round_trip(git_repo, orch, "planned.txt")
    assert raw(git_repo, "show", f"{backup}:planned.txt") == b"added with -N\n"


def test_unresolved_conflicts_are_refused_before_anything_changes(
        git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo two > two.txt")
    blob = git(git_repo, "hash-object", "-w", "one.txt").strip()
    stages = f"0 {'0' * 40}\tone.txt\n100644 {blob} 2\tone.txt\n100644 {blob} 3\tone.txt\n"
    subprocess.run(["git", "update-index", "--index-info"], cwd=git_repo, input=stages,
                   text=True, check=True)
    refused = unchanged_by(git_repo, orch, "rollback", "phase-1", "--yes", code=3)
    assert refused.stderr.startswith("error: the index has unresolved conflicts (one.txt")
    assert "hint: " in refused.stderr


def test_permission_bits_a_tree_cannot_hold_come_back(git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo two > two.txt")
    (git_repo / "private.txt").write_text("untracked, owner only\n")
    (git_repo / "private.txt").chmod(0o600)
    (git_repo / "two.txt").chmod(0o640)
    (git_repo / "run.sh").write_text("#!/bin/sh\n")
    (git_repo / "run.sh").chmod(0o700)
    round_trip(git_repo, orch, "private.txt")


def test_sparse_checkout_round_trip(git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > kept/one.txt", "echo two > kept/two.txt\necho o > out/x",
          setup="mkdir kept out; echo k > kept/k.txt; echo o > out/o.txt")
    git(git_repo, "sparse-checkout", "set", "kept")
    assert not (git_repo / "out").exists()
    round_trip(git_repo, orch, "kept/two.txt")
    assert not (git_repo / "out").exists()


@pytest.mark.parametrize("checkpoint_has", ["vendor", "vendor/x"])
def test_nested_repository_in_the_way_is_refused(
        git_repo: Path, orch: OrchRunner, checkpoint_has: str) -> None:
    make = "mkdir vendor; echo d > vendor/x" if "/" in checkpoint_has else "echo d > vendor"
    build(git_repo, orch, make, "rm -rf vendor")
    nested = git_repo / "vendor"
    nested.mkdir()
    git(nested, "init", "-q", "-b", "main")
    (nested / "x").write_text("the nested repository's own work\n")
    git(nested, "add", "x")
    git(nested, "commit", "-q", "-m", "nested")
    (nested / "x").write_text("and its uncommitted work\n")
    for args in (("--dry-run",), ("--yes",)):
        refused = unchanged_by(git_repo, orch, "rollback", "phase-1", *args, code=3)
        assert refused.stderr.startswith("error: vendor is a separate git repository")
        assert "hint: move it out of the way" in refused.stderr
    assert (nested / "x").read_text() == "and its uncommitted work\n"


def test_a_reset_that_fails_halfway_says_how_to_finish_or_undo(
        git_repo: Path, orch: OrchRunner) -> None:
    build(git_repo, orch, "echo one > one.txt", "echo two > two.txt")
    (git_repo / "notes.txt").write_text("untracked, removed before the reset\n")
    before = state(git_repo)
    lock = git_repo / ".git" / "index.lock"
    lock.write_text("")  # another git command is busy: `git reset` cannot take the index
    failed = orch("rollback", "phase-1", "--yes", cwd=git_repo)
    assert failed.returncode == 3, failed.stderr
    lines = failed.stderr.splitlines()
    assert lines[0].startswith("error: git reset failed") and "stopped halfway" in lines[0]
    assert lines[1].startswith("hint: ") and "orch rollback --undo" in lines[1]
    assert not (git_repo / "notes.txt").exists()
    lock.unlink()
    undone = orch("rollback", "--undo", cwd=git_repo)
    assert undone.returncode == 0, undone.stderr
    assert state(git_repo) == before
