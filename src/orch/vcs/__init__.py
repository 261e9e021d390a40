"""Git checkpoints, start-of-run checks, backups and rollback (docs/rollback.md).

This package is the only part of orch that imports GitPython. Its modules:

- :mod:`orch.vcs.repo` opens and inspects a repository (the thin layer over GitPython);
- :mod:`orch.vcs.preflight` holds the start-of-run rules (``prepare_repository``);
- :mod:`orch.vcs.checkpoint` makes the phase/task checkpoint commits (``GitCheckpoints``);
- :mod:`orch.vcs.backup` saves and restores a complete working state under ``refs/orch/backup/``;
- :mod:`orch.vcs.worktree` finds what a checkout would replace and keeps flags and raw bytes;
- :mod:`orch.vcs.rollback` finds what a rollback would drop and moves the branch back and forth
  (the use case around it, with the lock and the run state, is :mod:`orch.runner.rollback`).
"""
