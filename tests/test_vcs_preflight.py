"""Start-of-run repository rules (``prepare_repository``) and the repo layer, on real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import git
from orch.errors import SafetyError, VcsError
from orch.vcs.preflight import describe_paths, prepare_repository
from orch.vcs.repo import find_repo, open_repo, parse_trailers


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def _prepare(repo: Path, warn: Warnings, **kwargs: bool) -> bool:
    options = {"allow_dirty": False, "assume_yes": False, "resuming": False, **kwargs}
    return prepare_repository(repo, warn=warn, **options)


def _head_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def test_clean_repository_is_ready(git_repo: Path) -> None:
    warn = Warnings()
    assert _prepare(git_repo, warn) is True
    assert warn == []
    assert _head_count(git_repo) == 1


def test_orch_bookkeeping_never_counts_as_dirty(git_repo: Path) -> None:
    runs = git_repo / ".specify" / "orch" / "runs" / "r1"
    runs.mkdir(parents=True)
    (runs / "run.json").write_text("{}")
    (git_repo / ".specify" / "orch" / "config.yaml").write_text("commit: phase\n")
    (git_repo / ".specify" / "orch" / "lock").write_text("")
    assert _prepare(git_repo, Warnings()) is True
    assert (git_repo / ".specify" / "orch" / ".gitignore").exists()


def test_dirty_tree_is_refused_with_the_paths(git_repo: Path) -> None:
    (git_repo / "README.md").write_text("changed\n")
    (git_repo / "new.txt").write_text("untracked\n")
    (git_repo / "staged.txt").write_text("staged\n")
    git(git_repo, "add", "staged.txt")
    with pytest.raises(SafetyError) as caught:
        _prepare(git_repo, Warnings())
    assert caught.value.exit_code == 3
    for path in ("README.md", "new.txt", "staged.txt"):
        assert path in caught.value.message
    assert "--allow-dirty" in (caught.value.hint or "")
    assert _head_count(git_repo) == 1


def test_ignored_files_are_not_dirty(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("*.log\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-q", "-m", "ignore logs")
    (git_repo / "debug.log").write_text("noise\n")
    assert _prepare(git_repo, Warnings()) is True


def test_many_dirty_paths_are_summarised() -> None:
    paths = [f"f{i}.txt" for i in range(25)]
    assert describe_paths(paths).endswith("f9.txt and 15 more")


def test_allow_dirty_commits_a_baseline(git_repo: Path) -> None:
    (git_repo / "README.md").write_text("changed\n")
    (git_repo / "new.txt").write_text("untracked\n")
    warn = Warnings()
    assert _prepare(git_repo, warn, allow_dirty=True) is True
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "orch: baseline"
    assert git(git_repo, "status", "--porcelain") == ""
    assert any("baseline" in message for message in warn)


def test_resuming_accepts_a_dirty_tree_without_committing(git_repo: Path) -> None:
    (git_repo / "partial.txt").write_text("half done\n")
    assert _prepare(git_repo, Warnings(), resuming=True) is True
    assert _head_count(git_repo) == 1
    assert "partial.txt" in git(git_repo, "status", "--porcelain")


def test_not_a_repository_without_yes_warns_and_runs_without_git(tmp_path: Path) -> None:
    warn = Warnings()
    assert _prepare(tmp_path, warn) is False
    assert not (tmp_path / ".git").exists()
    assert "not a git repository" in warn[0] and "--yes" in warn[0]


def test_not_a_repository_with_yes_is_initialised(tmp_path: Path) -> None:
    (tmp_path / "existing.txt").write_text("mine\n")
    warn = Warnings()
    assert _prepare(tmp_path, warn, assume_yes=True) is True
    assert (tmp_path / ".git").is_dir()
    assert git(tmp_path, "log", "--format=%s").strip() == "orch: initial commit"
    assert "existing.txt" in git(tmp_path, "ls-files")
    assert ".specify" not in git(tmp_path, "ls-files")
    assert git(tmp_path, "status", "--porcelain") == ""


def test_empty_repository_gets_an_initial_commit_and_keeps_the_index(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "staged.txt").write_text("staged\n")
    git(tmp_path, "add", "staged.txt")
    warn = Warnings()
    with pytest.raises(SafetyError):
        _prepare(tmp_path, warn)
    assert git(tmp_path, "log", "--format=%s").strip() == "orch: initial commit"
    assert git(tmp_path, "ls-tree", "-r", "HEAD") == ""
    assert git(tmp_path, "status", "--porcelain").startswith("A  staged.txt")
    assert any("no commits" in message for message in warn)


def test_empty_repository_without_files_just_works(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    assert _prepare(tmp_path, Warnings()) is True
    assert git(tmp_path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_detached_head_is_refused(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "--detach")
    with pytest.raises(VcsError) as caught:
        _prepare(git_repo, Warnings())
    assert "detached" in caught.value.message
    assert caught.value.exit_code == 3


def test_merge_in_progress_is_refused(git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "-b", "other")
    (git_repo / "README.md").write_text("other\n")
    git(git_repo, "commit", "-q", "-am", "other")
    git(git_repo, "checkout", "-q", "main")
    (git_repo / "README.md").write_text("main\n")
    git(git_repo, "commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "other"], cwd=git_repo, capture_output=True)
    with pytest.raises(VcsError) as caught:
        _prepare(git_repo, Warnings(), allow_dirty=True)
    assert "merge" in caught.value.message
    assert "merge --abort" in (caught.value.hint or "")


def test_rebase_in_progress_is_refused(git_repo: Path) -> None:
    (git_repo / ".git" / "rebase-merge").mkdir()
    with pytest.raises(VcsError, match="rebase"):
        _prepare(git_repo, Warnings())


def test_missing_identity_falls_back_to_orch_once(
        git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    (git_repo / "a.txt").write_text("a\n")
    warn = Warnings()
    _prepare(git_repo, warn, allow_dirty=True)
    assert git(git_repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == \
        "orch <orch@localhost>|orch <orch@localhost>"
    assert sum("no user identity" in message for message in warn) == 1


def test_configured_identity_is_respected(
        git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    git(git_repo, "config", "user.name", "Ada")
    git(git_repo, "config", "user.email", "ada@example.com")
    (git_repo / "a.txt").write_text("a\n")
    warn = Warnings()
    _prepare(git_repo, warn, allow_dirty=True)
    assert git(git_repo, "log", "-1", "--format=%an <%ae>").strip() == "Ada <ada@example.com>"
    assert not any("identity" in message for message in warn)


def test_open_repo_outside_git_is_a_one_line_vcs_error(tmp_path: Path) -> None:
    assert find_repo(tmp_path) is None
    with pytest.raises(VcsError, match="not a git repository"):
        open_repo(tmp_path)


def test_parse_trailers() -> None:
    message = "orch: phase 1 Setup\n\nBody text.\n\nOrch-Run: r1\nOrch-Phase: 1\nOrch-Tasks: T001"
    assert parse_trailers(message) == {"Orch-Run": "r1", "Orch-Phase": "1", "Orch-Tasks": "T001"}
    assert parse_trailers("just a subject") == {}
    assert parse_trailers("subject\n\nOrch-Run: r2\n") == {"Orch-Run": "r2"}
